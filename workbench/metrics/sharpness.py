"""How sharp is a score-versus-scale curve, and does it look "emergent"?

Wei et al. (2022) call an ability emergent when it is absent in smaller models
and present in larger ones; on a plot of score against log scale that is a flat
stretch followed by a jump. We measure exactly that, on the curve linearly
interpolated in ``log10(scale)`` and oriented so that improvement is positive:

* **sharpness**: the largest share of the net improvement (score at the largest
  scale minus score at the smallest) that happens within any window of
  ``window`` decades (default one decade). A straight line in log scale over
  ``R`` decades scores ``1/R``; a step scores 1.
* **emergent-looking**: some one-decade window holds at least ``min_share``
  (default half) of the net improvement *and* the decade before it gained less
  than ``max_lead_ratio`` (default a third) of what that window gains: the
  curve was flat and then jumped. A curve whose biggest gains come first (a
  power law falling fastest at small scale) is sharp but not emergent-looking;
  an accelerating one with a small final jump is neither.

Both depend on the range of scale shown: that is the point of the mirage
argument (Schaeffer et al. 2023), so the range is part of the result.
"""

from __future__ import annotations


import numpy as np

from ..errors import ArgumentError
from ..results import Result

__all__ = ["Sharpness", "sharpness"]


class Sharpness(Result, frozen=True):
    """Sharpness of one curve and its emergence verdict.

    Attributes
    ----------
    share : float
        Largest share of the net improvement within one window.
    window : tuple of float
        Scales at the start and end of that window.
    emergent_share : float
        Largest share within a window that qualifies as a jump after a flat
        stretch (0 when none qualifies).
    lead_ratio : float
        For the best qualifying window (or, when none qualifies, the sharpest
        window that has a decade before it): gain in the decade before it
        divided by the gain within it.
    net_change : float
        Score at the largest scale minus score at the smallest, oriented so
        that improvement is positive.
    decades : float
        Decades of scale spanned by the curve.
    emergent : bool
        The verdict: "emergent-looking".
    reason : str
        The verdict in words.
    """

    share: float
    window: tuple[float, float]
    emergent_share: float
    lead_ratio: float
    net_change: float
    decades: float
    emergent: bool
    reason: str

    def _title(self) -> str:
        return "Sharpness of a curve and its emergence verdict"

    def _summarize(self, s) -> None:
        s.add_text(str(self))
        s.add_fields([("largest share of the change in one window", self.share),
                      ("that window (scale)", f"{self.window[0]:.3g} .. {self.window[1]:.3g}"),
                      ("share in a window after a flat stretch", self.emergent_share),
                      ("gain before / within the window", self.lead_ratio),
                      ("net change", self.net_change), ("decades of scale", self.decades)])

    def _headline(self) -> str:
        return f"{'emergent-looking' if self.emergent else 'not emergent-looking'}, share {self.share:.2f}"

    def __str__(self) -> str:
        return (
            f"{'emergent-looking' if self.emergent else 'not emergent-looking'}: {self.reason} "
            f"(sharpest window {self.window[0]:.3g}-{self.window[1]:.3g} holds {100 * self.share:.0f}% of the change)"
        )


def sharpness(
    scale,
    score,
    higher_is_better: bool = True,
    window: float = 1.0,
    min_share: float = 0.5,
    max_lead_ratio: float = 1.0 / 3.0,
    min_change: float = 0.0,
    grid: int = 241,
) -> Sharpness:
    """Sharpness of a score-vs-scale curve and whether it looks emergent.

    Parameters
    ----------
    scale : array_like
        Model sizes (or compute); positive. Sorted internally.
    score : array_like
        The metric at each scale.
    higher_is_better : bool
        ``False`` for error rates, edit distances, losses, Brier scores.
    window : float
        Width of the window in decades of scale (default 1). When the curve
        spans less than ``window`` decades, the window is the whole span.
    min_share : float
        Share of the net improvement a window must hold to count as a jump.
    max_lead_ratio : float
        Largest gain in the decade before the jump, relative to the jump, for
        the curve to count as flat before it.
    min_change : float
        Smallest net improvement (in the score's units) that counts as a
        visible change; smaller ones get no emergence verdict (e.g. 0.01 for
        a proportion: a rise from 1e-7 to 1e-3 is sharp in relative terms
        but invisible on the plot).
    grid : int
        Points of the interpolation grid.

    Returns
    -------
    Sharpness

    Examples
    --------
    >>> import numpy as np
    >>> N = np.logspace(8, 12, 41)
    >>> sharpness(N, (N > 3e10).astype(float)).emergent
    True
    >>> sharpness(N, np.log10(N)).emergent
    False
    """
    x = np.asarray(scale, float).ravel()
    y = np.asarray(score, float).ravel()
    if x.shape != y.shape:
        raise ArgumentError(f"scale and score must have the same length, got {x.size} and {y.size}.")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 2 or np.any(x <= 0):
        raise ArgumentError("sharpness needs at least two points with finite scores at positive scales.")
    if not (window > 0 and 0 < min_share <= 1 and max_lead_ratio >= 0):
        raise ArgumentError("window must be > 0, min_share in (0, 1] and max_lead_ratio >= 0.")
    order = np.argsort(x, kind="stable")
    u, y = np.log10(x[order]), y[order]
    if not higher_is_better:
        y = -y
    # average repeated scales so the interpolation is a function
    u, inv = np.unique(u, return_inverse=True)
    y = np.bincount(inv, weights=y) / np.bincount(inv)
    span = float(u[-1] - u[0])
    net = float(y[-1] - y[0])
    if u.size < 2 or span <= 0:
        raise ArgumentError("sharpness needs at least two distinct scales.")
    scale_of = lambda v: float(10.0**v)  # noqa: E731
    if not net > 0:
        return Sharpness(0.0, (scale_of(u[0]), scale_of(u[-1])), 0.0, float("nan"), net, span, False,
                         "the score does not improve from the smallest to the largest scale")
    visible = net >= min_change
    w = min(float(window), span)
    z = lambda v: (np.interp(v, u, y) - y[0]) / net  # noqa: E731
    starts = np.linspace(u[0], u[-1] - w, grid)
    gain = z(starts + w) - z(starts)
    i = int(np.argmax(gain))
    share, best = float(gain[i]), (scale_of(starts[i]), scale_of(starts[i] + w))
    # a jump after a flat stretch: the window must have a full decade (window) before it
    has_lead = starts >= u[0] + w - 1e-12
    lead = z(starts) - z(starts - w)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(gain > 0, lead / gain, np.inf)
    qualifies = has_lead & (ratio <= max_lead_ratio)
    if qualifies.any():
        j = int(np.flatnonzero(qualifies)[np.argmax(gain[qualifies])])
        e_share, e_ratio = float(gain[j]), float(ratio[j])
    else:
        e_share = 0.0
        e_ratio = float(np.min(ratio[has_lead])) if has_lead.any() else float("nan")
    emergent = bool(e_share >= min_share and visible)
    if not visible:
        reason = f"the score changes by only {net:.3g} over the range shown, less than the visible minimum {min_change:g}"
    elif emergent:
        j_lo = scale_of(starts[j])
        reason = (f"{100 * e_share:.0f}% of the improvement happens within {w:g} decade(s) from {j_lo:.3g}, "
                  f"after a decade that gained only {100 * e_ratio:.0f}% as much")
    elif not has_lead.any():
        reason = f"the curve spans {span:.2g} decades, too few to see a flat stretch before a jump"
    elif share < min_share:
        reason = f"no window of {w:g} decade(s) holds {100 * min_share:.0f}% of the improvement (at most {100 * share:.0f}%)"
    else:
        reason = "the sharpest change is not preceded by a flat stretch (the curve does not accelerate into it)"
    return Sharpness(share, best, e_share, e_ratio, net, span, emergent, reason)
