"""Laws with inputs beyond ``N``, ``D`` and ``C``, and alternatives to Chinchilla's ``L(N, D)``.

The laws of the extrapolation benchmark (SLDBench, Lin et al. 2025, "Can
Language Models Discover Scaling Laws?") and of the seed papers whose forms fit
the same engine. Each is one :class:`~workbench.laws.core.Law` declaration; the
input columns each reads are listed in :data:`workbench.data.runs.INPUT_COLUMNS`
(``V`` vocabulary size, ``N_v`` vocabulary parameters, ``experts``, ``G``
granularity, ``lr``, ``batch``, ``bits``, ``mix_<domain>`` mixture proportions,
``output`` for multi-output laws).

Start grids follow the magnitudes the papers report; bounds keep every
prediction finite and positive where the law is meant to be used (the engine
fits log residuals, so a law that predicts a non-positive value there is
simply a worse fit).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .catalogue import _lse, register_law
from .core import Law, Parameter

__all__ = ["data_mixing_law", "moe_effective_experts", "farseer_terms", "DATA_MIXING_DOMAINS"]

_INF = math.inf
_LOGCOEF = (0.0, 4.0, 8.0)


# --------------------------------------------------------------------------
# Vocabulary (Tao et al. 2024)
def _vocab_terms(p, x):
    t1 = np.exp(np.log(p.A1) - p.alpha1 * np.log(x.N))
    t2 = np.exp(np.log(p.A2) - p.alpha2 * np.log(x.N_v))
    t3 = np.exp(np.log(p.B) - p.beta * np.log(x.D))
    return t1, t2, t3


def _vocab_formula(p, x):
    t1, t2, t3 = _vocab_terms(p, x)
    return p.E - t1 - t2 - t3


def _vocab_grad(p, x):
    t1, t2, t3 = _vocab_terms(p, x)
    inv = 1.0 / (p.E - t1 - t2 - t3)
    return [
        inv,
        -t1 * inv / p.A1,
        t1 * np.log(x.N) * inv,
        -t2 * inv / p.A2,
        t2 * np.log(x.N_v) * inv,
        -t3 * inv / p.B,
        t3 * np.log(x.D) * inv,
    ]


register_law(
    Law(
        name="vocabulary",
        title="Vocabulary scaling law (Tao et al. 2024)",
        inputs=("N", "N_v", "D"),
        target="neg_lossu",
        parameters=(
            Parameter("E", "gain over a unigram model as N, N_v and D grow without bound (nats/character)", 0.0, 100.0,
                      tuple(math.log(v) for v in (5.5, 6.5, 8.0)), log=True),
            Parameter("A1", "coefficient of the non-vocabulary parameters", 0.0, _INF, _LOGCOEF, log=True),
            Parameter("alpha1", "exponent of the non-vocabulary parameters N", 0.0, 3.0, (0.2, 0.5)),
            Parameter("A2", "coefficient of the vocabulary parameters", 0.0, _INF, _LOGCOEF, log=True),
            Parameter("alpha2", "exponent of the vocabulary parameters N_v", 0.0, 3.0, (0.2, 0.5)),
            Parameter("B", "coefficient of the training characters", 0.0, _INF, _LOGCOEF, log=True),
            Parameter("beta", "exponent of the training characters D", 0.0, 3.0, (0.2, 0.5)),
        ),
        formula=_vocab_formula,
        log_gradient=_vocab_grad,
        equation="L_u = -E + A1 / N^alpha1 + A2 / N_v^alpha2 + B / D^beta,  fitted as -L_u",
        reference="Tao et al. 2024, 'Scaling Laws with Vocabulary: Larger Models Deserve Larger Vocabularies', "
        "arXiv:2407.13623 (Eq. 5)",
        notes="L_u is the unigram-normalised loss (nats per character, negative: below a unigram model); the law is "
        "fitted to -L_u (column neg_lossu), which is positive. N: non-vocabulary parameters; N_v = V x model width; "
        "D: training characters.",
    )
)


# --------------------------------------------------------------------------
# Mixture of experts (Clark et al. 2022; Krajewski et al. 2024)
def moe_effective_experts(E, E_start, E_max):
    """Clark et al.'s saturating expert count ``E_hat``: ``1/E_hat = 1/(E - 1 + (1/E_start - 1/E_max)^-1) + 1/E_max``.

    ``E_hat(1) = E_start``; ``E_hat`` grows like ``E`` in between and saturates at ``E_max``.
    """
    return 1.0 / (1.0 / (E - 1.0 + 1.0 / (1.0 / E_start - 1.0 / E_max)) + 1.0 / E_max)


def _moe_log(p, x):
    lN = np.log(x.N)
    with np.errstate(all="ignore"):
        lE = np.log(moe_effective_experts(x.experts, p.E_start, p.E_max))
    return p.a * lN + p.b * lE + p.c * lN * lE + p.d


def _dlog_ehat(E, E_start, E_max):
    """``ln E_hat`` and its derivatives with respect to ``E_start`` and ``E_max``."""
    w = 1.0 / (1.0 / E_start - 1.0 / E_max)
    u = E - 1.0 + w
    ehat = 1.0 / (1.0 / u + 1.0 / E_max)
    d_start = ehat * w * w / (u * u * E_start * E_start)
    d_max = ehat * (1.0 - w * w / (u * u)) / (E_max * E_max)
    return np.log(ehat), d_start, d_max


def _moe_grad(p, x):
    lN = np.log(x.N)
    lE, d_start, d_max = _dlog_ehat(x.experts, p.E_start, p.E_max)
    through = p.b + p.c * lN
    return [lN + 0.0 * lE, lE, lN * lE, np.ones_like(lE), through * d_start, through * d_max]


register_law(
    Law(
        name="moe_clark2022",
        title="Unified scaling law of routed language models (Clark et al. 2022)",
        inputs=("N", "experts"),
        parameters=(
            Parameter("a", "exponent of the dense parameter count N", -2.0, 2.0, (-0.1, -0.05)),
            Parameter("b", "exponent of the effective expert count", -2.0, 2.0, (-0.1, 0.0)),
            Parameter("c", "interaction: how the benefit of experts changes with N", -1.0, 1.0, (0.0, 0.01)),
            Parameter("d", "log loss offset", -20.0, 20.0, (1.0, 3.0)),
            Parameter("E_start", "expert count below which extra experts barely help (E_hat(1) = E_start)", 1.0, 1e3,
                      tuple(math.log(v) for v in (1.5, 5.0)), log=True),
            Parameter("E_max", "expert count at which the benefit saturates", 1.0, 1e6,
                      tuple(math.log(v) for v in (50.0, 500.0)), log=True),
        ),
        log_formula=_moe_log,
        log_gradient=_moe_grad,
        equation="log L = a log N + b log E_hat + c log N log E_hat + d,  "
        "1/E_hat = 1/(E - 1 + (1/E_start - 1/E_max)^-1) + 1/E_max",
        reference="Clark et al. 2022, 'Unified Scaling Laws for Routed Language Models', arXiv:2202.01169 (Eq. 9-10)",
        notes="N is the parameter count of the dense model each routed model expands; experts = 1 is the dense model.",
    )
)


def _moe_power_log(p, x):
    with np.errstate(all="ignore"):
        lE = np.log(moe_effective_experts(x.experts, p.E_start, p.E_max))
    out, _ = _lse(np.log(p.L0), np.log(p.A) - p.alpha * np.log(x.N) - p.beta * lE, weights=False)
    return out


def _moe_power_grad(p, x):
    lN = np.log(x.N)
    lE, d_start, d_max = _dlog_ehat(x.experts, p.E_start, p.E_max)
    _, (w0, wA) = _lse(np.log(p.L0), np.log(p.A) - p.alpha * lN - p.beta * lE)
    return [w0 / p.L0, wA / p.A, -wA * lN, -wA * lE, -p.beta * wA * d_start, -p.beta * wA * d_max]


register_law(
    Law(
        name="moe_power",
        title="Routed language models with an irreducible loss: L0 + A N^-alpha E_hat^-beta",
        inputs=("N", "experts"),
        parameters=(
            Parameter("L0", "irreducible loss (nats/token)", 0.0, _INF, (-1.0, 0.0, 0.5), log=True),
            Parameter("A", "coefficient", 0.0, _INF, (1.0, 3.0, 6.0), log=True),
            Parameter("alpha", "exponent of the dense parameter count N", 0.0, 3.0, (0.1, 0.3)),
            Parameter("beta", "exponent of the effective expert count", 0.0, 3.0, (0.05, 0.2)),
            Parameter("E_start", "expert count below which extra experts barely help", 1.0, 1e3,
                      tuple(math.log(v) for v in (1.5, 5.0)), log=True),
            Parameter("E_max", "expert count at which the benefit saturates", 1.0, 1e6, (math.log(300.0),), log=True),
        ),
        log_formula=_moe_power_log,
        log_gradient=_moe_power_grad,
        equation="L = L0 + A N^-alpha E_hat^-beta,  E_hat as in Clark et al. 2022",
        reference="Clark et al. 2022 (saturating expert count E_hat) with an irreducible term as in Hoffmann et al. 2022; "
        "the form Clark et al. discuss as a bounded alternative to their log-bilinear law (Section 4)",
    )
)


def _krajewski_formula(p, x):
    return p.c + (p.g / x.G**p.gamma + p.a) / x.N**p.alpha + p.b / x.D**p.beta


def _krajewski_terms(p, x):
    lN = np.log(x.N)
    return (
        np.log(p.c),
        np.log(p.g) - p.gamma * np.log(x.G) - p.alpha * lN,
        np.log(p.a) - p.alpha * lN,
        np.log(p.b) - p.beta * np.log(x.D),
    )


def _krajewski_log(p, x):
    out, _ = _lse(*_krajewski_terms(p, x), weights=False)
    return out


def _krajewski_grad(p, x):
    _, (wc, wg, wa, wb) = _lse(*_krajewski_terms(p, x))
    lN = np.log(x.N)
    return [wc / p.c, wg / p.g, -wg * np.log(x.G), wa / p.a, -(wg + wa) * lN, wb / p.b, -wb * np.log(x.D)]


register_law(
    Law(
        name="moe_granularity",
        title="Fine-grained mixture of experts (Krajewski et al. 2024)",
        inputs=("N", "D", "G"),
        parameters=(
            Parameter("c", "irreducible loss (nats/token)", 0.0, _INF, (-1.0, 0.0, 0.5), log=True),
            Parameter("g", "coefficient of the granularity term", 0.0, _INF, _LOGCOEF, log=True),
            Parameter("gamma", "exponent of the granularity G", 0.0, 3.0, (0.3, 0.6)),
            Parameter("a", "coefficient of the parameter term", 0.0, _INF, _LOGCOEF, log=True),
            Parameter("alpha", "exponent of parameters N", 0.0, 3.0, (0.1, 0.3)),
            Parameter("b", "coefficient of the data term", 0.0, _INF, _LOGCOEF, log=True),
            Parameter("beta", "exponent of training tokens D", 0.0, 3.0, (0.1, 0.3)),
        ),
        formula=_krajewski_formula,
        log_formula=_krajewski_log,
        log_gradient=_krajewski_grad,
        equation="L(N, D, G) = c + (g / G^gamma + a) / N^alpha + b / D^beta",
        reference="Krajewski et al. 2024, 'Scaling Laws for Fine-Grained Mixture of Experts', arXiv:2402.07871 (Eq. 4)",
        notes="G: granularity, the ratio of the dense feed-forward width to each expert's width. With g = 0 it is "
        "Chinchilla's law.",
    )
)


# --------------------------------------------------------------------------
# Fine-tuning (Lin et al. 2024, rectified scaling law)
def _rect_terms(p, x):
    lD = np.log(x.D)
    tD = np.exp(p.beta * lD)
    s = p.D_l + tD
    return lD, tD, s


def _rect_formula(p, x):
    return p.B / (p.D_l + x.D**p.beta) + p.E


def _rect_log(p, x):
    _, _, s = _rect_terms(p, x)
    out, _ = _lse(np.log(p.B) - np.log(s), np.log(p.E), weights=False)
    return out


def _rect_grad(p, x):
    lD, tD, s = _rect_terms(p, x)
    tB = p.B / s
    inv = 1.0 / (tB + p.E)
    return [inv / s, -tB / s * inv, -tB * tD * lD / s * inv, inv]


register_law(
    Law(
        name="rectified_sft",
        title="Rectified scaling law of fine-tuning (Lin et al. 2024)",
        inputs=("D",),
        parameters=(
            Parameter("B", "coefficient (loss x data^beta)", 0.0, _INF, (0.0, 3.0, 6.0), log=True),
            Parameter("D_l", "pre-learned data size (in units of D^beta): what pre-training already taught", 0.0, _INF,
                      (0.0, 3.0, 6.0), log=True),
            Parameter("beta", "exponent of the fine-tuning data size D", 0.0, 3.0, (0.3, 0.7)),
            Parameter("E", "loss with unlimited fine-tuning data (nats/token)", 0.0, _INF, (-2.0, 0.0), log=True),
        ),
        formula=_rect_formula,
        log_formula=_rect_log,
        log_gradient=_rect_grad,
        equation="L(D) = B / (D_l + D^beta) + E",
        reference="Lin et al. 2024, 'Selecting Large Language Model to Fine-tune via Rectified Scaling Law', "
        "arXiv:2402.02314 (Eq. 3)",
        notes="D: fine-tuning examples. D_l makes the curve flat while D^beta << D_l (the pre-power phase), then a power "
        "law (the power phase).",
    )
)


# --------------------------------------------------------------------------
# Data mixing (Ye et al. 2024)
#: The five domains of the SLDBench data-mixing runs (Ye et al. 2024 train on the Pile's five groups).
DATA_MIXING_DOMAINS = ("d1", "d2", "d3", "d4", "d5")


def data_mixing_law(domains: Sequence[str] = DATA_MIXING_DOMAINS, name: str | None = None) -> Law:
    """Ye et al.'s data mixing law for ``M = len(domains)`` domains, as one multi-output law.

    ``L_i(r) = c_i + k_i exp(sum_j t_ij r_j)``: the loss on domain ``i`` under
    mixture proportions ``r_1 .. r_M`` (columns ``mix_<domain>``). All ``M``
    outputs share one parameter set (``c_i``, ``k_i`` and the ``M x M``
    matrix ``t``); each row of the runs table holds one domain's loss, its
    number in column ``output``.
    """
    domains = tuple(str(d) for d in domains)
    M = len(domains)
    if M < 1:
        raise ValueError("data_mixing_law needs at least one domain.")
    cols = tuple(f"mix_{d}" for d in domains)
    t_names = [f"t_{i + 1}_{j + 1}" for i in range(M) for j in range(M)]

    def _pick(p, x):
        """``c_i``, ``k_i`` and ``sum_j t_ij r_j`` for each row's output ``i``, each ``(K, n)``; also ``i`` and ``r``."""
        out = np.asarray(x.output).astype(int)
        c = np.concatenate([getattr(p, f"c_{i + 1}") for i in range(M)], axis=1)  # (K, M)
        k = np.concatenate([getattr(p, f"k_{i + 1}") for i in range(M)], axis=1)
        R = np.stack([np.asarray(getattr(x, col), float) for col in cols], axis=1)  # (n, M)
        T = np.concatenate([getattr(p, t) for t in t_names], axis=1).reshape(-1, M, M)  # (K, M, M)
        e = np.einsum("knj,nj->kn", T[:, out, :], R)
        return c[:, out], k[:, out], e, out, R

    def formula(p, x):
        c, k, e, _, _ = _pick(p, x)
        return c + k * np.exp(e)

    def log_formula(p, x):
        c, k, e, _, _ = _pick(p, x)
        out, _ = _lse(np.log(c), np.log(k) + e, weights=False)
        return out

    def log_gradient(p, x):
        c, k, e, out, R = _pick(p, x)
        ke = k * np.exp(e)
        inv = 1.0 / (c + ke)
        w = ke * inv  # d log L / d (sum_j t_ij r_j)
        zero = np.zeros_like(inv)
        rows = [out == i for i in range(M)]
        grads = [np.where(rows[i], inv, zero) for i in range(M)]
        grads += [np.where(rows[i], w / k, zero) for i in range(M)]
        for i in range(M):
            wi = np.where(rows[i], w, zero)
            grads += [wi * R[:, j] for j in range(M)]
        return grads

    params = []
    for i in range(M):
        params.append(Parameter(f"c_{i + 1}", f"loss floor on domain {domains[i]!r} (nats/token)", 0.0, _INF, (0.0, 0.7), log=True))
    for i in range(M):
        params.append(Parameter(f"k_{i + 1}", f"scale of the mixture-dependent loss on domain {domains[i]!r}", 0.0, _INF, (0.0,), log=True))
    for t in t_names:
        i, j = (int(v) - 1 for v in t.split("_")[1:])
        params.append(Parameter(t, f"effect of the proportion of {domains[j]!r} on the loss of {domains[i]!r}", -30.0, 30.0, (0.0,)))
    return Law(
        name=name or f"data_mixing_{M}",
        title=f"Data mixing law, {M} domains (Ye et al. 2024)",
        inputs=cols + ("output",),
        parameters=tuple(params),
        formula=formula,
        log_formula=log_formula,
        log_gradient=log_gradient,
        equation="L_i(r) = c_i + k_i exp(sum_j t_ij r_j),  one output per domain i",
        reference="Ye et al. 2024, 'Data Mixing Laws: Optimizing Data Mixtures by Predicting Language Modeling "
        "Performance', arXiv:2403.16952 (Eq. 1, multi-domain form)",
        outputs=domains,
        notes="Inputs mix_<domain> are proportions in [0, 1] summing to 1; the column 'output' says which domain's "
        "loss a row holds.",
        extra={"nonnegative_inputs": cols + ("output",)},
    )


register_law(data_mixing_law(DATA_MIXING_DOMAINS, name="data_mixing"))


# --------------------------------------------------------------------------
# Loss over learning rate and batch size at given N and D (Step Law setting, Li et al. 2025)
def _step_parts(p, x):
    lN, lD = np.log(x.N), np.log(x.D)
    tA = np.exp(np.log(p.A) - p.alpha * lN)
    tB = np.exp(np.log(p.B) - p.beta * lD)
    u = np.log(x.lr) - (np.log(p.s_lr) - p.a * lN + p.b * lD)
    v = np.log(x.batch) - (np.log(p.s_bs) + p.e * lD)
    return lN, lD, tA, tB, u, v


def _step_formula(p, x):
    _, _, tA, tB, u, v = _step_parts(p, x)
    return p.E + tA + tB + p.c_lr * u * u + p.c_bs * v * v


def _step_grad(p, x):
    lN, lD, tA, tB, u, v = _step_parts(p, x)
    inv = 1.0 / (p.E + tA + tB + p.c_lr * u * u + p.c_bs * v * v)
    du = -2.0 * p.c_lr * u * inv  # d log L / d (ln lr*)
    dv = -2.0 * p.c_bs * v * inv  # d log L / d (ln B*)
    return [
        inv,
        tA * inv / p.A,
        -tA * lN * inv,
        tB * inv / p.B,
        -tB * lD * inv,
        u * u * inv,
        du / p.s_lr,
        -du * lN,
        du * lD,
        v * v * inv,
        dv / p.s_bs,
        dv * lD,
    ]


_STEP_PARAMS = (
    Parameter("E", "irreducible loss (nats/token)", 0.0, _INF, (0.0, 0.5), log=True),
    Parameter("A", "parameter-term coefficient", 0.0, _INF, (3.0, 6.0), log=True),
    Parameter("alpha", "exponent of parameters N", 0.0, 3.0, (0.3,)),
    Parameter("B", "data-term coefficient", 0.0, _INF, (3.0, 6.0), log=True),
    Parameter("beta", "exponent of tokens D", 0.0, 3.0, (0.3,)),
    Parameter("c_lr", "curvature of the loss in ln(learning rate) around the optimum", 0.0, 10.0, (0.005, 0.03)),
    Parameter("s_lr", "coefficient of the optimal learning rate", 0.0, _INF, (math.log(1.79),), log=True),
    Parameter("a", "optimal learning rate falls as N^-a", -3.0, 3.0, (0.713,)),
    Parameter("b", "optimal learning rate grows as D^b", -3.0, 3.0, (0.307,)),
    Parameter("c_bs", "curvature of the loss in ln(batch size) around the optimum", 0.0, 10.0, (0.005, 0.03)),
    Parameter("s_bs", "coefficient of the optimal batch size (tokens)", 0.0, _INF, (math.log(0.58),), log=True),
    Parameter("e", "optimal batch size grows as D^e", -3.0, 3.0, (0.571,)),
)

register_law(
    Law(
        name="step_law_surface",
        title="Loss over learning rate and batch size around the Step Law optimum (Li et al. 2025)",
        inputs=("N", "D", "lr", "batch"),
        parameters=_STEP_PARAMS,
        formula=_step_formula,
        log_gradient=_step_grad,
        equation="L = E + A/N^alpha + B/D^beta + c_lr (ln lr - ln lr*)^2 + c_bs (ln B - ln B*)^2,  "
        "lr* = s_lr N^-a D^b,  B* = s_bs D^e",
        reference="Li et al. 2025, 'Predictable Scale: Part I -- Optimal Hyperparameter Scaling Law in Large Language "
        "Model Pretraining' (Step Law), arXiv:2503.04715: optimum lr* = 1.79 N^-0.713 D^0.307, B* = 0.58 D^0.571 "
        "(tokens) and a convex loss landscape around it; the loss at the optimum follows Hoffmann et al. 2022",
        notes="N: non-embedding parameters; batch in tokens. The start grid begins at the published optimum.",
    )
)


def _step_mult_log(p, x):
    _, _, tA, tB, u, v = _step_parts(p, x)
    return np.log(p.E + tA + tB) + np.log1p(p.c_lr * u * u + p.c_bs * v * v)


def _step_mult_grad(p, x):
    lN, lD, tA, tB, u, v = _step_parts(p, x)
    inv_s = 1.0 / (p.E + tA + tB)
    inv_p = 1.0 / (1.0 + p.c_lr * u * u + p.c_bs * v * v)
    du = -2.0 * p.c_lr * u * inv_p
    dv = -2.0 * p.c_bs * v * inv_p
    return [
        inv_s + 0.0 * u,
        tA * inv_s / p.A,
        -tA * lN * inv_s,
        tB * inv_s / p.B,
        -tB * lD * inv_s,
        u * u * inv_p,
        du / p.s_lr,
        -du * lN,
        du * lD,
        v * v * inv_p,
        dv / p.s_bs,
        dv * lD,
    ]


register_law(
    Law(
        name="step_law_surface_relative",
        title="Loss over learning rate and batch size, penalty relative to the optimal loss",
        inputs=("N", "D", "lr", "batch"),
        parameters=_STEP_PARAMS,
        log_formula=_step_mult_log,
        log_gradient=_step_mult_grad,
        equation="L = (E + A/N^alpha + B/D^beta) (1 + c_lr (ln lr - ln lr*)^2 + c_bs (ln B - ln B*)^2),  "
        "lr* = s_lr N^-a D^b,  B* = s_bs D^e",
        reference="Li et al. 2025 (Step Law) optimum and convex landscape; the penalty scales with the loss at the "
        "optimum, so the basin narrows in absolute terms as models improve",
        notes="N: non-embedding parameters; batch in tokens.",
    )
)


# --------------------------------------------------------------------------
# Farseer (Li et al. 2025): a refined L(N, D)
_FARSEER_N0 = 1e9


def farseer_terms(p, x):
    """The three exponents of Farseer, with N in billions: ``(a3 n^gamma + b3, a2 n^beta + b2, e^(a1 n^alpha + b1))``."""
    ln = np.log(x.N / _FARSEER_N0)
    e3 = p.a3 * np.exp(p.gamma * ln) + p.b3
    e2 = p.a2 * np.exp(p.beta * ln) + p.b2
    slope = np.exp(p.a1 * np.exp(p.alpha * ln) + p.b1)
    return e3, e2, slope


def _farseer_log(p, x):
    e3, e2, slope = farseer_terms(p, x)
    out, _ = _lse(e3, e2 - slope * np.log(x.D), weights=False)
    return out


def _farseer_grad(p, x):
    ln = np.log(x.N / _FARSEER_N0)
    lD = np.log(x.D)
    g3, g2, g1 = np.exp(p.gamma * ln), np.exp(p.beta * ln), np.exp(p.alpha * ln)
    slope = np.exp(p.a1 * g1 + p.b1)
    _, (w3, w2) = _lse(p.a3 * g3 + p.b3, p.a2 * g2 + p.b2 - slope * lD)
    ds = -w2 * lD * slope
    return [w3 * g3, w3 + 0.0 * ln, w3 * p.a3 * ln * g3, w2 * g2, w2 + 0.0 * ln, w2 * p.a2 * ln * g2, ds * g1, ds,
            ds * p.a1 * ln * g1]


register_law(
    Law(
        name="farseer",
        title="Farseer: a refined L(N, D) (Li et al. 2025)",
        inputs=("N", "D"),
        parameters=(
            Parameter("a3", "size dependence of the floor", -20.0, 20.0, (-0.2, 0.0)),
            Parameter("b3", "log of the floor at N = 1e9", -10.0, 5.0, (0.3, 0.6)),
            Parameter("gamma", "exponent of N in the floor", -3.0, 3.0, (-0.3, 0.3)),
            Parameter("a2", "size dependence of the data-term amplitude", -20.0, 20.0, (-0.5, 0.0)),
            Parameter("b2", "log amplitude of the data term at N = 1e9", -20.0, 30.0, (3.0, 6.0)),
            Parameter("beta", "exponent of N in the amplitude", -3.0, 3.0, (0.2,)),
            Parameter("a1", "size dependence of the data exponent", -20.0, 20.0, (0.0,)),
            Parameter("b1", "log of the data exponent at N = 1e9", -10.0, 3.0, (math.log(0.2), math.log(0.35))),
            Parameter("alpha", "exponent of N in the data exponent", -3.0, 3.0, (0.2,)),
        ),
        log_formula=_farseer_log,
        log_gradient=_farseer_grad,
        equation="L(N, D) = exp(a3 n^gamma + b3) + exp(a2 n^beta + b2) D^(-exp(a1 n^alpha + b1)),  n = N / 1e9",
        reference="Li et al. 2025, 'Farseer: A Refined Scaling Law in Large Language Models', arXiv:2506.10972",
        notes="The floor, the amplitude and the exponent of the data term each depend on model size. N is measured in "
        "billions inside the law (a reparametrisation of the paper's raw N that keeps the fit well conditioned).",
    )
)


# --------------------------------------------------------------------------
# Reinforcement-learning compute (Khatri et al. 2025)
def _rl_sigmoid(p, x):
    z = np.log(p.C_mid) - np.log(x.C)
    return z, 1.0 / (1.0 + np.exp(p.B * z))


def _rl_formula(p, x):
    _, s = _rl_sigmoid(p, x)
    return p.R0 + (p.A - p.R0) * s


def _rl_grad(p, x):
    z, s = _rl_sigmoid(p, x)
    inv = 1.0 / (p.R0 + (p.A - p.R0) * s)
    ds = s * (1.0 - s)
    return [(1.0 - s) * inv, s * inv, -(p.A - p.R0) * p.B * ds / p.C_mid * inv, -(p.A - p.R0) * z * ds * inv]


register_law(
    Law(
        name="rl_sigmoid",
        title="Sigmoidal compute-performance curve of reinforcement learning (Khatri et al. 2025)",
        inputs=("C",),
        target="reward",
        parameters=(
            Parameter("R0", "pass rate before RL (at no compute)", 0.0, 1.0, (0.05, 0.2)),
            Parameter("A", "asymptotic pass rate", 0.0, 1.0, (0.5, 0.8)),
            Parameter("C_mid", "compute at which half the gain is reached (FLOPs or GPU-hours)", 0.0, _INF,
                      (5.0, 10.0, 20.0, 40.0), log=True),
            Parameter("B", "efficiency: steepness of the curve in log compute", 0.0, 20.0, (0.5, 1.0, 2.0)),
        ),
        formula=_rl_formula,
        log_gradient=_rl_grad,
        equation="R(C) = R0 + (A - R0) / (1 + (C_mid / C)^B)",
        reference="Khatri et al. 2025, 'The Art of Scaling Reinforcement Learning Compute', arXiv:2510.13786 (Eq. 1)",
        notes="Target column 'reward' (mean pass rate on held-out prompts, 0..1); C: RL compute.",
    )
)


# --------------------------------------------------------------------------
# Low-bit quantisation (Ouyang et al. 2024)
def _qid_log(p, x):
    return np.log(p.k) + p.beta * np.log(x.D) - p.alpha * np.log(x.N) - p.gamma * np.log(x.bits)


def _qid_grad(p, x):
    return [1.0 / p.k, -np.log(x.N), np.log(x.D), -np.log(x.bits)]


register_law(
    Law(
        name="quantisation_degradation",
        title="Quantisation-induced degradation (Ouyang et al. 2024)",
        inputs=("N", "D", "bits"),
        target="qid",
        parameters=(
            Parameter("k", "coefficient", 0.0, _INF, (-6.0, -3.0, 0.0), log=True),
            Parameter("alpha", "exponent of parameters N (larger models degrade less)", -3.0, 3.0, (0.2, 0.5)),
            Parameter("beta", "exponent of training tokens D (longer-trained models degrade more)", -3.0, 3.0, (0.3, 0.6)),
            Parameter("gamma", "exponent of the bit width (more bits degrade less)", -20.0, 20.0, (3.0, 6.0)),
        ),
        log_formula=_qid_log,
        log_gradient=_qid_grad,
        equation="Delta_q L(N, D, P) = k D^beta / (N^alpha P^gamma)",
        reference="Ouyang et al. 2024, 'Low-Bit Quantization Favors Undertrained LLMs: Scaling Laws for Quantized "
        "LLMs with 100T Training Tokens', arXiv:2411.17691 (Eq. 4)",
        notes="Target 'qid': loss after quantisation minus loss before (nats/token, > 0); bits: weight bit width P.",
    )
)


# --------------------------------------------------------------------------
# Model ladder, step 2 (Bhagia et al. 2024): accuracy as a sigmoid of the task loss
def _ladder_formula(p, x):
    return p.a / (1.0 + np.exp(-p.k * (x.task_loss - p.L0))) + p.b


def _ladder_grad(p, x):
    dl = x.task_loss - p.L0
    sig = 1.0 / (1.0 + np.exp(-p.k * dl))
    inv = 1.0 / (p.a * sig + p.b)
    ds = sig * (1.0 - sig)
    return [sig * inv, inv + 0.0 * sig, p.a * ds * dl * inv, -p.a * p.k * ds * inv]


register_law(
    Law(
        name="ladder_accuracy",
        title="Task accuracy as a sigmoid of the task loss (Bhagia et al. 2024, model ladder step 2)",
        inputs=("task_loss",),
        target="accuracy",
        parameters=(
            Parameter("a", "accuracy gained from chance to the best (fraction)", 0.0, 1.0, (0.3, 0.6, 0.9)),
            Parameter("b", "accuracy far above the midpoint loss: chance (fraction)", 0.0, 1.0, (0.0, 0.25, 0.5)),
            Parameter("k", "steepness (< 0: accuracy falls as the loss rises; per unit of task loss)", -200.0, 200.0,
                      (-3.0, -10.0, -30.0)),
            Parameter("L0", "task loss at the midpoint of the sigmoid", 0.0, 100.0, (0.5, 1.0, 1.5, 2.5)),
        ),
        formula=_ladder_formula,
        log_gradient=_ladder_grad,
        equation="Acc(L) = a / (1 + exp(-k (L - L0))) + b",
        reference="Bhagia et al. 2024, 'Establishing Task Scaling Laws via Compute-Efficient Model Ladders', "
        "arXiv:2412.04403 (Eq. 2)",
        notes="task_loss: a per-task loss such as the bits per byte of the correct answer; step 1 of the ladder "
        "predicts it from N and D with Hoffmann et al.'s form.",
    )
)
