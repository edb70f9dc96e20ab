"""The runs table: one row per training run (or per point on a training curve).

Canonical columns
-----------------
``N``      parameters (count)
``D``      training tokens (or samples)
``C``      training FLOPs; derived as ``6 * N * D`` when absent
``loss``   loss in nats per token (or the quantity being fitted)

Optional inputs of laws that go beyond ``N``, ``D`` and ``C`` (each law declares
the columns it reads in ``Law.inputs``; :data:`INPUT_COLUMNS` lists every known
column with its meaning, unit and the values it may take): ``U`` (unique tokens),
``step``, ``lr``, ``batch``, ``V`` (vocabulary size), ``N_v`` (vocabulary
parameters), ``experts``, ``G`` (expert granularity), ``bits``, mixture
proportions ``mix_<domain>`` and ``output`` (which output of a multi-output law a
row holds); also ``group``, ``seed`` and any metric columns.

:func:`load_runs` turns anything a user hands in (a DataFrame, a CSV, Parquet or
JSON file, a list of dicts) into this table, or raises a
:class:`~workbench.errors.RunsError` that names the column and rows at fault.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import MissingColumnsError, RunsError

__all__ = [
    "CANONICAL_COLUMNS",
    "POSITIVE_COLUMNS",
    "INPUT_COLUMNS",
    "MIXTURE_PREFIX",
    "MAX_MAGNITUDE",
    "Column",
    "column_info",
    "mixture_columns",
    "load_runs",
    "validate_runs",
    "derive_columns",
    "stack_outputs",
    "read_table",
]

CANONICAL_COLUMNS = ("N", "D", "C", "loss")


@dataclass(frozen=True)
class Column:
    """A column of the runs table that laws may read: what it means, its unit and its allowed values.

    ``kind`` is ``"positive"`` (finite, > 0), ``"nonnegative"`` (finite, >= 0),
    ``"fraction"`` (finite, in [0, 1]) or ``"index"`` (an integer >= 0).
    """

    name: str
    meaning: str
    unit: str
    kind: str = "positive"


#: Every input column the workbench knows, by name. Laws declare which of them they read
#: (``Law.inputs``); :func:`validate_runs` checks each one present against its ``kind``.
INPUT_COLUMNS: dict[str, Column] = {
    c.name: c
    for c in (
        Column("N", "parameters (all of them unless the dataset says otherwise)", "count"),
        Column("D", "training data: tokens (pre-training), characters or examples (fine-tuning)", "tokens"),
        Column("C", "training compute, 6 N D when not given", "FLOPs"),
        Column("loss", "the loss being fitted", "nats per token"),
        Column("U", "unique tokens available (data-constrained training)", "tokens"),
        Column("step", "optimiser step of a checkpoint", "steps", "nonnegative"),
        Column("lr", "peak learning rate", "1"),
        Column("batch", "batch size", "tokens"),
        Column("V", "vocabulary size", "tokens"),
        Column("N_v", "vocabulary (embedding) parameters, V x model width", "count"),
        Column("experts", "number of experts of a mixture-of-experts layer (1 = dense)", "count"),
        Column("G", "expert granularity (experts split finer than the dense feed-forward width)", "1"),
        Column("bits", "bit width of quantised weights", "bits"),
        Column("output", "which output of a multi-output law the row holds (0, 1, ...)", "index", "index"),
    )
}
#: Columns named ``mix_<domain>`` hold the proportion of a data domain in the training mixture (0..1).
MIXTURE_PREFIX = "mix_"

#: Columns that must be finite and strictly positive whenever present.
POSITIVE_COLUMNS = tuple(n for n, c in INPUT_COLUMNS.items() if c.kind == "positive")
#: Columns that must be numeric (and finite) whenever present.
NUMERIC_COLUMNS = tuple(INPUT_COLUMNS)


def mixture_columns(columns) -> list[str]:
    """The mixture-proportion columns (``mix_<domain>``) among ``columns``, in order."""
    return [str(c) for c in columns if str(c).startswith(MIXTURE_PREFIX)]


def column_info(name: str) -> Column | None:
    """What the runs-table column ``name`` means (``None`` for a column the workbench does not know)."""
    if name in INPUT_COLUMNS:
        return INPUT_COLUMNS[name]
    if str(name).startswith(MIXTURE_PREFIX):
        domain = str(name)[len(MIXTURE_PREFIX):]
        return Column(str(name), f"proportion of domain {domain!r} in the training mixture", "fraction", "fraction")
    return None

# Common spellings of the canonical columns in other people's files (compared
# case-insensitively, ignoring spaces, dashes and underscores).
_ALIASES: dict[str, tuple[str, ...]] = {
    "N": ("n", "params", "parameters", "nparams", "numparams", "modelsize", "paramcount"),
    "D": ("d", "tokens", "ntokens", "trainingtokens", "traintokens", "data"),
    "C": ("c", "flops", "flop", "compute", "trainingflop", "trainingflops"),
    "loss": ("loss", "valloss", "validationloss", "evalloss", "testloss"),
    "U": ("u", "uniquetokens"),
    "step": ("step", "steps", "iteration"),
    "lr": ("lr", "learningrate"),
    "batch": ("batch", "batchsize"),
    "V": ("vocabsize", "vocabularysize"),
    "N_v": ("vocabparameters", "vocabularyparameters"),
    "experts": ("numexperts", "nexperts", "expertcount"),
    "bits": ("bitwidth", "nbits", "wbits"),
}

_MAX_ROWS_SHOWN = 8

#: Largest magnitude accepted in a numeric column. Far beyond any real run (1e100 FLOPs, tokens or
#: parameters), and small enough that products such as C = 6 N D and their squares stay finite.
MAX_MAGNITUDE = 1e100


def _why_bound(col: str) -> str:
    if col in ("N", "D"):
        return "C = 6 N D overflows to infinity"
    if col in ("C", "U"):
        return "derived columns and fits overflow to infinity"
    return "the fit overflows to infinity"


def _wrong_kind(raw: pd.Series) -> str | None:
    """``"true/false values"``, ``"dates or times"`` ... when a column's type cannot hold measurements."""
    dtype = raw.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "true/false values"
    if pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        return "dates or times"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "durations"
    if pd.api.types.is_complex_dtype(dtype):
        return "complex numbers"
    if dtype == object:
        values = raw.dropna()
        if len(values) and values.map(lambda v: isinstance(v, (bool, np.bool_))).all():
            return "true/false values"
        if len(values) and values.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64))).any():
            return "dates or times"
    return None


def _norm(name: str) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def _rows(labels: Iterable) -> str:
    labels = list(labels)
    shown = ", ".join(str(x) for x in labels[:_MAX_ROWS_SHOWN])
    if len(labels) > _MAX_ROWS_SHOWN:
        shown += f", ... ({len(labels) - _MAX_ROWS_SHOWN} more)"
    return shown


_READERS = {
    ".csv": lambda p: pd.read_csv(p), ".csv.gz": lambda p: pd.read_csv(p), ".txt": lambda p: pd.read_csv(p),
    ".gz": lambda p: pd.read_csv(p), ".tsv": lambda p: pd.read_csv(p, sep="\t"),
    ".parquet": lambda p: pd.read_parquet(p), ".pq": lambda p: pd.read_parquet(p),
    ".jsonl": lambda p: pd.read_json(p, lines=True), ".ndjson": lambda p: pd.read_json(p, lines=True),
}


def _read_json(path: Path) -> pd.DataFrame:
    try:
        return pd.read_json(path)
    except ValueError:
        return pd.read_json(path, lines=True)


_READERS[".json"] = _read_json


def read_table(path, *, what: str = "runs", error: type[Exception] = RunsError) -> pd.DataFrame:
    """Read a CSV, TSV, Parquet or JSON(L) file into a DataFrame, or raise ``error`` saying what to fix.

    Shared by :func:`load_runs` and :func:`workbench.testtime.load_counts`. A missing
    path, a folder, an empty file, bytes that are not UTF-8 text, a file that does not
    parse, a table in one column because of another delimiter, or an unknown suffix
    each give one clear message.
    """
    path = Path(path)
    where = f"(relative paths are taken from {os.getcwd()!r})"
    if not path.exists():
        raise error(f"No {what} file at {str(path)!r}: check the path {where}.")
    if path.is_dir():
        raise error(f"{str(path)!r} is a folder, not a {what} file: give the path of a .csv, .parquet or .json file in it.")
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix.lower() == ".gz" else path.suffix.lower()
    reader = _READERS.get(suffix) or _READERS.get(path.suffix.lower())
    if reader is None:
        raise error(
            f"Don't know how to read {str(path)!r}: use a .csv, .tsv, .parquet, .json or .jsonl file, "
            "or pass a pandas DataFrame."
        )
    if path.stat().st_size == 0:
        raise error(f"The {what} file {str(path)!r} is empty (0 bytes): it needs a header row and one row per "
                    f"{'run' if what == 'runs' else 'problem'}.")
    try:
        df = reader(path)
    except UnicodeDecodeError as exc:
        raise error(f"{str(path)!r} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start}): "
                    "save it as UTF-8 (e.g. 'CSV UTF-8' in a spreadsheet).") from None
    except pd.errors.EmptyDataError:
        raise error(f"The {what} file {str(path)!r} holds no table (no header row).") from None
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except Exception as exc:  # readers (pandas' C parser, pyarrow, ujson) raise many types for a bad file
        text = " ".join(str(exc).split())[:200].rstrip(".")
        raise error(f"Could not read {str(path)!r} as {suffix}: {type(exc).__name__}: {text}. "
                    "Check that the file is complete and in that format.") from None
    if not isinstance(df, pd.DataFrame):
        raise error(f"{str(path)!r} does not hold a table (got a {type(df).__name__}).")
    if df.shape[1] == 1 and suffix in (".csv", ".csv.gz", ".txt", ".gz", ".tsv"):
        header = str(df.columns[0])
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars"), (",", "commas")):
            if sep in header:
                raise error(f"{str(path)!r} reads as one column {_shorten(header)!r}: its values seem separated by "
                            f"{name}. Save it with commas (or name it .tsv for tabs).")
    return df


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_frame(source, *, what: str = "runs", item: str = "run", error: type[Exception] = RunsError) -> pd.DataFrame:
    """A DataFrame from a DataFrame (copied), a file path (:func:`read_table`), a dict of columns or a list
    of dicts, or ``error`` saying what to pass. Shared by :func:`load_runs` and :func:`workbench.testtime.load_counts`."""
    if isinstance(source, pd.DataFrame):
        return source.copy()
    if isinstance(source, (str, os.PathLike)):
        return read_table(source, what=what, error=error)
    if isinstance(source, Mapping):
        try:
            return pd.DataFrame(dict(source))
        except ValueError as exc:
            raise error(f"Could not build a {what} table from the mapping: {exc}") from exc
    if isinstance(source, Sequence) and not isinstance(source, (bytes, bytearray)):
        if len(source) == 0:
            raise error(f"The {what} table is empty: pass at least one {item}.")
        return pd.DataFrame(list(source))
    raise error(
        f"Cannot make a {what} table from a {type(source).__name__}: pass a DataFrame, a file path, "
        "a dict of columns or a list of dicts."
    )


def rename_columns(df: pd.DataFrame, columns: Mapping[str, str] | None, aliases: Mapping[str, Sequence[str]] = _ALIASES,
                   error: type[Exception] = MissingColumnsError) -> pd.DataFrame:
    """``df`` with the explicit renames ``columns`` applied, then each canonical column of ``aliases`` that is
    absent taken from the one column spelled like it (case, spaces, dashes and underscores aside); ``error`` names a rename
    of a column the table lacks. Shared by :func:`load_runs` and :func:`workbench.testtime.load_counts`."""
    if columns:
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise error(
                f"columns= renames {missing}, but the table has no such columns. "
                f"Its columns are: {list(df.columns)}."
            )
        df = df.rename(columns=dict(columns))
    present = set(df.columns)
    renames = {}
    for canonical, spellings in aliases.items():
        if canonical in present:
            continue
        hits = [c for c in df.columns if c not in renames and _norm(c) in spellings and c not in aliases]
        if len(hits) == 1:
            renames[hits[0]] = canonical
    return df.rename(columns=renames)


def derive_columns(df: pd.DataFrame) -> list[str]:
    """Fill ``C = 6ND`` or ``D = C / (6N)`` in place where one is missing; return what was derived."""
    derived = []
    cols = set(df.columns)
    if "C" not in cols and {"N", "D"} <= cols:
        df["C"] = 6.0 * df["N"] * df["D"]
        derived.append("C")
    elif "D" not in cols and {"N", "C"} <= cols:
        df["D"] = df["C"] / (6.0 * df["N"])
        derived.append("D")
    return derived


def validate_runs(
    df: pd.DataFrame,
    require: Sequence[str] = ("N", "D", "loss"),
    *,
    on_duplicates: str = "raise",
    positive: Sequence[str] = POSITIVE_COLUMNS,
) -> pd.DataFrame:
    """Check a runs table and return a clean copy.

    Parameters
    ----------
    df : DataFrame
        Runs, one per row, with canonical column names.
    require : sequence of str
        Columns the caller needs (after deriving ``C`` or ``D``).
    on_duplicates : {"raise", "drop", "keep"}
        What to do with rows that repeat another row exactly.
    positive : sequence of str
        Columns that must be strictly positive where present.

    Raises
    ------
    MissingColumnsError
        A required column is absent.
    RunsError
        Non-numeric, NaN, infinite or non-positive values, or duplicate rows;
        the message names each column and the rows at fault.
    """
    if on_duplicates not in ("raise", "drop", "keep"):
        raise RunsError(f"on_duplicates must be 'raise', 'drop' or 'keep', not {on_duplicates!r}.")
    df = df.copy()
    if len(df) == 0:
        raise RunsError("The runs table has no rows: add at least one run.")
    dup_cols = [c for c in df.columns if pd.Series(df.columns).eq(c).sum() > 1]
    if dup_cols:
        raise RunsError(f"Column names repeat: {sorted(set(dup_cols))}. Rename them so each is unique.")

    problems: list[str] = []
    for col in [c for c in df.columns if c in NUMERIC_COLUMNS or column_info(c) is not None]:
        raw = df[col]
        kind = _wrong_kind(raw)
        if kind:
            problems.append(f"column {col!r} holds {kind}; it must hold numbers ({column_info(col).unit}).")
            continue
        values = pd.to_numeric(raw, errors="coerce")
        if values.dtype.kind not in "iuf":
            problems.append(f"column {col!r} holds {values.dtype} values; it must hold real numbers.")
            continue
        was_missing = raw.isna()
        bad_text = values.isna() & ~was_missing
        if bad_text.any():
            examples = ", ".join(repr(v) for v in raw[bad_text].head(3))
            problems.append(
                f"column {col!r} has non-numeric values ({examples}) in rows {_rows(df.index[bad_text])}; "
                "fix or remove those rows."
            )
        df[col] = values.astype(float)
        nan = was_missing.to_numpy()
        if nan.any():
            problems.append(f"column {col!r} is missing (NaN) in rows {_rows(df.index[nan])}; fill or drop those rows.")
        arr = df[col].to_numpy()
        inf = np.isinf(arr)
        if inf.any():
            problems.append(f"column {col!r} is infinite in rows {_rows(df.index[inf])}; those values must be finite.")
        huge = np.isfinite(arr) & (np.abs(arr) > MAX_MAGNITUDE)
        if huge.any():
            examples = ", ".join(f"{v:g}" for v in arr[huge][:3])
            problems.append(
                f"column {col!r} is {examples} in rows {_rows(df.index[huge])}: beyond {MAX_MAGNITUDE:g}, "
                f"{_why_bound(col)} (check the units)."
            )
        if col in positive:
            nonpos = np.isfinite(arr) & (arr <= 0)
            if nonpos.any():
                examples = ", ".join(f"{v:g}" for v in arr[nonpos][:3])
                problems.append(
                    f"column {col!r} must be > 0 but is {examples} in rows {_rows(df.index[nonpos])}; "
                    "sizes, compute and losses are positive (check the units)."
                )
        else:
            kind = column_info(col).kind
            if kind in ("nonnegative", "index", "fraction"):
                neg = np.isfinite(arr) & (arr < 0)
                if neg.any():
                    problems.append(f"column {col!r} is negative in rows {_rows(df.index[neg])}.")
            if kind == "fraction":
                over = np.isfinite(arr) & (arr > 1)
                if over.any():
                    problems.append(
                        f"column {col!r} holds proportions (0 to 1) but exceeds 1 in rows {_rows(df.index[over])}; "
                        "give fractions, not percentages."
                    )
            if kind == "index":
                frac = np.isfinite(arr) & (arr != np.round(arr))
                if frac.any():
                    problems.append(f"column {col!r} numbers outputs (0, 1, ...) but is not a whole number in rows "
                                    f"{_rows(df.index[frac])}.")
    if problems:
        raise RunsError("The runs table has bad values:\n  - " + "\n  - ".join(problems))

    derive_columns(df)
    missing = [c for c in require if c not in df.columns]
    if missing:
        hint = ""
        if "D" in missing and "C" not in df.columns:
            hint = " Give tokens as 'D' (or give compute 'C' together with 'N', and D = C/(6N) is derived)."
        for want in missing:
            close = difflib.get_close_matches(want.lower(), [str(c).lower() for c in df.columns if c not in CANONICAL_COLUMNS],
                                              n=1, cutoff=0.6)
            if close:
                name = next(c for c in df.columns if str(c).lower() == close[0])
                hint += f" Is {name!r} meant to be {want!r}?"
        raise MissingColumnsError(
            f"The runs table needs column(s) {missing} but has {list(df.columns)}.{hint} "
            "Rename your columns, e.g. load_runs(df, columns={'params': 'N', 'tokens': 'D', 'val_loss': 'loss'})."
        )

    hashable = df.apply(lambda s: s.map(repr) if s.dtype == object else s)
    dup = hashable.duplicated(keep="first").to_numpy()
    if dup.any():
        if on_duplicates == "raise":
            first = hashable.duplicated(keep=False).to_numpy()
            raise RunsError(
                f"Rows {_rows(df.index[dup])} repeat earlier rows exactly (all repeated rows: "
                f"{_rows(df.index[first])}). Remove the copies, or pass on_duplicates='drop'."
            )
        if on_duplicates == "drop":
            df = df.loc[~dup]

    ordered = [c for c in CANONICAL_COLUMNS if c in df.columns]
    return df[ordered + [c for c in df.columns if c not in ordered]]


def load_runs(
    source,
    *,
    columns: Mapping[str, str] | None = None,
    require: Sequence[str] = ("N", "D", "loss"),
    on_duplicates: str = "raise",
) -> pd.DataFrame:
    """Load runs from a DataFrame, a CSV/TSV/Parquet/JSON file, a dict or a list of dicts.

    Column names are matched to the canonical ones (``N``, ``D``, ``C``, ``loss``, ``U``,
    ``step``, ``lr``, ``batch``) case-insensitively, also from common spellings such as
    ``params``, ``tokens``, ``flops`` or ``val_loss``; ``columns`` renames explicitly.
    ``C = 6ND`` is derived when absent, ``D = C/(6N)`` when tokens are absent.

    Parameters
    ----------
    source : DataFrame, path, mapping or sequence of mappings
    columns : mapping, optional
        Explicit renames, e.g. ``{"Model Size": "N"}``.
    require : sequence of str
        Columns that must be present after renaming and deriving.
    on_duplicates : {"raise", "drop", "keep"}

    Returns
    -------
    DataFrame
        The validated runs table (a copy; the input is never modified).

    Examples
    --------
    >>> import workbench as wb
    >>> runs = wb.load_runs({"params": [1e8, 1e9], "tokens": [2e9, 2e10], "loss": [3.2, 2.7]})
    >>> list(runs.columns)
    ['N', 'D', 'C', 'loss']
    """
    df = as_frame(source)
    df.columns = [str(c).strip() for c in df.columns]
    df = rename_columns(df, columns)
    return validate_runs(df, require=require, on_duplicates=on_duplicates)


def stack_outputs(table: pd.DataFrame, columns: Sequence[str], target: str = "loss") -> pd.DataFrame:
    """One row per (row of ``table``, output): the layout multi-output laws are fitted on.

    ``columns`` are the target columns of a wide table (e.g. the loss on each of
    five domains); the result repeats every other column once per output and
    adds ``output`` (the output's number, 0, 1, ...) and ``target`` (its value).

    Examples
    --------
    >>> t = pd.DataFrame({"mix_a": [0.2, 0.7], "mix_b": [0.8, 0.3], "loss_a": [3.1, 2.9], "loss_b": [2.0, 2.4]})
    >>> stack_outputs(t, ["loss_a", "loss_b"])[["mix_a", "output", "loss"]].values.tolist()
    [[0.2, 0.0, 3.1], [0.7, 0.0, 2.9], [0.2, 1.0, 2.0], [0.7, 1.0, 2.4]]
    """
    columns = list(columns)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise MissingColumnsError(f"stack_outputs: the table has no column(s) {missing}; its columns are {list(table.columns)}.")
    if target in table.columns and target not in columns:
        raise RunsError(f"stack_outputs: the table already has a column {target!r}; choose another target= name.")
    rest = table.drop(columns=columns)
    parts = []
    for i, c in enumerate(columns):
        part = rest.copy()
        part["output"] = float(i)
        part[target] = table[c].to_numpy()
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
