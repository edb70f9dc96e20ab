"""Metric choice and "emergent abilities": from per-token loss to benchmark scores, and back to scale.

Modules (one job each):

* :mod:`~workbench.metrics.tokens`: per-token loss (any loss law) to the probability of the right token;
* :mod:`~workbench.metrics.exact`: exact match ``p^l``, token edit distance, log-likelihood, multiple-choice accuracy;
* :mod:`~workbench.metrics.sampling`: Monte-Carlo test sets of ``n`` items and the resolution floor ``1/n``;
* :mod:`~workbench.metrics.sharpness`: sharpness of a score-vs-scale curve and the "emergent-looking" verdict;
* :mod:`~workbench.metrics.mirage`: one model family under any metric (Schaeffer et al. 2023);
* :mod:`~workbench.metrics.passuntil`: sample-until-success estimates and the task law (Hu et al. 2023);
* :mod:`~workbench.metrics.chain`: the downstream chain and its correlation with scale (Schaeffer et al. 2024);
* :mod:`~workbench.metrics.downstream`: loss-to-error prediction on the over-training runs (Gadre et al. 2024);
* :mod:`~workbench.metrics.ladder`: task loss then accuracy of a model not yet trained, the model ladder (Bhagia et al. 2024);
* :mod:`~workbench.metrics.observational`: principal components of benchmark tables (Ruan et al. 2024);
* :mod:`~workbench.metrics.inverse`: inverse and U-shaped scaling with the broken power law;
* :mod:`~workbench.metrics.realdata`: real families scored by several metrics.
"""

from . import catalogue, tokens, exact, sampling, sharpness, mirage, passuntil, chain, downstream, observational, inverse, realdata, ladder

#: The public API: what each module lists in its own ``__all__``.
__all__ = [
    *catalogue.__all__, *tokens.__all__, *exact.__all__, *sampling.__all__, *sharpness.__all__,
    *mirage.__all__, *passuntil.__all__, *chain.__all__, *downstream.__all__, *observational.__all__,
    *inverse.__all__, *realdata.__all__, *ladder.__all__,
]

from .catalogue import *  # noqa: E402, F403
from .tokens import *  # noqa: E402, F403
from .exact import *  # noqa: E402, F403
from .sampling import *  # noqa: E402, F403
from .sharpness import *  # noqa: E402, F403
from .mirage import *  # noqa: E402, F403
from .passuntil import *  # noqa: E402, F403
from .chain import *  # noqa: E402, F403
from .downstream import *  # noqa: E402, F403
from .observational import *  # noqa: E402, F403
from .inverse import *  # noqa: E402, F403
from .realdata import *  # noqa: E402, F403
from .ladder import *  # noqa: E402, F403
