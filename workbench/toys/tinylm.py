"""Tiny GPT-style language models, many trained at once, with their whole loss curves.

The trainer fits decoder-only transformers (pre-LayerNorm, causal
self-attention, ReLU MLP, tied input/output embeddings, learned positions) to a
corpus that needs no download (:mod:`workbench.toys.corpus`): by default a
random order-1 Markov chain (:func:`default_source`) whose entropy rate, the
irreducible loss ``E``, is known exactly. Every run records the learning rate and the training loss at
every step and the held-out loss at regular steps, so whole curves (not only end
points) can be compared with laws.

Several models of the same shape train as one *stack*: every weight carries a
leading instance axis and the forward pass uses batched matrix products
(``torch.bmm`` / ``baddbmm``), so a stack of ``M`` models costs far less than
``M`` separate runs on a CPU (see ``benchmarks/bench_tinylm.py``). Instances
of a stack may differ in token budget, learning-rate schedule and seed; they see
the same batches of data (common random numbers: differences between them come
from what differs, not from sampling). An instance whose budget is spent is
dropped from the stack.

Sizes are counted as in Kaplan et al. (2020): ``N`` is the number of
**non-embedding** parameters, ``N = layers (12 d^2 + 13 d) + 2 d`` for width ``d``
(attention and MLP weights and biases, LayerNorms); ``N_total`` adds the token and
position embeddings (the output layer is tied to the token embedding).

Held-out loss (column ``loss``, nats/token) is measured on a fixed held-out set
of sequences. For the Markov source we know the true next-token distribution
``p_t`` at every held-out position, and the expected cross-entropy there is
``H(p_t) + KL(p_t || q_t)``; the column ``loss`` is ``E + mean_t KL(p_t || q_t)``
with ``E`` the exact entropy rate (the mean of ``H(p_t)`` over stationary
contexts): an unbiased estimate of the held-out loss with far less noise than
scoring sampled tokens, which is what ``loss_sampled`` does (the plain
cross-entropy of the held-out tokens, an independent check). Positions with
fewer than ``order`` previous tokens are not scored.

Main entry points: :func:`train_tinylm` (one stack), :func:`train_grid` (sizes x
token budgets through :func:`workbench.sweeps.run_sweep`, cached by configuration),
:func:`final_runs` (one row per run: the table Chinchilla is fitted to).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import quick
from ..dynamics.schedules import Schedule, preset
from ..errors import ArgumentError
from ..results import Result
from ..sweeps.progress import reporting
from .corpus import MarkovSource, TextSource, make_source
from .device import device as default_device
from .device import generator, num_threads, toy_threads

__all__ = [
    "model_size",
    "train_tinylm",
    "train_grid",
    "lr_sweep",
    "schedule_runs",
    "final_runs",
    "default_source",
    "default_grid",
    "default_peak_lr",
    "TinyLMGrid",
    "SWEEP_NAMESPACE",
]

#: Cache namespace of the sweeps; bump it when the trainer's numbers change.
SWEEP_NAMESPACE = "workbench.toys.tinylm/v2"
MLP_RATIO = 4
HEAD_DIM = 16


def default_source() -> MarkovSource:
    """The default corpus: a random Markov chain of order 1 over 48 tokens, Dirichlet concentration 0.1.

    Entropy rate (the irreducible loss E) 2.1110 nats/token; unigram entropy 3.7763 nats/token.
    Why this one: with sparse rows over 48 tokens, learning the table is a smooth
    capacity- and data-limited problem for widths 8 to 64, so the loss surface
    follows the Chinchilla form; order-2 sources make tiny models sit on a plateau
    at the order-1 entropy until attention kicks in (try ``MarkovSource(16, 2, 0.5, backoff=3)``).
    """
    return MarkovSource(vocab_size=48, order=1, concentration=0.1, seed=0)


def model_size(width: int, layers: int, vocab_size: int = 48, context: int = 16) -> dict:
    """Parameter counts of a tiny GPT: ``N`` (non-embedding) and ``N_total``.

    ``N = layers (12 d^2 + 13 d) + 2 d``: per layer the QKV and output projections
    (``4 d^2 + 4 d``), the MLP with hidden width ``4 d`` (``8 d^2 + 5 d``) and two
    LayerNorms (``4 d``); plus the final LayerNorm. ``N_total = N + (V + context) d``.
    """
    d, L = int(width), int(layers)
    n = L * (12 * d * d + 13 * d) + 2 * d
    return {"N": n, "N_total": n + (int(vocab_size) + int(context)) * d}


def default_peak_lr(width: int) -> float:
    """Peak Adam learning rate used by default for width ``d``: ``min(0.05, 0.18 d^(-2/3))``.

    Read off our own learning-rate sweep of this toy on the default source (4 widths x 7 peak
    learning rates at 2^17 tokens, notebook 07): the optimum fell from 0.044 at ``d = 8`` to
    0.011 at ``d = 64``, about ``d^(-2/3)`` (``N^(-1/3)``).
    """
    return float(min(0.05, 0.18 * int(width) ** (-2.0 / 3.0)))


# ---------------------------------------------------------------------------- the model
class _Layout:
    """Where each weight lives in the flat ``(M, P)`` parameter buffer."""

    def __init__(self, V, T, d, L):
        self.shapes: dict[str, tuple] = {}
        self.decay: dict[str, bool] = {}
        self.embedding: set[str] = {"wte", "wpe"}

        def add(name, shape, decay):
            self.shapes[name] = shape
            self.decay[name] = decay

        add("wte", (V, d), True)
        add("wpe", (T, d), True)
        for i in range(L):
            add(f"h{i}.ln1_g", (d,), False)
            add(f"h{i}.ln1_b", (d,), False)
            add(f"h{i}.qkv_w", (d, 3 * d), True)
            add(f"h{i}.qkv_b", (3 * d,), False)
            add(f"h{i}.proj_w", (d, d), True)
            add(f"h{i}.proj_b", (d,), False)
            add(f"h{i}.ln2_g", (d,), False)
            add(f"h{i}.ln2_b", (d,), False)
            add(f"h{i}.fc_w", (d, MLP_RATIO * d), True)
            add(f"h{i}.fc_b", (MLP_RATIO * d,), False)
            add(f"h{i}.out_w", (MLP_RATIO * d, d), True)
            add(f"h{i}.out_b", (d,), False)
        add("lnf_g", (d,), False)
        add("lnf_b", (d,), False)
        self.offsets = {}
        o = 0
        for name, shape in self.shapes.items():
            self.offsets[name] = (o, o + math.prod(shape))
            o += math.prod(shape)
        self.P = o


class _Stack:
    """``M`` tiny GPTs of one shape, their weights in one flat buffer ``(M, P)``, trained by AdamW.

    The per-weight tensors are views of the flat buffer with their gradients
    pre-assigned as views of a flat gradient buffer, so the optimiser is a handful
    of operations on ``(M, P)`` tensors whatever the number of weights.
    """

    def __init__(self, M, V, T, d, L, seeds, dev, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0, clip=1.0):
        import torch

        self.M, self.V, self.T, self.d, self.L = M, V, T, d, L
        self.heads = d // HEAD_DIM if d % HEAD_DIM == 0 else 1
        self.layout = _Layout(V, T, d, L)
        self.dev = dev
        self.betas, self.eps, self.wd, self.clip = betas, eps, weight_decay, clip
        flat = torch.empty(M, self.layout.P, device=dev)
        for m, seed in enumerate(seeds):
            flat[m] = self._init_one(int(seed))
        self._set_buffers(flat, torch.zeros_like(flat), torch.zeros_like(flat))
        mask = torch.zeros(self.layout.P, device=dev)
        for name, (a, b) in self.layout.offsets.items():
            if self.layout.decay[name]:
                mask[a:b] = 1.0
        self.decay_mask = mask
        self.t = 0

    def _init_one(self, seed):
        """Initial weights of one model: GPT-2 style, with fan-in scaling for tiny widths."""
        import torch

        g = generator(seed, "cpu")
        out = torch.empty(self.layout.P)
        L = self.L
        for name, (a, b) in self.layout.offsets.items():
            shape = self.layout.shapes[name]
            if name in ("wte", "wpe"):
                val = torch.randn(shape, generator=g) * 0.02
            elif name.endswith("_g"):
                val = torch.ones(shape)
            elif name.endswith("_b"):
                val = torch.zeros(shape)
            else:
                std = 1.0 / math.sqrt(shape[0])
                if name.endswith("proj_w") or name.endswith("out_w"):
                    std /= math.sqrt(2 * L)  # residual branches start small (GPT-2)
                val = torch.randn(shape, generator=g) * std
            out[a:b] = val.reshape(-1)
        return out.to(self.dev)

    def _set_buffers(self, flat, exp_avg, exp_avg_sq):
        import torch

        self.flat = flat
        self.grad = torch.zeros_like(flat)
        self.exp_avg, self.exp_avg_sq = exp_avg, exp_avg_sq
        self.w = {}
        for name, (a, b) in self.layout.offsets.items():
            shape = self.layout.shapes[name]
            v = flat[:, a:b].view(flat.shape[0], *shape)
            v.requires_grad_(True)
            v.grad = self.grad[:, a:b].view(flat.shape[0], *shape)
            self.w[name] = v
        self.M = flat.shape[0]

    def keep(self, idx):
        """Keep only the instances ``idx`` (drop finished ones)."""
        import torch

        idx = torch.as_tensor(idx, dtype=torch.long, device=self.dev)
        self._set_buffers(self.flat[idx].clone(), self.exp_avg[idx].clone(), self.exp_avg_sq[idx].clone())

    # ---------------------------------------------------------------- forward
    def logits(self, tokens):
        """``tokens`` (B, T) shared by all instances -> logits (M, B*T, V)."""
        import torch
        import torch.nn.functional as F

        w, M, d, H = self.w, self.M, self.d, self.heads
        B, T = tokens.shape
        x = w["wte"][:, tokens.reshape(-1)] + w["wpe"][:, :T].repeat(1, B, 1)  # (M, B*T, d)

        def ln(x, g, b):
            return F.layer_norm(x, (d,)) * g[:, None, :] + b[:, None, :]

        for i in range(self.L):
            p = f"h{i}."
            h = ln(x, w[p + "ln1_g"], w[p + "ln1_b"])
            qkv = torch.baddbmm(w[p + "qkv_b"][:, None, :], h, w[p + "qkv_w"])  # (M, BT, 3d)
            qkv = qkv.view(M, B, T, 3, H, d // H).permute(3, 0, 1, 4, 2, 5).reshape(3, M * B, H, T, d // H)
            q, k, v = qkv.unbind(0)
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (MB, H, T, hd)
            a = a.view(M, B, H, T, d // H).permute(0, 1, 3, 2, 4).reshape(M, B * T, d)
            x = x + torch.baddbmm(w[p + "proj_b"][:, None, :], a, w[p + "proj_w"])
            h = ln(x, w[p + "ln2_g"], w[p + "ln2_b"])
            h = F.relu(torch.baddbmm(w[p + "fc_b"][:, None, :], h, w[p + "fc_w"]))
            x = x + torch.baddbmm(w[p + "out_b"][:, None, :], h, w[p + "out_w"])
        x = ln(x, w["lnf_g"], w["lnf_b"])
        return torch.bmm(x, w["wte"].transpose(1, 2))  # tied output layer

    # ---------------------------------------------------------------- training
    def train_step(self, inputs, targets, lrs):
        """One AdamW step of every instance; returns each instance's training loss (before the step)."""
        import torch
        import torch.nn.functional as F

        self.grad.zero_()
        logits = self.logits(inputs)
        M = self.M
        losses = F.cross_entropy(logits.reshape(-1, self.V), targets.reshape(-1).repeat(M), reduction="none")
        losses = losses.view(M, -1).mean(dim=1)
        with warnings.catch_warnings():
            # the gradients accumulate into views of one flat buffer (by design, so that AdamW is a few
            # operations on (M, P) tensors); torch notes that such views are not dense on their own
            warnings.filterwarnings("ignore", message="grad and param do not obey the gradient layout contract")
            losses.sum().backward()  # instances are independent: each gets its own gradient
        with torch.no_grad():
            self.t += 1
            b1, b2 = self.betas
            g = self.grad
            if self.clip:
                norm = g.norm(dim=1, keepdim=True)
                g.mul_(torch.clamp(self.clip / (norm + 1e-12), max=1.0))
            self.exp_avg.mul_(b1).add_(g, alpha=1 - b1)
            self.exp_avg_sq.mul_(b2).addcmul_(g, g, value=1 - b2)
            lr = torch.as_tensor(lrs, dtype=self.flat.dtype, device=self.dev)[:, None]
            if self.wd:
                self.flat.mul_(1.0 - lr * self.wd * self.decay_mask)
            denom = (self.exp_avg_sq / (1 - b2**self.t)).sqrt_().add_(self.eps)
            self.flat.sub_((lr / (1 - b1**self.t)) * self.exp_avg / denom)
        return losses.detach()

    def heldout(self, tokens, probs, order, floor=None):
        """Held-out losses of every instance, nats/token: ``(loss, loss_sampled)``.

        ``loss_sampled`` is the cross-entropy of the held-out tokens. With the source's
        next-token distributions ``probs`` (and ``floor = (entropy rate, per-position
        entropies)``), ``loss = H + mean_t KL(p_t || q_t)``: the expected cross-entropy
        ``CE_t = H(p_t) + KL(p_t || q_t)`` with the per-context entropies ``H(p_t)`` replaced
        by their exact mean, the entropy rate (a control variate: unbiased, and far less
        noisy than scoring sampled tokens).
        """
        import torch
        import torch.nn.functional as F

        with torch.no_grad():
            inputs, targets = tokens[:, :-1], tokens[:, 1:]
            B, T = inputs.shape
            logq = F.log_softmax(self.logits(inputs), dim=-1).view(self.M, B, T, self.V)
            start = max(order - 1, 0)
            logq = logq[:, :, start:]
            sampled = -logq.gather(-1, targets[:, start:].expand(self.M, -1, -1)[..., None]).squeeze(-1)
            sampled = sampled.mean(dim=(1, 2))
            if probs is None:
                return sampled, sampled
            p = probs[:, : T - start]  # (B, T - start, V): next-token distribution after positions start..T-1
            expected_ce = -(p[None] * logq).sum(-1)  # (M, B, T - start)
            if floor is None:
                return expected_ce.mean(dim=(1, 2)), sampled
            H, ent = floor
            return H + (expected_ce - ent[None]).mean(dim=(1, 2)), sampled


# ---------------------------------------------------------------------------- training one stack
def _as_schedule(s) -> Schedule:
    if isinstance(s, Schedule):
        return s
    if isinstance(s, Mapping):
        return Schedule(**s)
    if isinstance(s, str):
        return preset(s)
    raise ArgumentError(f"A schedule must be a Schedule, a dict of its fields or a preset name; got {s!r}.")


def _eval_steps(steps: int, n_evals: int) -> np.ndarray:
    """About ``n_evals`` measurement steps spread evenly over ``1 .. steps``, always including the last."""
    n = max(1, min(int(n_evals), steps))
    pts = np.unique(np.round(np.linspace(steps / n, steps, n)).astype(int))
    return pts[pts >= 1]


@dataclass
class _Instance:
    index: int
    steps: int
    schedule: Schedule
    seed: int
    label: str
    lrs: np.ndarray = field(repr=False, default=None)
    evals: np.ndarray = field(repr=False, default=None)
    eval_set: set = field(repr=False, default=None)
    train_loss: np.ndarray = field(repr=False, default=None)
    loss: np.ndarray = field(repr=False, default=None)
    loss_sampled: np.ndarray = field(repr=False, default=None)
    done_steps: int = 0


class _Stopped(Exception):
    """Raised inside a sweep when the user pressed Stop (the partial table rides along, uncached)."""

    def __init__(self, table):
        super().__init__("stopped")
        self.table = table


def train_tinylm(
    runs: Sequence[Mapping],
    *,
    width: int = 32,
    layers: int = 2,
    source=None,
    batch_size: int = 32,
    context: int = 16,
    n_evals: int = 40,
    heldout_sequences: int = 128,
    weight_decay: float = 0.0,
    clip: float = 1.0,
    device=None,
    threads: int | None = None,
    progress=False,
    progress_offset: int = 0,
    seed: int = 0,
    data_seed: int = 0,
) -> pd.DataFrame:
    """Train a stack of tiny GPTs of one shape; return their per-step curves.

    Parameters
    ----------
    runs : sequence of dict
        One dict per model: ``steps`` (optimisation steps) or ``tokens`` (a
        token budget, rounded to whole steps of ``batch_size * context`` tokens),
        ``schedule`` (a :class:`~workbench.dynamics.Schedule`, its dict, or a preset
        name; default cosine at :func:`default_peak_lr`), ``seed`` (its initialisation;
        default the ``seed`` argument) and an optional ``label``.
    width, layers : int
        Model width ``d`` (attention heads of size 8) and number of blocks.
    source : MarkovSource or TextSource, optional
        Corpus (default :func:`default_source`).
    batch_size, context : int
        Sequences per step and tokens per sequence (a step trains on
        ``batch_size * context`` tokens).
    n_evals : int
        About how many held-out measurements per run (evenly spaced, always the last step).
    heldout_sequences : int
        Size of the fixed held-out set (sequences of ``context + 1`` tokens).
    weight_decay, clip : float
        AdamW decoupled weight decay (on matrices and embeddings) and per-model
        gradient-norm clipping.
    device : torch device, optional
        Default :func:`workbench.toys.device`.
    threads : int, optional
        CPU threads for torch while training (default: the fastest count measured on this
        machine, :func:`workbench.toys.device.toy_threads`; ``"current"`` leaves torch's setting).
    progress : bool or workbench.toys.Progress
        ``False`` (default): silent; ``True``: a progress bar; a :class:`~workbench.toys.Progress`
        receives ``update(done, partial)``, and training stops early (returning the partial
        curves) when ``progress.stopped``.
    seed, data_seed : int
        Default initialisation seed of the runs; seed of the training batches (the held-out set's is fixed).

    Returns
    -------
    DataFrame
        One row per (run, step): ``run``, ``label``, ``step``, ``lr``, ``D`` (tokens
        seen), ``train_loss`` (loss of the step's batch before the update: a
        held-out estimate too, since batches are never repeated), ``loss`` and
        ``loss_sampled`` (held-out, nats/token, on measurement steps; NaN
        elsewhere), ``N``, ``N_total``, ``width``, ``layers``, ``steps`` (the run's
        length), ``tokens`` (its budget), ``schedule`` (its kind), ``peak_lr``, ``seed``,
        ``batch_tokens``, ``entropy_rate`` and ``unigram_entropy`` of the source.
        ``attrs`` hold ``complete`` (False if stopped), ``seconds`` and ``tokens_per_second``.
    """
    import torch

    source = default_source() if source is None else source
    if not runs:
        raise ArgumentError("train_tinylm() needs at least one run, e.g. runs=[{'steps': 200}].")
    width, layers, batch_size, context = int(width), int(layers), int(batch_size), int(context)
    if width < 8 or width % 8:
        raise ArgumentError(f"width must be a multiple of 8 (8, 16, 24, ...), got {width}.")
    if layers < 1 or batch_size < 1 or context < max(2, getattr(source, "order", 0) + 1):
        raise ArgumentError("layers and batch_size must be >= 1, and context longer than the source's order.")
    dev = default_device() if device is None else torch.device(device)
    if dev.type == "cpu" and threads in (None, "auto"):
        threads = toy_threads(threads, "tinylm", lambda: train_tinylm(
            [{"steps": 4}, {"steps": 4}], width=width, layers=layers, source=source, batch_size=batch_size,
            context=context, n_evals=2, heldout_sequences=8, device=dev, threads="current"))
    elif threads == "current":
        threads = None
    batch_tokens = batch_size * context
    insts = []
    for i, r in enumerate(runs):
        r = dict(r)
        if "steps" in r:
            steps = int(r["steps"])
        elif "tokens" in r:
            steps = int(round(float(r["tokens"]) / batch_tokens))
        else:
            raise ArgumentError(f"Run {i} needs 'steps' or 'tokens' (a token budget); got {sorted(r)}.")
        if steps < 1:
            raise ArgumentError(f"Run {i} has fewer tokens than one step ({batch_tokens} tokens).")
        sched = _as_schedule(r.get("schedule", preset("cosine", peak=default_peak_lr(width))))
        inst = _Instance(i, steps, sched, int(r.get("seed", seed)), str(r.get("label", f"run{i}")))
        inst.lrs = sched.lrs(steps)
        inst.evals = _eval_steps(steps, n_evals)
        inst.eval_set = set(inst.evals.tolist())
        inst.train_loss = np.full(steps, np.nan)
        inst.loss = np.full(steps, np.nan)
        inst.loss_sampled = np.full(steps, np.nan)
        insts.append(inst)
    sizes = model_size(width, layers, source.vocab_size, context)
    order = getattr(source, "order", 0)

    gen_eval = generator(10_000_019 + int(getattr(source, "seed", 0)), dev)
    if isinstance(source, TextSource):
        held = source.sample(heldout_sequences, context + 1, gen_eval, heldout=True)
        held_probs = held_floor = None
    else:
        held = source.sample(heldout_sequences, context + 1, gen_eval)
        held_probs = source.next_token_probs(held[:, :-1])  # (B, context - order + 1, V): positions order-1 ..
        ent = -(held_probs * torch.log(held_probs.clamp_min(1e-30))).sum(-1)
        held_floor = (float(source.entropy_rate), ent)
    gen_data = generator(int(data_seed), dev)

    total_steps = max(i.steps for i in insts)
    chunk = 64
    buf, buf_pos = None, chunk

    def table(complete: bool) -> pd.DataFrame:
        parts = []
        for inst in insts:
            n = inst.done_steps
            if n == 0:
                continue
            steps = np.arange(1, n + 1)
            parts.append(pd.DataFrame({
                "run": inst.index, "label": inst.label, "step": steps, "lr": inst.lrs[:n],
                "D": steps * float(batch_tokens), "train_loss": inst.train_loss[:n],
                "loss": inst.loss[:n], "loss_sampled": inst.loss_sampled[:n],
                "steps": inst.steps, "tokens": inst.steps * float(batch_tokens),
                "schedule": inst.schedule.kind, "peak_lr": inst.schedule.peak, "seed": inst.seed,
            }))
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["run", "label", "step", "lr", "D", "train_loss", "loss", "loss_sampled", "steps", "tokens",
                     "schedule", "peak_lr", "seed"])
        out["N"] = float(sizes["N"])
        out["N_total"] = float(sizes["N_total"])
        out["width"] = width
        out["layers"] = layers
        out["batch_tokens"] = batch_tokens
        out["entropy_rate"] = float(getattr(source, "entropy_rate", float("nan")))
        out["unigram_entropy"] = float(source.unigram_entropy)
        out.attrs["complete"] = complete
        return out

    t0 = time.perf_counter()
    work_done = 0
    stopped = False
    own = None
    if isinstance(progress, bool) or progress is None:  # a bar of our own, or a silent one
        own = progress = reporting(progress, progress_offset + sum(i.steps for i in insts), "tiny LM")
        progress = own.__enter__()
    listener = getattr(progress, "on_partial", None) is not None
    last_partial = 0.0
    with num_threads(threads):
        stack = _Stack(len(insts), source.vocab_size, context, width, layers, [i.seed for i in insts], dev,
                       weight_decay=weight_decay, clip=clip)
        active = list(insts)
        for step in range(1, total_steps + 1):
            if progress.stopped:
                stopped = True
                break
            if buf_pos >= chunk:
                buf = source.sample(chunk * batch_size, context + 1, gen_data).view(chunk, batch_size, context + 1)
                buf_pos = 0
            batch = buf[buf_pos]
            buf_pos += 1
            lrs = [inst.lrs[step - 1] for inst in active]
            losses = stack.train_step(batch[:, :-1], batch[:, 1:], lrs).cpu().numpy()
            for inst, l in zip(active, losses):
                inst.train_loss[step - 1] = l
                inst.done_steps = step
            work_done += len(active)
            measure = [k for k, inst in enumerate(active) if step in inst.eval_set]
            if measure:
                exp_l, samp_l = stack.heldout(held, held_probs, order, held_floor)
                exp_l, samp_l = exp_l.cpu().numpy(), samp_l.cpu().numpy()
                for k in measure:
                    active[k].loss[step - 1] = exp_l[k]
                    active[k].loss_sampled[step - 1] = samp_l[k]
            finished = [k for k, inst in enumerate(active) if inst.steps == step]
            if finished:
                keep = [k for k in range(len(active)) if k not in finished]
                active = [active[k] for k in keep]
                if not active:
                    break
                stack.keep(keep)
            if step % 10 == 0:
                if listener and time.monotonic() - last_partial >= 0.5:  # build partial tables only when watched
                    last_partial = time.monotonic()
                    progress.update(progress_offset + work_done, table(False))
                else:
                    progress.update(progress_offset + work_done)
    seconds = time.perf_counter() - t0
    out = table(not stopped)
    out.attrs.update(seconds=seconds, tokens_per_second=work_done * batch_tokens / max(seconds, 1e-9),
                     device=str(dev))
    progress.update(progress_offset + work_done, out, force=True)
    if own is not None:
        own.__exit__(None, None, None)
    return out


# ---------------------------------------------------------------------------- grids through the sweep runner
def _source_from(config) -> object:
    spec = dict(config)
    return make_source(spec.pop("kind", "markov"), **spec)


def _train_config(config: Mapping, progress=None, progress_offset: int = 0, threads: int | None = None,
                  device=None) -> pd.DataFrame:
    """Train the stack one sweep configuration describes (module-level, so process pools can run it)."""
    c = dict(config)
    source = _source_from(c["source"])
    runs = [dict(r) for r in c["runs"]]
    out = train_tinylm(runs, width=c["width"], layers=c["layers"], source=source, batch_size=c["batch_size"],
                       context=c["context"], n_evals=c.get("n_evals", 40), weight_decay=c.get("weight_decay", 0.0),
                       threads=threads, progress=progress, progress_offset=progress_offset,
                       data_seed=c.get("data_seed", 0), device=device)
    out["stack"] = c.get("name", f"d{c['width']}L{c['layers']}")
    out["stack_seconds"] = out.attrs.get("seconds", np.nan)
    if not out.attrs.get("complete", True):
        out["stack"] = out["stack"] + " (stopped)"
        raise _Stopped(out)
    return out


def _work(config) -> int:
    return sum(int(r["steps"]) for r in config["runs"])


class TinyLMGrid(Result):
    """Result of a grid of tiny-LM runs.

    Attributes
    ----------
    curves : DataFrame
        Per-step table of every run (see :func:`train_tinylm`), plus ``stack``.
    runs : DataFrame
        One row per finished run at its last step: ``N`` (non-embedding), ``N_total``,
        ``D`` (tokens), ``C = 6 N D``, ``loss`` (held-out), ``lr`` (peak), ... —
        what :func:`workbench.fit` takes.
    source : MarkovSource or TextSource
    complete : bool
        False when stopped early (unfinished runs are in ``curves`` but not in ``runs``).
    seconds : float
        Wall time of this call (near 0 when every configuration came from the cache).
    n_cached, n_computed : int
        Stacks read from the cache and trained now.
    """

    curves: pd.DataFrame
    runs: pd.DataFrame
    source: object
    complete: bool
    seconds: float
    n_cached: int = 0
    n_computed: int = 0

    @property
    def entropy_rate(self) -> float:
        return float(getattr(self.source, "entropy_rate", float("nan")))

    def _title(self) -> str:
        return f"Tiny language models on {getattr(self.source, 'name', type(self.source).__name__)}"

    def _summarize(self, s) -> None:
        s.add_fields([("finished runs", len(self.runs)),
                      ("stacks", self.curves["stack"].nunique() if len(self.curves) else 0),
                      ("from the cache / trained now", f"{self.n_cached} / {self.n_computed}"),
                      ("entropy rate of the source", f"{self.entropy_rate:.4f} nats/token"),
                      ("time", f"{self.seconds:.1f} s" + ("" if self.complete else " (stopped early)"))])
        cols = [c for c in ("N", "D", "C", "loss", "lr") if c in self.runs]
        if len(self.runs):
            s.add_table(self.runs[cols].head(20), title="runs (first 20)")

    def _headline(self) -> str:
        return (f"{len(self.runs)} finished runs, {self.curves['stack'].nunique() if len(self.curves) else 0} stacks, "
                f"{self.seconds:.1f} s, {self.n_cached} cached, complete={self.complete}")

    _dict_exclude = ("curves", "source")
    _dict_properties = ("entropy_rate",)


def final_runs(curves: pd.DataFrame) -> pd.DataFrame:
    """One row per finished run (its last step): the runs table of the grid, with ``C = 6 N D``."""
    if len(curves) == 0:
        return pd.DataFrame(columns=["N", "D", "C", "loss"])
    keys = [k for k in ("stack", "run") if k in curves.columns]
    last = curves[curves["step"] == curves["steps"]]
    last = last[last["loss"].notna()].copy()
    last["lr_final"] = last["lr"]
    last["lr"] = last["peak_lr"]
    last["C"] = 6.0 * last["N"] * last["D"]
    cols = ["N", "D", "C", "loss", "loss_sampled", "train_loss", "N_total", "width", "layers", "steps", "lr",
            "lr_final", "schedule", "seed", "label", "entropy_rate", "unigram_entropy"] + keys
    return last[[c for c in cols if c in last.columns]].sort_values(["N", "D"]).reset_index(drop=True)


class _GridProgress:
    """Forwards a stack's progress to the caller's :class:`Progress`, turning each partial table into a
    :class:`TinyLMGrid` of everything so far (finished stacks + the stack in training)."""

    def __init__(self, progress, finished: list, source, min_interval: float = 0.5):
        self.progress = progress
        self.finished = finished
        self.source = source
        self.min_interval = min_interval
        self._last = 0.0
        self._t0 = time.perf_counter()

    @property
    def stopped(self) -> bool:
        return self.progress.stopped

    @property
    def on_partial(self):
        return getattr(self.progress, "on_partial", None)

    def partial(self, table=None) -> "TinyLMGrid":
        parts = [t for t in self.finished] + ([table] if table is not None and len(table) else [])
        curves = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["step", "loss"])
        curves = _tidy(curves)
        return TinyLMGrid(curves, final_runs(curves), self.source, False, time.perf_counter() - self._t0)

    def update(self, done, partial=None, force: bool = False) -> None:
        if partial is not None and getattr(self.progress, "on_partial", None) is not None:
            now = time.monotonic()
            if force or now - self._last >= self.min_interval:
                self._last = now
                if "stack" not in partial.columns:
                    partial = partial.assign(stack="in training")
                self.progress.update(done, self.partial(partial), force=force)
                return
        self.progress.update(done)


def _tidy(curves: pd.DataFrame) -> pd.DataFrame:
    """Drop the sweep runner's copies of bulky configuration values (run lists, source dicts)."""
    return curves.drop(columns=[c for c in ("runs", "source", "name") if c in curves.columns])


def _run_stacks(configs: list[dict], cache_dir=None, progress=None, executor=None, threads: int | None = None,
                source=None, description: str = "tiny LMs", device=None) -> tuple[pd.DataFrame, bool, int, int]:
    """Run stack configurations through :func:`run_sweep` (cached), with one progress bar over all of them."""
    from ..sweeps import config_key, run_sweep
    from ..sweeps.cache import RunCache, default_cache_dir

    if progress is True:  # a progress bar of our own over all steps of all runs
        with reporting(True, sum(_work(c) for c in configs), description) as bar:
            return _run_stacks(configs, cache_dir=cache_dir, progress=bar, executor=executor, threads=threads,
                               source=source, device=device)
    if progress is False:
        progress = None
    cache = RunCache(default_cache_dir() if cache_dir is None else cache_dir) if cache_dir is not False else None
    keys = [config_key(c, SWEEP_NAMESPACE) for c in configs]
    cached = [cache is not None and cache.check(k) is None for k in keys]
    offsets = {}
    o = sum(_work(c) for c, is_cached in zip(configs, cached) if is_cached)
    for c, k, is_cached in zip(configs, keys, cached):
        if not is_cached:
            offsets[k] = o
            o += _work(c)
    finished = [cache.load(k).assign(stack=c.get("name")) for c, k, is_cached in zip(configs, keys, cached) if is_cached]
    adapter = None if progress is None else _GridProgress(progress, finished, source)
    if adapter is not None:
        done0 = sum(_work(c) for c, is_cached in zip(configs, cached) if is_cached)
        if finished and adapter.on_partial is not None:
            progress.update(done0, adapter.partial(), force=True)
        else:
            progress.update(done0)

    if executor is not None:
        res = run_sweep(_train_config, configs, cache_dir=cache_dir, executor=executor, progress=False,
                        namespace=SWEEP_NAMESPACE)
        return (_tidy(res), bool(res.attrs.get("complete", True)), res.attrs.get("n_cached", 0),
                res.attrs.get("n_computed", 0))

    def func(config):
        return _train_config(config, progress=adapter, progress_offset=offsets.get(config_key(config, SWEEP_NAMESPACE), 0),
                             threads=threads, device=device)

    trained = {}  # key -> table of each stack finished in this call (kept when Stop ends the sweep, cache or not)

    def on_result(config, table):
        trained[config_key(config, SWEEP_NAMESPACE)] = table
        if adapter is not None:
            finished.append(table)

    try:
        res = run_sweep(func, configs, cache_dir=cache_dir, progress=False, namespace=SWEEP_NAMESPACE, on_result=on_result)
        return (_tidy(res), bool(res.attrs.get("complete", True)), res.attrs.get("n_cached", 0),
                res.attrs.get("n_computed", 0))
    except _Stopped as stop:
        # the finished stacks again through the sweep runner (same columns as a complete sweep): from the cache
        # when there is one, else the tables kept above
        done = [c for c, k, is_cached in zip(configs, keys, cached) if is_cached or k in trained]
        parts = []
        if done:
            parts.append(run_sweep(lambda c: trained[config_key(c, SWEEP_NAMESPACE)], done, cache_dir=cache_dir,
                                   progress=False, namespace=SWEEP_NAMESPACE))
        parts.append(stop.table)
        out = _tidy(pd.concat(parts, ignore_index=True))
        return out, False, sum(cached), len(done) - sum(cached)


def _stack_config(name, width, layers, runs, source, batch_size, context, n_evals, weight_decay=0.0, data_seed=0):
    runs = [dict(r) for r in runs]
    for r in runs:
        if isinstance(r.get("schedule"), Schedule):
            r["schedule"] = r["schedule"].to_dict()
    return {"name": name, "width": int(width), "layers": int(layers), "runs": runs, "source": source.config(),
            "batch_size": int(batch_size), "context": int(context), "n_evals": int(n_evals),
            "weight_decay": float(weight_decay), "data_seed": int(data_seed)}


#: The named grids of :func:`train_grid`: sizes ``(width, layers)``, token budgets, batch size and context.
GRIDS = {
    # about 15 seconds on a 2-core CPU (4 sizes x 3 budgets)
    "quick": {"sizes": [(8, 1), (16, 1), (24, 1), (32, 1)], "budgets": [2**16, 2**17, 2**18], "batch_size": 32, "context": 16},
    # one to two minutes on a 2-core CPU (5 sizes x 4 budgets)
    "full": {"sizes": [(8, 1), (16, 1), (24, 1), (32, 1), (48, 1)], "budgets": [2**16, 2**17, 2**18, 2**19],
             "batch_size": 32, "context": 16},
    # for a GPU: 8 sizes x 6 budgets
    "large": {"sizes": [(8, 1), (16, 1), (24, 1), (32, 1), (48, 1), (64, 2), (96, 2), (128, 2)],
              "budgets": [2**15, 2**16, 2**17, 2**18, 2**19, 2**20], "batch_size": 32, "context": 16},
}


def default_grid(grid: str | None = None) -> dict:
    """The sizes and budgets of a named grid, ``"quick"``, ``"full"`` or ``"large"`` (see :data:`GRIDS`).

    ``None`` means ``"quick"`` when ``WORKBENCH_QUICK`` is set (CI, reports with ``--quick``) and
    ``"full"`` otherwise. Returns ``{"sizes": [(width, layers), ...], "budgets": [tokens, ...],
    "batch_size", "context"}``. Budgets start at 2^16 tokens (128 steps) on the CPU grids: shorter
    runs are limited by the number of optimisation steps, not by data, and bend the fit.
    """
    name = ("quick" if quick() else "full") if grid is None else grid
    if name not in GRIDS:
        raise ArgumentError(f"grid must be one of {sorted(GRIDS)}, not {grid!r}.")
    g = GRIDS[name]
    return {**g, "sizes": list(g["sizes"]), "budgets": list(g["budgets"])}


def train_grid(
    sizes: Sequence[tuple[int, int]] | None = None,
    budgets: Sequence[float] | None = None,
    *,
    source=None,
    schedule: str | Schedule | Mapping = "cosine",
    peak_lr: float | None = None,
    batch_size: int | None = None,
    context: int | None = None,
    n_evals: int = 20,
    seed: int = 0,
    data_seed: int = 0,
    cache_dir=None,
    progress=True,
    executor=None,
    device=None,
    threads: int | None = None,
    grid: str | None = None,
) -> TinyLMGrid:
    """Train a grid of model sizes x token budgets; cached by configuration (re-running is instant).

    Each size is one stack: its token budgets train together (batched). The
    schedule (default cosine with 2% warmup, to 10% of the peak) is stretched to
    each run's length, as in Chinchilla.

    Parameters
    ----------
    sizes : list of (width, layers), optional
        Model shapes (default: those of ``grid``).
    budgets : list of float, optional
        Training tokens per run (default: those of ``grid``).
    source : corpus, optional
        Default :func:`default_source`.
    schedule : str, Schedule or dict
        Preset name or schedule; its ``peak`` is replaced by ``peak_lr``.
    peak_lr : float, optional
        Peak learning rate for every size (default :func:`default_peak_lr` per width).
    batch_size, context : int, optional
        Sequences per step and their length.
    n_evals : int
        Held-out measurements per run.
    seed : int
        Initialisation seed of every model.
    data_seed : int
        Seed of the training batches (the held-out set is fixed by the source).
    cache_dir : path or False, optional
        Sweep cache (default :func:`workbench.sweeps.default_cache_dir`); ``False`` disables it.
    progress : bool or workbench.toys.Progress
        ``True`` (default): a progress bar over all steps of all runs; a :class:`Progress`
        to follow (and stop) the work yourself — ``stop()`` ends early, finished stacks are
        kept and cached; ``False``: silent.
    executor : optional
        A ``concurrent.futures`` executor or Dask client to train stacks concurrently
        (no step-level progress then).
    device : str or torch.device, optional
        Default :func:`workbench.toys.device` (not with ``executor``: workers pick their own).
    threads : int, optional
        torch CPU threads while training.
    grid : {"quick", "full", "large"}, optional
        The default sizes and budgets (:data:`GRIDS`; ``None``: ``"quick"`` under
        ``WORKBENCH_QUICK``, else ``"full"``).

    Returns
    -------
    TinyLMGrid
    """
    g = default_grid(grid)
    sizes = g["sizes"] if sizes is None else [tuple(map(int, s)) for s in sizes]
    budgets = g["budgets"] if budgets is None else [float(b) for b in budgets]
    batch_size = g["batch_size"] if batch_size is None else int(batch_size)
    context = g["context"] if context is None else int(context)
    if not sizes or not budgets:
        raise ArgumentError("train_grid() needs at least one size and one token budget.")
    base, bt = _as_schedule(schedule), batch_size * context
    stacks = [(f"d{width}L{layers}", width, layers,
               [(f"D={b:.3g}", max(1, int(round(b / bt))),
                 base.with_(peak=default_peak_lr(width) if peak_lr is None else float(peak_lr))) for b in sorted(budgets)])
              for width, layers in sizes]
    return _train_stacks("tiny-LM grid", stacks, source, batch_size, context, n_evals, seed, data_seed,
                         cache_dir=cache_dir, progress=progress, executor=executor, threads=threads, device=device)


def _train_stacks(description: str, stacks, source, batch_size: int, context: int, n_evals: int, seed: int,
                  data_seed: int, **options) -> TinyLMGrid:
    """Train ``stacks``, each ``(name, width, layers, [(label, steps, schedule), ...])``, through the cached
    stack runner (:func:`_run_stacks`, which takes ``options``) into a :class:`TinyLMGrid`."""
    t0 = time.perf_counter()
    source = default_source() if source is None else source
    configs = [_stack_config(name, width, layers, [{"steps": int(steps), "schedule": _as_schedule(s).to_dict(),
                                                   "seed": int(seed), "label": str(label)} for label, steps, s in runs],
                             source, batch_size, context, n_evals, data_seed=data_seed)
               for name, width, layers, runs in stacks]
    curves, complete, n_cached, n_computed = _run_stacks(configs, source=source, description=description, **options)
    return TinyLMGrid(curves, final_runs(curves), source, complete, time.perf_counter() - t0, n_cached, n_computed)


def grid_work(sizes=None, budgets=None, batch_size=None, context=None, grid: str | None = None) -> int:
    """Total optimisation steps (summed over runs) of a grid: the ``total`` of its progress bar."""
    g = default_grid(grid)
    sizes = g["sizes"] if sizes is None else sizes
    budgets = g["budgets"] if budgets is None else budgets
    bt = (g["batch_size"] if batch_size is None else batch_size) * (g["context"] if context is None else context)
    return len(sizes) * sum(max(1, int(round(float(b) / bt))) for b in budgets)


def lr_sweep(
    sizes: Sequence[tuple[int, int]],
    peak_lrs: Sequence[float],
    tokens: float,
    *,
    source=None,
    schedule: str | Schedule | Mapping = "cosine",
    batch_size: int = 16,
    context: int = 16,
    n_evals: int = 10,
    seed: int = 0,
    data_seed: int = 0,
    cache_dir=None,
    progress=True,
    device=None,
    threads: int | None = None,
) -> TinyLMGrid:
    """Train every size at every peak learning rate (one stack per size) for ``tokens`` tokens.

    ``result.runs`` has one row per (size, learning rate) with the final held-out loss;
    see :func:`workbench.dynamics.hyperparams.optimal_lr` for the optimum per size.
    """
    base = _as_schedule(schedule)
    steps = max(1, int(round(float(tokens) / (batch_size * context))))
    stacks = [(f"d{width}L{layers}", width, layers, [(f"lr={lr:.3g}", steps, base.with_(peak=float(lr))) for lr in peak_lrs])
              for width, layers in sizes]
    return _train_stacks("learning-rate sweep", stacks, source, batch_size, context, n_evals, seed, data_seed,
                         cache_dir=cache_dir, progress=progress, threads=threads, device=device)


def schedule_runs(
    schedules: Mapping[str, Schedule],
    steps: int,
    *,
    width: int = 32,
    layers: int = 2,
    source=None,
    batch_size: int = 16,
    context: int = 16,
    n_evals: int = 50,
    seed: int = 0,
    data_seed: int = 0,
    cache_dir=None,
    progress=True,
    device=None,
    threads: int | None = None,
) -> TinyLMGrid:
    """Train one model size under several learning-rate schedules (one stack, same initialisation and data).

    The curves (``curves``, labelled by the schedules' names) are what the annealing law is
    fitted to and validated on.
    """
    stack = (f"schedules-d{width}L{layers}", width, layers, [(name, steps, s) for name, s in schedules.items()])
    return _train_stacks("schedules", [stack], source, batch_size, context, n_evals, seed, data_seed,
                         cache_dir=cache_dir, progress=progress, threads=threads, device=device)


def schedule_work(n_schedules: int, steps: int) -> int:
    return int(n_schedules) * int(steps)

