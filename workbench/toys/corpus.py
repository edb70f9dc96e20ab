"""Corpora for the tiny language models that need no download.

:class:`MarkovSource`
    A random Markov chain of order ``k`` over a small vocabulary. Because we
    know its transition table, we know its **entropy rate** exactly: the
    irreducible loss ``E`` that no language model can beat, in nats per token,

    .. math:: H = -\\sum_{c} \\pi(c) \\sum_{v} P(v \\mid c) \\ln P(v \\mid c),

    where ``c`` runs over the ``V^k`` contexts (the last ``k`` tokens) and
    ``pi`` is the stationary distribution of the chain of contexts. It also
    knows the next-token distribution at every position of any sequence, so a
    held-out loss can be estimated with far less noise than by scoring sampled
    tokens (see :meth:`MarkovSource.next_token_probs`).

:class:`TextSource`
    Characters of a text that ships with Python (the help topics of
    ``pydoc_data``), for a taste of real-language scaling. Its entropy rate is
    unknown.

Both sample batches of token sequences as ``torch.long`` tensors of shape
``(sequences, length)``.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..errors import ArgumentError, WorkbenchError

__all__ = ["MarkovSource", "TextSource", "make_source"]


def _entropy(p: np.ndarray, axis=-1) -> np.ndarray:
    p = np.asarray(p, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(p > 0, -p * np.log(p), 0.0)
    return t.sum(axis=axis)


class MarkovSource:
    """A random order-``k`` Markov chain over ``V`` tokens with an exactly known entropy rate.

    Each context (the previous ``order`` tokens) gets a next-token distribution
    drawn from a symmetric Dirichlet distribution with the given
    ``concentration`` (small values give peaked, low-entropy rows). Sequences
    start from the stationary distribution of contexts, so every position is
    statistically alike.

    Parameters
    ----------
    vocab_size : int
        Number of distinct tokens ``V`` (2 to 256).
    order : int
        How many previous tokens the next one depends on (1 to 4; ``V**order``
        contexts, at most 65,536).
    concentration : float
        Dirichlet concentration of each row of the transition table.
    seed : int
        Seed of the transition table (the source itself; sampling takes its own seed).

    Attributes
    ----------
    transitions : ndarray, shape (V**order, V)
        ``P(next token | context)``; a context is the last ``order`` tokens read as a
        base-``V`` number, the oldest token the most significant digit (see :meth:`context_index`).
    stationary : ndarray, shape (V**order,)
        Stationary distribution of contexts.
    entropy_rate : float
        Irreducible loss in nats per token (exact, from the stationary distribution).
    unigram_entropy : float
        Entropy of the marginal token distribution (the loss of the best model
        that ignores context), nats per token.
    conditional_entropies : dict
        ``{j: H(X_t | previous j tokens)}`` for ``j = 0 .. order`` (``j = 0`` is the
        unigram entropy, ``j = order`` the entropy rate): the floors of models that
        see only the last ``j`` tokens.

    Examples
    --------
    >>> src = MarkovSource(vocab_size=16, order=2, concentration=0.3, seed=0)
    >>> src.unigram_entropy > src.conditional_entropies[1] > src.entropy_rate > 0
    True
    """

    kind = "markov"

    def __init__(self, vocab_size: int = 16, order: int = 2, concentration: float = 0.3, seed: int = 0,
                 backoff: float | None = None, zipf: float | None = None):
        if not (2 <= int(vocab_size) <= 256):
            raise ArgumentError(f"vocab_size must be between 2 and 256, got {vocab_size}.")
        if not (1 <= int(order) <= 4) or int(vocab_size) ** int(order) > 65536:
            raise ArgumentError(
                f"order must be 1..4 with vocab_size**order <= 65536 contexts, got order={order}, vocab_size={vocab_size}."
            )
        if not (concentration > 0 and math.isfinite(concentration)):
            raise ArgumentError(f"concentration must be a positive number, got {concentration}.")
        self.vocab_size = V = int(vocab_size)
        self.order = k = int(order)
        self.concentration = float(concentration)
        self.seed = int(seed)
        if backoff is not None and not (backoff > 0 and math.isfinite(backoff)):
            raise ArgumentError(f"backoff must be a positive number (or None), got {backoff}.")
        self.backoff = None if backoff is None else float(backoff)
        if zipf is not None and not (zipf >= 0 and math.isfinite(zipf)):
            raise ArgumentError(f"zipf must be a non-negative exponent (or None), got {zipf}.")
        self.zipf = None if zipf is None else float(zipf)
        rng = np.random.default_rng(self.seed)
        base = np.ones(V) if zipf is None else np.arange(1, V + 1, dtype=float) ** -float(zipf)
        base = self.concentration * V * base / base.sum()  # Dirichlet parameters of a row
        if backoff is None:
            P = rng.dirichlet(base, size=V**k)
        else:
            # hierarchical: rows given j previous tokens scatter around the row of the last j-1 tokens
            P = rng.dirichlet(base, size=V)  # order 1
            for j in range(2, k + 1):
                parent = np.tile(P, (V, 1))  # context c (j tokens) -> its last j-1 tokens are c mod V**(j-1)
                P = np.stack([rng.dirichlet(np.maximum(float(backoff) * row, 1e-3)) for row in parent])
        # Dirichlet rows with tiny concentration can hold exact zeros; keep every transition possible
        # (an unreachable context would make the stationary distribution ambiguous).
        P = np.maximum(P, 1e-12)
        self.transitions = P / P.sum(axis=1, keepdims=True)
        self.stationary = self._stationary()
        self.entropy_rate = float(self.stationary @ _entropy(self.transitions))
        self.conditional_entropies = self._conditional_entropies()
        self.unigram_entropy = self.conditional_entropies[0]

    # ---------------------------------------------------------------- exact quantities
    def _next_context(self) -> np.ndarray:
        """``next[c, v]``: the context after token ``v`` follows context ``c``."""
        V, k = self.vocab_size, self.order
        c = np.arange(V**k)[:, None]
        return (c * V) % (V**k) + np.arange(V)[None, :]

    def _stationary(self) -> np.ndarray:
        V, k = self.vocab_size, self.order
        n = V**k
        nxt = self._next_context()
        from scipy import sparse
        from scipy.sparse.linalg import eigs

        rows = np.repeat(np.arange(n), V)
        T = sparse.csr_matrix((self.transitions.ravel(), (rows, nxt.ravel())), shape=(n, n))
        # power iteration from uniform: the chain is irreducible and aperiodic (every transition > 0)
        pi = np.full(n, 1.0 / n)
        for _ in range(100000):
            new = T.T @ pi
            new /= new.sum()
            if np.abs(new - pi).sum() < 1e-15:
                pi = new
                break
            pi = new
        else:  # pragma: no cover - slow mixing; fall back to an eigen-solver
            vals, vecs = eigs(T.T, k=1, which="LM")
            pi = np.abs(np.real(vecs[:, 0]))
            pi /= pi.sum()
        return pi

    def _conditional_entropies(self) -> dict[int, float]:
        """``H(X_t | X_{t-j..t-1})`` for ``j = 0..order`` under the stationary distribution."""
        V, k = self.vocab_size, self.order
        # joint of (context, next) = pi(c) P(v|c); the context's last j tokens are c mod V**j
        joint = self.stationary[:, None] * self.transitions  # (V**k, V)
        out = {}
        for j in range(k + 1):
            groups = np.arange(V**k) % (V**j)
            marg = np.zeros((V**j, V))
            np.add.at(marg, groups, joint)
            pc = marg.sum(axis=1, keepdims=True)
            cond = np.divide(marg, pc, out=np.zeros_like(marg), where=pc > 0)
            out[j] = float((pc[:, 0] * _entropy(cond)).sum())
        return out

    @property
    def token_distribution(self) -> np.ndarray:
        """Marginal (unigram) distribution of tokens under the stationary chain."""
        return (self.stationary[:, None] * self.transitions).sum(axis=0)

    def describe(self) -> str:
        ce = ", ".join(f"H{j} = {h:.4f}" for j, h in self.conditional_entropies.items())
        return (
            f"Markov source: {self.vocab_size} tokens, order {self.order}, Dirichlet concentration "
            f"{self.concentration:g}, seed {self.seed}. Entropy rate {self.entropy_rate:.4f} nats/token "
            f"(unigram entropy {self.unigram_entropy:.4f}; conditional entropies given j previous tokens: {ce})."
        )

    def __repr__(self) -> str:
        return (f"MarkovSource(vocab_size={self.vocab_size}, order={self.order}, concentration={self.concentration:g}, "
                f"seed={self.seed}, backoff={self.backoff}; entropy_rate={self.entropy_rate:.4f} nats/token)")

    def config(self) -> dict:
        """The arguments that rebuild this source with :func:`make_source` (used in sweep cache keys)."""
        return {"kind": "markov", "vocab_size": self.vocab_size, "order": self.order,
                "concentration": self.concentration, "seed": self.seed, "backoff": self.backoff,
                "zipf": self.zipf}

    # --------------------------------------------------------------------- sampling
    @functools.lru_cache(maxsize=4)
    def _tables(self, dev):
        import torch

        cdf = torch.tensor(np.cumsum(self.transitions, axis=1), dtype=torch.float64, device=dev)
        cdf[:, -1] = 1.0 + 1e-9
        stat_cdf = torch.tensor(np.cumsum(self.stationary), dtype=torch.float64, device=dev)
        stat_cdf[-1] = 1.0 + 1e-9
        probs = torch.tensor(self.transitions, dtype=torch.float32, device=dev)
        return cdf, stat_cdf, probs

    def sample(self, sequences: int, length: int, generator, device=None):
        """Sample ``sequences`` independent sequences of ``length`` tokens, each started in the stationary state.

        Returns a ``torch.long`` tensor ``(sequences, length)`` on ``device``
        (default: the generator's device).
        """
        import torch

        dev = generator.device if device is None else torch.device(device)
        V, k = self.vocab_size, self.order
        cdf, stat_cdf, _ = self._tables(dev)
        n = int(sequences)
        ctx = torch.searchsorted(stat_cdf, torch.rand(n, generator=generator, device=dev, dtype=torch.float64))
        ctx = ctx.clamp_max(V**k - 1)
        out = torch.empty(n, length, dtype=torch.long, device=dev)
        # the first k tokens are the digits of the starting context, most significant (oldest) first
        first = []
        c = ctx.clone()
        for _ in range(k):
            first.append(c % V)
            c = c // V
        first = first[::-1]
        m = min(k, length)
        for t in range(m):
            out[:, t] = first[t]
        u = torch.rand(max(length - k, 0), n, 1, generator=generator, device=dev, dtype=torch.float64)
        mod = V ** (k - 1)
        for t in range(k, length):
            tok = torch.searchsorted(cdf[ctx], u[t - k]).squeeze(1).clamp_max(V - 1)
            out[:, t] = tok
            ctx = (ctx % mod) * V + tok if k > 1 else tok
        return out

    def context_index(self, tokens):
        """Context index of each position ``t >= order - 1``: the tokens ``t-order+1 .. t`` as a base-``V`` number.

        Returns ``(sequences, length - order + 1)``.
        """
        V, k = self.vocab_size, self.order
        L = tokens.shape[1]
        idx = tokens[:, : L - k + 1].clone() if k > 1 else tokens.clone()
        for j in range(1, k):
            idx = idx * V + tokens[:, j : L - k + 1 + j]
        return idx

    def next_token_probs(self, tokens):
        """True distribution of the next token after each position ``t >= order - 1``.

        Returns ``(sequences, length - order + 1, V)`` float32: row ``i`` is
        ``P(x_{t+1} | x_{t-order+1..t})`` for ``t = order - 1 + i``. Scoring a model's
        predicted log-probabilities against these rows gives the expected
        cross-entropy over the next token (no sampling noise from the next token).
        """
        _, _, probs = self._tables(tokens.device)
        return probs[self.context_index(tokens)]


class TextSource:
    """Characters of the help texts that ship with Python (``pydoc_data.topics``).

    About 460,000 characters of English technical prose, mapped to printable
    ASCII (others become ``?``); the vocabulary is the characters that occur.
    90% is for training (sampled as random windows), the last 10% is held out.
    The entropy rate is unknown, so fits estimate ``E`` instead of checking it.
    """

    kind = "text"
    order = 0
    entropy_rate = float("nan")

    def __init__(self, seed: int = 0):
        try:
            from pydoc_data.topics import topics
        except ImportError as exc:  # pragma: no cover - every CPython ships it
            raise WorkbenchError("This Python has no pydoc_data help topics; use MarkovSource instead.") from exc
        text = "\n\n".join(topics[k] for k in sorted(topics))
        text = "".join(ch if (32 <= ord(ch) < 127 or ch == "\n") else "?" for ch in text)
        chars = sorted(set(text))
        self.chars = chars
        self.vocab_size = len(chars)
        lut = {ch: i for i, ch in enumerate(chars)}
        data = np.fromiter((lut[ch] for ch in text), dtype=np.int64, count=len(text))
        cut = int(0.9 * len(data))
        self.train_tokens, self.heldout_tokens = data[:cut], data[cut:]
        self.seed = int(seed)
        counts = np.bincount(data, minlength=self.vocab_size)
        self.unigram_entropy = float(_entropy(counts / counts.sum()))
        self.conditional_entropies = {0: self.unigram_entropy}

    def config(self) -> dict:
        return {"kind": "text", "seed": self.seed}

    def describe(self) -> str:
        return (f"Python help text: {len(self.train_tokens):,} training and {len(self.heldout_tokens):,} held-out "
                f"characters, {self.vocab_size} symbols, unigram entropy {self.unigram_entropy:.3f} nats/char; "
                "entropy rate unknown.")

    def __repr__(self) -> str:
        return f"TextSource({len(self.train_tokens) + len(self.heldout_tokens):,} characters, vocab {self.vocab_size})"

    def sample(self, sequences: int, length: int, generator, device=None, heldout: bool = False):
        """Random windows of ``length`` characters (training part, or the held-out part)."""
        import torch

        dev = generator.device if device is None else torch.device(device)
        data = self.heldout_tokens if heldout else self.train_tokens
        starts = torch.randint(0, len(data) - length, (int(sequences),), generator=generator, device=dev)
        base = torch.as_tensor(data, device=dev)
        return base[starts[:, None] + torch.arange(length, device=dev)[None, :]]

    def next_token_probs(self, tokens):  # noqa: D401 - unknown for real text
        return None


def make_source(kind: str = "markov", **options):
    """Build a source from its configuration, e.g. ``make_source("markov", vocab_size=16, order=2)``."""
    if kind == "markov":
        return MarkovSource(**options)
    if kind == "text":
        return TextSource(**options)
    raise ArgumentError(f"Unknown corpus kind {kind!r}: use 'markov' (known entropy rate) or 'text' (Python help text).")
