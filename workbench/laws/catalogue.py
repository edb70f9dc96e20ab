"""The catalogue of scaling laws.

Each entry is one :class:`~workbench.laws.core.Law` declaration: formula,
parameters with bounds and default start grid, and the paper it comes from.
The published numbers each law must reproduce are checked by the tests in
``tests/laws`` and ``tests/fit`` (each test names its paper and tolerance).
"""

from __future__ import annotations

import math

import numpy as np

from ..names import Catalogue
from .core import Law, Parameter

__all__ = ["get_law", "list_laws", "register_law", "LAWS"]

LAWS: Catalogue = Catalogue("law", Law)

_INF = math.inf
# Besiroglu et al. (2024) start grid for the Chinchilla refit, in fit space:
# ln E in {-1, -0.5, 0, 0.5, 1}; ln A, ln B in {0, 5, ..., 25}; alpha, beta in {0, 0.5, ..., 2}.
_E_GRID = (-1.0, -0.5, 0.0, 0.5, 1.0)
_LOGCOEF_GRID = (0.0, 5.0, 10.0, 15.0, 20.0, 25.0)
_EXP_GRID = (0.0, 0.5, 1.0, 1.5, 2.0)


def register_law(law: Law) -> Law:
    """Add a law to the catalogue (replacing one of the same name)."""
    return LAWS.add(law)


def get_law(name) -> Law:
    """Look a law up by name (a :class:`Law` is returned unchanged)."""
    return LAWS.lookup(name)


def list_laws() -> list[str]:
    """Names of every law in the catalogue, sorted (look one up with :func:`get_law`)."""
    return LAWS.names()


def _lse(*terms, weights: bool = True):
    """Log-sum-exp of arrays that broadcast together, and (optionally) the softmax weights.

    Written for speed on ``(K, n)`` batches: a running maximum, one ``exp``
    per term, no stacking.
    """
    m = terms[0]
    for t in terms[1:]:
        m = np.maximum(m, t)
    ex = []
    s = None
    for t in terms:
        e = np.exp(t - m)
        ex.append(e)
        s = e if s is None else s + e
    out = m + np.log(s)
    if not weights:
        return out, None
    inv = 1.0 / s
    return out, [e * inv for e in ex]

# --------------------------------------------------------------------------
# Power law with an irreducible term, in N, D or C.
def _irreducible_starts(x, y):
    """Starts for an irreducible term ``E`` (log scale): the default grid and fractions of the smallest loss."""
    ymin = float(np.min(y))
    return {"E": tuple(sorted(set(_E_GRID) | {float(np.log(ymin * f)) for f in (1e-3, 0.3, 0.6, 0.9)}))}


def _power_law(xname: str, what: str, unit: str) -> Law:
    def log_formula(p, x):
        return np.log(p.E + np.exp(np.log(p.A) - p.alpha * np.log(getattr(x, xname))))

    def log_gradient(p, x):
        lx = np.log(getattr(x, xname))
        tA = np.exp(np.log(p.A) - p.alpha * lx)
        inv = 1.0 / (p.E + tA)
        wA = tA * inv
        return [inv, wA / p.A, -wA * lx]

    return Law(
        name=f"power_law_{xname}",
        title=f"Power law in {what} with an irreducible loss",
        inputs=(xname,),
        parameters=(
            Parameter("E", "irreducible loss (nats/token)", 0.0, _INF, _E_GRID, log=True),
            Parameter("A", f"coefficient (loss x {unit}^alpha)", 0.0, _INF, _LOGCOEF_GRID, log=True),
            Parameter("alpha", f"exponent of {what}", 0.0, 10.0, _EXP_GRID),
        ),
        log_formula=log_formula,
        log_gradient=log_gradient,
        equation=f"L({xname}) = E + A / {xname}^alpha",
        reference="Hestness et al. 2017, 'Deep Learning Scaling is Predictable, Empirically'; "
        "Henighan et al. 2020, 'Scaling Laws for Autoregressive Generative Modeling'",
        start_values=_irreducible_starts,
    )


for _x, _what, _unit in (("N", "parameters", "params"), ("D", "training tokens", "tokens"), ("C", "training compute", "FLOPs")):
    register_law(_power_law(_x, _what, _unit))


# --------------------------------------------------------------------------
# Kaplan et al. 2020
def _kaplan_single(xname, cname, aname, what, c_grid, a_grid, eq):
    def log_formula(p, x):
        return getattr(p, aname) * (np.log(getattr(p, cname)) - np.log(getattr(x, xname)))

    def log_gradient(p, x):
        a, c = getattr(p, aname), getattr(p, cname)
        return [a / c, np.log(c) - np.log(getattr(x, xname))]

    return Law(
        name=f"kaplan_{xname}",
        title=f"Kaplan L({xname}): pure power law in {what}",
        inputs=(xname,),
        parameters=(
            Parameter(cname, f"scale constant ({what})", 0.0, _INF, c_grid, log=True),
            Parameter(aname, f"exponent of {what}", 0.0, 2.0, a_grid),
        ),
        log_formula=log_formula,
        log_gradient=log_gradient,
        equation=eq,
        reference="Kaplan et al. 2020, 'Scaling Laws for Neural Language Models' (Eq. 1.1, 1.2)",
    )


register_law(
    _kaplan_single("N", "N_c", "alpha_N", "non-embedding parameters", tuple(math.log(v) for v in (1e11, 1e13, 1e15, 1e17)),
                   (0.03, 0.07, 0.15, 0.3), "L(N) = (N_c / N)^alpha_N")
)
register_law(
    _kaplan_single("D", "D_c", "alpha_D", "tokens", tuple(math.log(v) for v in (1e11, 1e13, 1e15, 1e17)),
                   (0.03, 0.09, 0.15, 0.3), "L(D) = (D_c / D)^alpha_D")
)


def _kaplan_nd_terms(p, x):
    u = (p.alpha_N / p.alpha_D) * (np.log(p.N_c) - np.log(x.N))
    v = np.log(p.D_c) - np.log(x.D)
    return u, v


def _kaplan_nd_log(p, x):
    u, v = _kaplan_nd_terms(p, x)
    s, _ = _lse(u, v, weights=False)
    return p.alpha_D * s


def _kaplan_nd_grad(p, x):
    u, v = _kaplan_nd_terms(p, x)
    s, (wu, wv) = _lse(u, v)
    return [
        p.alpha_N * wu / p.N_c,
        wu * (np.log(p.N_c) - np.log(x.N)),
        p.alpha_D * wv / p.D_c,
        s - wu * u,
    ]


def kaplan_nd_optimum(values, C):
    """Compute-optimal ``(N, D)`` for Kaplan's ``L(N, D)`` under ``C = 6ND``.

    Minimising ``(N_c/N)^r + D_c 6N/C`` with ``r = alpha_N / alpha_D`` gives
    ``N^(r+1) = r N_c^r C / (6 D_c)`` and ``D = C / (6N)``.
    """
    r = np.asarray(values["alpha_N"], float) / np.asarray(values["alpha_D"], float)
    lc = np.log(np.asarray(C, float) / 6.0)
    lnN = (np.log(r) + r * np.log(values["N_c"]) + lc - np.log(values["D_c"])) / (r + 1.0)
    return np.exp(lnN), np.exp(lc - lnN)


register_law(
    Law(
        name="kaplan_ND",
        title="Kaplan L(N, D): joint dependence on parameters and tokens",
        inputs=("N", "D"),
        parameters=(
            Parameter("N_c", "parameter scale constant", 0.0, _INF, tuple(math.log(v) for v in (1e11, 1e13, 1e15)), log=True),
            Parameter("alpha_N", "exponent of parameters", 0.0, 2.0, (0.03, 0.076, 0.15, 0.3)),
            Parameter("D_c", "token scale constant", 0.0, _INF, tuple(math.log(v) for v in (1e11, 1e13, 1e15)), log=True),
            Parameter("alpha_D", "exponent of tokens", 1e-3, 2.0, (0.03, 0.095, 0.15, 0.3)),
        ),
        log_formula=_kaplan_nd_log,
        log_gradient=_kaplan_nd_grad,
        compute_optimal=kaplan_nd_optimum,
        equation="L(N, D) = [(N_c / N)^(alpha_N / alpha_D) + D_c / D]^alpha_D",
        reference="Kaplan et al. 2020, 'Scaling Laws for Neural Language Models' (Eq. 1.5)",
    )
)


# --------------------------------------------------------------------------
# Chinchilla (Hoffmann et al. 2022, Approach 3)
def _chin_parts(p, x):
    tA = np.exp(np.log(p.A) - p.alpha * np.log(x.N))
    tB = np.exp(np.log(p.B) - p.beta * np.log(x.D))
    return tA, tB, p.E + tA + tB


def _chin_log(p, x):
    return np.log(_chin_parts(p, x)[2])


def _chin_grad(p, x):
    tA, tB, L = _chin_parts(p, x)
    inv = 1.0 / L
    wA, wB = tA * inv, tB * inv
    return [inv, wA / p.A, wB / p.B, -wA * np.log(x.N), -wB * np.log(x.D)]


def chinchilla_optimum(values, C):
    """Compute-optimal ``(N, D)`` for ``L = E + A/N^alpha + B/D^beta`` under ``C = 6ND``.

    ``G = (alpha A / (beta B))^(1/(alpha+beta))``, ``N_opt = G (C/6)^(beta/(alpha+beta))``,
    ``D_opt = (C/6)^(alpha/(alpha+beta)) / G`` (Hoffmann et al. 2022, Eq. 4).
    """
    A, B, alpha, beta = (np.asarray(values[k], float) for k in ("A", "B", "alpha", "beta"))
    s = alpha + beta
    lnG = (np.log(alpha * A) - np.log(beta * B)) / s
    lc = np.log(np.asarray(C, float) / 6.0)
    return np.exp(lnG + beta / s * lc), np.exp(alpha / s * lc - lnG)


register_law(
    Law(
        name="chinchilla",
        title="Chinchilla (Hoffmann et al. 2022, Approach 3)",
        inputs=("N", "D"),
        parameters=(
            Parameter("E", "irreducible loss (nats/token)", 0.0, _INF, _E_GRID, log=True),
            Parameter("A", "parameter-term coefficient", 0.0, _INF, _LOGCOEF_GRID, log=True),
            Parameter("B", "data-term coefficient", 0.0, _INF, _LOGCOEF_GRID, log=True),
            Parameter("alpha", "exponent of parameters N", 0.0, 10.0, _EXP_GRID),
            Parameter("beta", "exponent of tokens D", 0.0, 10.0, _EXP_GRID),
        ),
        log_formula=_chin_log,
        log_gradient=_chin_grad,
        compute_optimal=chinchilla_optimum,
        equation="L(N, D) = E + A / N^alpha + B / D^beta",
        reference="Hoffmann et al. 2022, 'Training Compute-Optimal Large Language Models' (Eq. 2); "
        "fitting setup of Besiroglu et al. 2024, 'Chinchilla Scaling: A replication attempt'",
    )
)


# --------------------------------------------------------------------------
# Data-constrained scaling (Muennighoff et al. 2023)
def _effective(unique, repeats, r_star):
    """``U + U R* (1 - exp(-R / R*))``: repeated units decay in value with half-life set by R*."""
    return unique + unique * r_star * (-np.expm1(-repeats / r_star))


def data_constrained_effective(p, N, D, U):
    """Effective parameters ``N'`` and tokens ``D'`` of Muennighoff et al. (2023), Eq. 5-6."""
    U_D = np.minimum(U, D)
    R_D = D / U_D - 1.0
    D_eff = _effective(U_D, R_D, p.R_D)
    G = (p.alpha * p.A / (p.beta * p.B)) ** (1.0 / (p.alpha + p.beta))
    N_opt_for_U = G * (G * U_D) ** (p.beta / p.alpha)  # compute-optimal N for U_D tokens; = G^2 U_D when alpha = beta
    U_N = np.minimum(N_opt_for_U, N)
    R_N = np.maximum(N / U_N - 1.0, 0.0)
    N_eff = _effective(U_N, R_N, p.R_N)
    return N_eff, D_eff


def _dc_formula(p, x):
    # written out (not exp of the log formula): the planner's numeric optimum of this law sits on a very
    # flat valley when data are scarce, and the direct sum keeps its argmin stable to rounding
    N_eff, D_eff = data_constrained_effective(p, x.N, x.D, x.U)
    return p.E + p.A / N_eff**p.alpha + p.B / D_eff**p.beta


def _dc_log(p, x):
    N_eff, D_eff = data_constrained_effective(p, x.N, x.D, x.U)
    out, _ = _lse(np.log(p.E), np.log(p.A) - p.alpha * np.log(N_eff), np.log(p.B) - p.beta * np.log(D_eff), weights=False)
    return out


def _dc_grad(p, x):
    """d log L / d (E, A, B, alpha, beta, R*_D, R*_N), with the dependence of U_N = N_opt(U_D) on A, B, alpha, beta."""
    U_D = np.minimum(x.U, x.D)
    R_D = x.D / U_D - 1.0
    e_D = np.exp(-R_D / p.R_D)
    D_eff = U_D * (1.0 + p.R_D * (1.0 - e_D))
    # log N_opt(U_D) = [log(alpha A / (beta B)) + beta log U_D] / alpha  (Muennighoff Eq. 7 with G of Hoffmann)
    log_U = np.log(U_D)
    log_nopt = (np.log(p.alpha * p.A / (p.beta * p.B)) + p.beta * log_U) / p.alpha
    capped = log_nopt < np.log(x.N)  # excess parameters: U_N = N_opt(U_D) < N
    U_N = np.where(capped, np.exp(np.minimum(log_nopt, np.log(x.N))), x.N)
    R_N = np.maximum(x.N / U_N - 1.0, 0.0)
    e_N = np.exp(-R_N / p.R_N)
    N_eff = U_N * (1.0 + p.R_N * (1.0 - e_N))
    log_N, log_D = np.log(N_eff), np.log(D_eff)
    tA = np.exp(np.log(p.A) - p.alpha * log_N)
    tB = np.exp(np.log(p.B) - p.beta * log_D)
    inv = 1.0 / (p.E + tA + tB)
    wA, wB = tA * inv, tB * inv
    # d log N' / d log U_N on the capped branch, and d log N' / d R*_N, d log D' / d R*_D
    dlogN_dlogU = np.where(capped, U_N * (1.0 + p.R_N * (1.0 - e_N) - e_N * x.N / U_N) / N_eff, 0.0)
    dlogN_dRN = U_N * ((1.0 - e_N) - (R_N / p.R_N) * e_N) / N_eff
    dlogD_dRD = U_D * ((1.0 - e_D) - (R_D / p.R_D) * e_D) / D_eff
    through_nopt = -p.alpha * wA * dlogN_dlogU  # d log L / d log N_opt(U)
    return [
        inv,
        wA / p.A + through_nopt / (p.alpha * p.A),
        wB / p.B - through_nopt / (p.alpha * p.B),
        -wA * log_N + through_nopt * (1.0 / p.alpha**2 - log_nopt / p.alpha),
        -wB * log_D + through_nopt * (log_U - 1.0 / p.beta) / p.alpha,
        -p.beta * wB * dlogD_dRD,
        -p.alpha * wA * dlogN_dRN,
    ]


register_law(
    Law(
        name="data_constrained",
        title="Data-constrained scaling (Muennighoff et al. 2023)",
        inputs=("N", "D", "U"),
        parameters=(
            Parameter("E", "irreducible loss (nats/token)", 0.0, _INF, (0.0, 0.5), log=True),
            Parameter("A", "parameter-term coefficient", 0.0, _INF, (5.0, 10.0), log=True),
            Parameter("B", "data-term coefficient", 0.0, _INF, (5.0, 10.0), log=True),
            Parameter("alpha", "exponent of effective parameters", 0.01, 2.0, (0.3, 0.5)),
            Parameter("beta", "exponent of effective tokens", 0.01, 2.0, (0.3, 0.5)),
            Parameter("R_D", "R*_D: repetitions of data after which its value has decayed by 1/e", 0.01, 1e4, (1.0, 2.7, 5.0), log=True),
            Parameter("R_N", "R*_N: same for excess parameters", 0.01, 1e4, (1.0, 2.0), log=True),
        ),
        formula=_dc_formula,
        log_formula=_dc_log,
        log_gradient=_dc_grad,
        equation="L = E + A / N'^alpha + B / D'^beta,  D' = U_D + U_D R*_D (1 - exp(-R_D / R*_D)),  "
        "N' = U_N + U_N R*_N (1 - exp(-R_N / R*_N))",
        reference="Muennighoff et al. 2023, 'Scaling Data-Constrained Language Models' (Eq. 5-7)",
        notes="U is the number of unique tokens; R_D = D/U - 1 repetitions. U_N = min(N_opt(U), N).",
    )
)


# --------------------------------------------------------------------------
# Over-training (Gadre et al. 2024)
def _ot_terms(p, x):
    C = 6.0 * x.N * x.D
    M = x.D / x.N
    lC, lM = np.log(C), np.log(M)
    return np.log(p.E), np.log(p.a) + p.eta * lM - p.eta * lC, np.log(p.b) - p.eta * lM - p.eta * lC, lC, lM


def _ot_log(p, x):
    tE, ta, tb, _, _ = _ot_terms(p, x)
    out, _ = _lse(tE, ta, tb, weights=False)
    return out


def _ot_grad(p, x):
    tE, ta, tb, lC, lM = _ot_terms(p, x)
    _, (wE, wa, wb) = _lse(tE, ta, tb)
    return [wE / p.E, wa / p.a, wb / p.b, wa * (lM - lC) + wb * (-lM - lC)]


def overtraining_optimum(values, C):
    """Compute-optimal ``(N, D)`` for the over-training law under ``C = 6ND``.

    ``L = E + (a M^eta + b M^-eta) C^-eta`` is smallest at ``a M^(2 eta) = b`` (Gadre et al. 2024):
    a constant ``M = D/N = (b/a)^(1/(2 eta))``, so ``N = sqrt(C / (6M))``.
    """
    lnM = (np.log(values["b"]) - np.log(values["a"])) / (2.0 * np.asarray(values["eta"], float))
    lnN = 0.5 * (np.log(np.asarray(C, float) / 6.0) - lnM)
    return np.exp(lnN), np.exp(lnN + lnM)


register_law(
    Law(
        name="overtraining",
        title="Over-training law (Gadre et al. 2024)",
        inputs=("N", "D"),
        parameters=(
            Parameter("E", "irreducible loss (nats/token)", 0.0, _INF, _E_GRID, log=True),
            Parameter("a", "coefficient of the over-training term", 0.0, _INF, (0.0, 5.0, 10.0, 15.0, 20.0), log=True),
            Parameter("b", "coefficient of the under-training term", 0.0, _INF, (0.0, 5.0, 10.0, 15.0, 20.0), log=True),
            Parameter("eta", "compute exponent", 0.0, 2.0, (0.05, 0.1, 0.2, 0.3, 0.5)),
        ),
        log_formula=_ot_log,
        log_gradient=_ot_grad,
        compute_optimal=overtraining_optimum,
        equation="L(C, M) = E + (a M^eta + b M^-eta) C^-eta,  C = 6ND, M = D/N",
        reference="Gadre et al. 2024, 'Language models scale reliably with over-training and on downstream tasks' (Eq. 4)",
    )
)


def _err_formula(p, x):
    return p.eps - p.k * np.exp(-p.gamma * x.loss)


register_law(
    Law(
        name="downstream_error",
        title="Loss-to-downstream-error law (Gadre et al. 2024)",
        inputs=("loss",),
        target="error",
        parameters=(
            Parameter("eps", "error as loss grows without bound (the random-chance error)", 0.0, 1.5, (0.6, 0.75, 0.9)),
            Parameter("k", "scale of the improvement", 0.0, _INF, (0.0, 1.0, 2.0, 4.0, 6.0), log=True),
            Parameter("gamma", "rate at which error falls with loss (per nat)", 0.0, 20.0, (0.5, 1.0, 2.0, 4.0)),
        ),
        formula=_err_formula,
        equation="Err(L) = eps - k exp(-gamma L)",
        reference="Gadre et al. 2024, 'Language models scale reliably with over-training and on downstream tasks' (Eq. 5)",
    )
)


# --------------------------------------------------------------------------
# Broken neural scaling law with one break (Caballero et al. 2022)
def _bnsl_starts(x, y):
    """Starts from the data: the limit ``a`` below the smallest value, the break ``d1`` at quartiles of
    the input, the coefficient ``b`` on the scale of the data's range."""
    ymin = float(np.min(y))
    xs = np.log(next(iter(x.values())))
    return {
        "a": (0.0, 0.5 * ymin, 0.9 * ymin),
        "d1": tuple(float(np.quantile(xs, q)) for q in (0.25, 0.5, 0.75)),
        "b": tuple(float(np.log(max(float(np.ptp(y)), 1e-12) * s)) for s in (1.0, 1e3)) + (5.0, 10.0),
    }


def _bnsl(xname):
    def log_formula(p, x):
        lx = np.log(getattr(x, xname))
        # ln(1 + (x/d)^(1/f)) computed stably as logaddexp(0, (ln x - ln d)/f)
        soft = np.logaddexp(0.0, (lx - np.log(p.d1)) / p.f1)
        with np.errstate(divide="ignore"):
            la = np.log(p.a)
        out, _ = _lse(la, np.log(p.b) - p.c0 * lx - p.c1 * p.f1 * soft, weights=False)
        return out

    def log_gradient(p, x):
        lx = np.log(getattr(x, xname))
        z = (lx - np.log(p.d1)) / p.f1
        soft = np.logaddexp(0.0, z)
        sig = 0.5 * (1.0 + np.tanh(0.5 * z))  # logistic(z), stable for large |z|
        with np.errstate(divide="ignore"):
            la = np.log(p.a)
        _, (_, wb) = _lse(la, np.log(p.b) - p.c0 * lx - p.c1 * p.f1 * soft)
        inv = np.exp(-_lse(la, np.log(p.b) - p.c0 * lx - p.c1 * p.f1 * soft, weights=False)[0])
        return [inv, wb / p.b, -wb * lx, -wb * p.f1 * soft, wb * p.c1 * sig / p.d1, -wb * p.c1 * (soft - sig * z)]

    return Law(
        name=f"broken_power_law_{xname}",
        title=f"Broken neural scaling law in {xname}, one break (Caballero et al. 2022)",
        inputs=(xname,),
        parameters=(
            Parameter("a", "limit as the scale grows (irreducible value)", 0.0, _INF, (0.0, 0.5), log=False),
            Parameter("b", "coefficient", 0.0, _INF, (0.0, 5.0, 10.0), log=True),
            Parameter("c0", "slope before the break (negative: inverse scaling)", -5.0, 5.0, (0.0, 0.3)),
            Parameter("c1", "change of slope at the break", -5.0, 5.0, (-0.5, 0.0, 0.5)),
            Parameter("d1", f"{xname} at the break", 0.0, _INF, (0.0,), log=True),
            Parameter("f1", "sharpness of the break (smaller is sharper)", 1e-3, 1e2, (-1.0, 0.0), log=True),
        ),
        log_formula=log_formula,
        log_gradient=log_gradient,
        equation=f"y = a + b {xname}^-c0 (1 + ({xname}/d1)^(1/f1))^(-c1 f1)",
        reference="Caballero et al. 2022, 'Broken Neural Scaling Laws' (Eq. 1, n = 1)",
        start_values=_bnsl_starts,
    )


for _x in ("N", "D", "C"):
    register_law(_bnsl(_x))


# --------------------------------------------------------------------------
# Task scaling law of PassUntil (Hu et al. 2023)
def _task_law_log(p, x):
    return -np.exp(np.log(p.c) - p.alpha * np.log(x.N))


register_law(
    Law(
        name="task_law_N",
        title="Task scaling law of pass rates (Hu et al. 2023, PassUntil)",
        inputs=("N",),
        target="pass_rate",
        parameters=(
            Parameter("c", "scale of the task's difficulty", 0.0, _INF, (0.0, 5.0, 10.0, 20.0), log=True),
            Parameter("alpha", "exponent of model size", 0.0, 5.0, (0.1, 0.3, 0.6, 1.0)),
        ),
        log_formula=_task_law_log,
        equation="PU(N) = exp(-c N^-alpha)",
        reference="Hu et al. 2023, 'Predicting Emergent Abilities with Infinite Resolution Evaluation' (PassUntil; Eq. 3)",
        notes="log(-log PU) = log c - alpha log N is linear in log N; fit it with workbench.metrics.fit_task_law (statsmodels).",
    )
)


# --------------------------------------------------------------------------
# Coverage of repeated sampling (Brown et al. 2024): log c(k) = a k^b, a, b < 0.
# Fitted as -ln c(k) = -a k^b so that the engine's log residuals are those of the
# straight line ln(-ln c) = ln(-a) + b ln k (see workbench.testtime.coverage).
def _cov_log(p, x):
    return np.log(-p.a) + p.b * np.log(x.k)


def _cov_grad(p, x):
    return [1.0 / p.a + 0.0 * x.k, np.log(x.k) + 0.0 * p.b]


register_law(
    Law(
        name="coverage_power_law",
        title="Coverage of repeated sampling (Brown et al. 2024)",
        inputs=("k",),
        target="neg_log_coverage",
        parameters=(
            Parameter("a", "log coverage at one sample, ln c(1) (< 0)", -_INF, -1e-12, (-0.05, -0.3, -1.0, -3.0, -10.0)),
            Parameter("b", "exponent of k (< 0: coverage rises towards 1)", -5.0, 0.0, (-0.1, -0.3, -0.6, -1.0)),
        ),
        log_formula=_cov_log,
        log_gradient=_cov_grad,
        equation="log c(k) = a k^b, fitted as -ln c(k) = -a k^b",
        reference="Brown et al. 2024, 'Large Language Monkeys: Scaling Inference Compute with Repeated Sampling' (exponentiated power law of coverage)",
        notes="Input k: samples per problem; target neg_log_coverage = -ln(coverage). "
        "Residuals ln(-ln c_obs) - ln(-ln c_fit): relative errors of the miss rate where coverage is high.",
    )
)


# --------------------------------------------------------------------------
# Training dynamics and hyperparameters: learning-rate annealing, Step Law, critical batch size
def _anneal_parts(p, x):
    tA = np.exp(np.log(p.A) - p.alpha * np.log(x.S1))
    return tA, p.L0 + tA - p.C * x.S2


def _anneal_formula(p, x):
    return p.L0 + p.A * x.S1 ** (-p.alpha) - p.C * x.S2


def _anneal_log(p, x):
    return np.log(_anneal_parts(p, x)[1])


def _anneal_grad(p, x):
    tA, L = _anneal_parts(p, x)
    inv = 1.0 / L
    return [inv, tA * inv / p.A, -tA * np.log(x.S1) * inv, -x.S2 * inv]


register_law(
    Law(
        name="lr_annealing",
        title="Loss curve under learning-rate annealing (Tissue et al. 2024)",
        inputs=("S1", "S2"),
        parameters=(
            Parameter("L0", "loss the forward term tends to (nats/token)", 0.0, _INF, (-1.0, 0.0, 0.5, 1.0), log=True),
            Parameter("A", "coefficient of the forward-area power law", 0.0, _INF, (-3.0, -1.0, 1.0), log=True),
            Parameter("alpha", "exponent of the forward area S1", 0.0, 5.0, (0.1, 0.5, 1.0)),
            Parameter("C", "loss drop per unit of annealing area S2", 0.0, _INF, (-3.0, 0.0, 3.0), log=True),
        ),
        formula=_anneal_formula,
        log_formula=_anneal_log,
        log_gradient=_anneal_grad,
        equation="L(s) = L0 + A S1^-alpha - C S2,  S1 = sum_{i<=s} lr_i,  S2 = sum_{i<=s} m_i,  "
        "m_i = lambda m_{i-1} + (lr_{i-1} - lr_i)",
        reference="Tissue, Wang & Wang 2024, 'Scaling Law with Learning Rate Annealing', arXiv:2408.11029",
        notes="S1 and S2 are per-step columns computed from the schedule: "
        "workbench.dynamics.add_annealing_areas(curves, decay=0.999). S2 may be 0 (before any annealing).",
        extra={"nonnegative_inputs": ("S2",)},
    )
)


def _step_lr_log(p, x):
    return np.log(p.c) - p.a * np.log(x.N) + p.b * np.log(x.D)


def _step_lr_grad(p, x):
    return [1.0 / p.c, -np.log(x.N), np.log(x.D)]


register_law(
    Law(
        name="step_law_lr",
        title="Step Law: optimal peak learning rate (Li et al. 2025)",
        inputs=("N", "D"),
        target="lr",
        parameters=(
            Parameter("c", "coefficient", 0.0, _INF, (-2.0, 0.0, 2.0), log=True),
            Parameter("a", "exponent of (non-embedding) parameters N, with a minus sign", -2.0, 2.0, (0.3, 0.7)),
            Parameter("b", "exponent of training tokens D", -2.0, 2.0, (0.0, 0.3)),
        ),
        log_formula=_step_lr_log,
        log_gradient=_step_lr_grad,
        equation="lr_opt(N, D) = c N^-a D^b",
        reference="Li et al. 2025, 'Predictable Scale: Part I -- Optimal Hyperparameter Scaling Law in Large "
        "Language Model Pretraining' (Step Law), arXiv:2503.04715",
        notes="Published: c = 1.79, a = 0.713, b = 0.307 (N non-embedding parameters, D tokens, AdamW).",
    )
)


def _step_batch_log(p, x):
    return np.log(p.d) + p.e * np.log(x.D)


def _step_batch_grad(p, x):
    return [1.0 / p.d, np.log(x.D)]


register_law(
    Law(
        name="step_law_batch",
        title="Step Law: optimal batch size in tokens (Li et al. 2025)",
        inputs=("D",),
        target="batch",
        parameters=(
            Parameter("d", "coefficient (tokens)", 0.0, _INF, (-2.0, 0.0, 2.0), log=True),
            Parameter("e", "exponent of training tokens D", -2.0, 2.0, (0.3, 0.6)),
        ),
        log_formula=_step_batch_log,
        log_gradient=_step_batch_grad,
        equation="B_opt(D) = d D^e   (B in tokens)",
        reference="Li et al. 2025, 'Predictable Scale: Part I' (Step Law), arXiv:2503.04715",
        notes="Published: d = 0.58, e = 0.571; B and D in tokens.",
    )
)


def _crit_log(p, x):
    return np.log(p.B_star) - np.log(x.loss) / p.alpha_B


def _crit_grad(p, x):
    return [1.0 / p.B_star, np.log(x.loss) / p.alpha_B**2]


register_law(
    Law(
        name="critical_batch",
        title="Critical batch size vs loss (Kaplan et al. 2020)",
        inputs=("loss",),
        target="batch",
        parameters=(
            Parameter("B_star", "batch size (tokens) at a loss of 1 nat/token", 0.0, _INF, (10.0, 15.0, 20.0), log=True),
            Parameter("alpha_B", "exponent: B_crit grows as loss^(-1/alpha_B)", 1e-3, 5.0, (0.1, 0.2, 0.5)),
        ),
        log_formula=_crit_log,
        log_gradient=_crit_grad,
        equation="B_crit(L) = B* / L^(1/alpha_B)   (tokens; L in nats/token)",
        reference="Kaplan et al. 2020, 'Scaling Laws for Neural Language Models' (Eq. 1.4, Section 5.1)",
        notes="Published: B* ~ 2e8 tokens, alpha_B ~ 0.21.",
    )
)


# Laws whose inputs go beyond N, D and C, and alternatives to Chinchilla (registered on import).
from . import extended as _extended  # noqa: E402,F401

#: The laws the catalogue declares (a user's register_law adds to LAWS, not here): every process that
#: imports the workbench has these, so they travel between processes by name.
BUILTIN_LAWS: dict[str, Law] = dict(LAWS)
