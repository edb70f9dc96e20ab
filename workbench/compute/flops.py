"""FLOPs accounting: the ``6 N D`` rule and a detailed count for a decoder-only transformer.

Training a dense transformer costs about ``6 N D`` FLOPs: ``2 N`` per token for the
forward pass (a multiply and an add per parameter) and twice that for the backward
pass (Kaplan et al. 2020, Section 2.1). The rule leaves out the attention over the
context (which grows with the context length, not the parameters) and counts the
embedding parameters as if they were a matrix product. The detailed count of
Hoffmann et al. (2022, Appendix F) includes every term, per sequence of ``S`` tokens
for one forward pass:

* embeddings: ``2 S V d``
* per layer, attention: ``2 * 3 S d (h k)`` (K, Q, V projections) + ``2 S^2 (h k)``
  (logits) + ``3 h S^2`` (softmax) + ``2 S^2 (h k)`` (weighted values) + ``2 S (h k) d``
  (output projection)
* per layer, feed-forward: ``2 S (d f + f d)``
* final logits: ``2 S d V``

with ``V`` the vocabulary, ``d`` the model width, ``h`` heads of size ``k``, ``f`` the
feed-forward width; the backward pass costs twice the forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ArgumentError

__all__ = ["training_flops", "inference_flops", "TransformerShape", "transformer_flops", "flops_comparison", "KNOWN_SHAPES"]


def training_flops(N, D):
    """Training compute ``C = 6 N D`` FLOPs for ``N`` parameters and ``D`` tokens (Kaplan et al. 2020)."""
    return 6.0 * np.asarray(N, float) * np.asarray(D, float)


def inference_flops(N, tokens):
    """Forward-pass FLOPs ``2 N`` per token, for ``tokens`` tokens read or generated."""
    return 2.0 * np.asarray(N, float) * np.asarray(tokens, float)


@dataclass(frozen=True)
class TransformerShape:
    """A decoder-only transformer's shape.

    Attributes
    ----------
    n_layers, d_model, n_heads : int
    vocab_size : int
    context : int
        Sequence length ``S`` in training.
    ffw_size : int, optional
        Feed-forward width (default ``4 d_model``).
    key_size : int, optional
        Size of each head (default ``d_model / n_heads``).
    tied_embeddings : bool
        Input embedding and output projection share one matrix.
    """

    n_layers: int
    d_model: int
    n_heads: int
    vocab_size: int = 32000
    context: int = 2048
    ffw_size: int | None = None
    key_size: int | None = None
    tied_embeddings: bool = True
    name: str = ""

    def __post_init__(self):
        for f in ("n_layers", "d_model", "n_heads", "vocab_size", "context"):
            if not getattr(self, f) >= 1:
                raise ArgumentError(f"TransformerShape.{f} must be a positive integer, got {getattr(self, f)}.")

    @property
    def f(self) -> int:
        return self.ffw_size if self.ffw_size is not None else 4 * self.d_model

    @property
    def k(self) -> int:
        return self.key_size if self.key_size is not None else self.d_model // self.n_heads

    @property
    def non_embedding_parameters(self) -> int:
        """``n_layers (4 d h k + 2 d f)``: attention projections and feed-forward (biases and norms, <0.1%, left out)."""
        d, hk = self.d_model, self.n_heads * self.k
        return self.n_layers * (4 * d * hk + 2 * d * self.f)

    @property
    def embedding_parameters(self) -> int:
        return self.vocab_size * self.d_model * (1 if self.tied_embeddings else 2)

    @property
    def parameters(self) -> int:
        return self.non_embedding_parameters + self.embedding_parameters

    def forward_flops_per_token(self) -> dict:
        """Forward FLOPs per token by component (Hoffmann et al. 2022, Appendix F)."""
        S, V, d, h, f = self.context, self.vocab_size, self.d_model, self.n_heads, self.f
        hk = h * self.k
        per_seq = {
            "embeddings": 2 * S * V * d,
            "attention projections": self.n_layers * (2 * 3 * S * d * hk + 2 * S * hk * d),
            "attention over the context": self.n_layers * (2 * S * S * hk + 3 * h * S * S + 2 * S * S * hk),
            "feed-forward": self.n_layers * 2 * S * (d * f + f * d),
            "output logits": 2 * S * d * V,
        }
        return {k: v / S for k, v in per_seq.items()}


def transformer_flops(shape: TransformerShape, tokens, backward_factor: float = 2.0) -> dict:
    """Training FLOPs of ``shape`` over ``tokens`` tokens, by component: forward + ``backward_factor`` x forward.

    Returns a dict of component -> FLOPs and ``"total"``.
    """
    D = np.asarray(tokens, float)
    per_token = shape.forward_flops_per_token()
    out = {k: (1.0 + backward_factor) * v * D for k, v in per_token.items()}
    out["total"] = sum(out.values())
    return out


#: Published shapes (Hoffmann et al. 2022, Table A9 / Table 4; Rae et al. 2021 for Gopher).
KNOWN_SHAPES = {
    "chinchilla-70b": TransformerShape(80, 8192, 64, 32000, 2048, 32768, 128, name="Chinchilla 70B"),
    "gopher-280b": TransformerShape(80, 16384, 128, 32000, 2048, 65536, 128, name="Gopher 280B"),
    "gpt3-175b": TransformerShape(96, 12288, 96, 50257, 2048, 49152, 128, name="GPT-3 175B"),
    "small-125m": TransformerShape(12, 768, 12, 50257, 2048, name="125M (GPT-3 Small shape)"),
    "tiny-10m": TransformerShape(6, 256, 4, 50257, 512, name="10M-class toy"),
}


def flops_comparison(shapes=None, tokens=None, tokens_per_parameter: float = 20.0) -> pd.DataFrame:
    """How far ``6 N D`` is from the detailed count, for a few shapes.

    Columns: ``shape``, ``N`` (all parameters), ``N_non_embedding``, ``D``, ``flops_6ND``
    (with all parameters), ``flops_6ND_non_embedding``, ``flops_detailed`` (Hoffmann et al.
    2022, Appendix F), ``attention_share`` (context-attention share of the detailed count)
    and ``ratio_detailed_to_6ND``. ``tokens`` defaults to ``tokens_per_parameter x N``.
    """
    shapes = KNOWN_SHAPES if shapes is None else shapes
    if not isinstance(shapes, dict):
        shapes = {getattr(s, "name", str(i)) or str(i): s for i, s in enumerate(shapes)}
    rows = []
    for key, s in shapes.items():
        N = s.parameters
        D = float(tokens) if tokens is not None else tokens_per_parameter * N
        det = transformer_flops(s, D)
        rows.append(
            {
                "shape": s.name or key,
                "N": N,
                "N_non_embedding": s.non_embedding_parameters,
                "context": s.context,
                "D": D,
                "flops_6ND": 6.0 * N * D,
                "flops_6ND_non_embedding": 6.0 * s.non_embedding_parameters * D,
                "flops_detailed": det["total"],
                "attention_share": det["attention over the context"] / det["total"],
                "ratio_detailed_to_6ND": det["total"] / (6.0 * N * D),
            }
        )
    return pd.DataFrame(rows)
