"""Registry of public datasets: where each file lives upstream, its sha256, licence and citation.

Files are fetched on first use into a user cache (``WORKBENCH_CACHE``, else the
platform cache folder) with :mod:`pooch`, and every byte is checked against
the sha256 pinned in ``datasets.json``. When ``WORKBENCH_DATA_MIRROR`` points
at a local copy laid out as ``MIRROR/<dataset>/<file>`` (CI and tests use
``../shared/data``), files are read from there instead, after the same check.
Nothing touches the network at import time.
"""

from __future__ import annotations

import functools
import json
import os
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import DatasetError, DatasetHashError, DatasetOfflineError, UnknownNameError
from .manifest import REGISTRY_FILE, sha256_of

__all__ = ["Dataset", "DataFile", "get_dataset", "list_datasets", "load_dataset", "dataset_dir", "cache_dir", "register_loader"]

MIRROR_ENV = "WORKBENCH_DATA_MIRROR"
CACHE_ENV = "WORKBENCH_CACHE"
OFFLINE_ENV = "WORKBENCH_OFFLINE"


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset: its path in the dataset folder, pinned hash and upstream address."""

    path: str
    sha256: str
    size: int
    url: str
    derive: str | None = None  # name of a function that builds this file from the downloaded upstream file


@dataclass(frozen=True)
class Dataset:
    """A registered public dataset."""

    name: str
    title: str
    description: str
    repository: str
    commit: str
    licence: str
    citation: str
    files: tuple[DataFile, ...] = field(repr=False)

    @property
    def address(self) -> str:
        """The repository pinned to its commit."""
        return f"https://github.com/{self.repository}/tree/{self.commit}"

    def describe(self) -> str:
        return (
            f"{self.name}: {self.title}\n  {self.description}\n  source: {self.address}\n"
            f"  licence: {self.licence}\n  cite: {self.citation}\n  files: {len(self.files)}"
        )

    def _repr_html_(self) -> str:
        import html

        return (
            f"<b>{html.escape(self.title)}</b> (<code>{self.name}</code>)<br>{html.escape(self.description)}<br>"
            f"source: <a href='{self.address}'>{self.repository}@{self.commit[:10]}</a> &middot; "
            f"licence: {html.escape(self.licence)}<br>cite: {html.escape(self.citation)}"
        )


def _raw_url(repository: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repository}/{commit}/{urllib.parse.quote(path)}"


@functools.lru_cache(maxsize=1)
def _registry() -> dict[str, Dataset]:
    raw = json.loads(REGISTRY_FILE.read_text())
    out = {}
    for name, e in raw.items():
        files = []
        for f in e.get("files", []):
            upstream = e.get("upstream_paths", {}).get(f["path"], e.get("upstream_prefix", "") + f["path"])
            files.append(
                DataFile(
                    path=f["path"],
                    sha256=f["sha256"],
                    size=int(f["size"]),
                    url=_raw_url(e["repository"], e["commit"], upstream),
                    derive=e.get("derived", {}).get(f["path"]),
                )
            )
        out[name] = Dataset(
            name=name,
            title=e["title"],
            description=e["description"],
            repository=e["repository"],
            commit=e["commit"],
            licence=e["licence"],
            citation=e["citation"],
            files=tuple(files),
        )
    return out


def list_datasets() -> list[str]:
    """Names of the registered datasets."""
    return sorted(_registry())


def get_dataset(name: str) -> Dataset:
    """The registry entry of dataset ``name``: source pinned to a commit, licence, citation, files and hashes."""
    reg = _registry()
    if name not in reg:
        raise UnknownNameError(f"No dataset named {name!r}. Registered datasets: {', '.join(sorted(reg))}.")
    return reg[name]


def cache_dir() -> Path:
    """Folder where downloaded datasets are kept (``WORKBENCH_CACHE`` or the platform cache)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    import pooch

    return Path(pooch.os_cache("scaling-workbench"))


@functools.lru_cache(maxsize=4096)
def _verified(path: str, mtime_ns: int, size: int, sha256: str) -> bool:
    return sha256_of(Path(path)) == sha256


def _check(path: Path, f: DataFile, where: str) -> None:
    st = path.stat()
    if not _verified(str(path), st.st_mtime_ns, st.st_size, f.sha256):
        raise DatasetHashError(
            f"{where} file {str(path)!r} does not match its pinned sha256 ({f.sha256[:16]}...): it is corrupt or "
            "a different version. Delete it (or fix the mirror) and load again."
        )


def _derivers() -> dict[str, Callable[[Path, Path], None]]:
    from . import derive

    return derive.DERIVERS


def _download(ds: Dataset, f: DataFile, target: Path) -> None:
    if os.environ.get(OFFLINE_ENV):
        raise DatasetOfflineError(
            f"Dataset {ds.name!r} is not in the cache ({target.parent}) and {OFFLINE_ENV} is set, so it will not be "
            f"downloaded from {f.url}. Unset {OFFLINE_ENV}, or set {MIRROR_ENV} to a local mirror of the data."
        )
    import pooch

    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        if f.derive:
            upstream = pooch.retrieve(f.url, known_hash=None, path=target.parent / ".upstream", fname=Path(f.url).name, progressbar=False)
            tmp = target.with_suffix(target.suffix + ".part")
            _derivers()[f.derive](Path(upstream), tmp)
            if sha256_of(tmp) != f.sha256:
                tmp.unlink(missing_ok=True)
                raise DatasetHashError(
                    f"The file built from {f.url} does not match the pinned sha256 of {f.path!r}: the upstream file "
                    "changed or could not be parsed. Report this, or use a mirror (WORKBENCH_DATA_MIRROR)."
                )
            tmp.replace(target)
        else:
            pooch.retrieve(f.url, known_hash=f"sha256:{f.sha256}", path=target.parent, fname=target.name, progressbar=False)
    except DatasetError:
        raise
    except ValueError as exc:  # pooch raises ValueError on hash mismatch
        raise DatasetHashError(f"Downloaded {f.url} but its sha256 does not match the registry: {exc}") from exc
    except Exception as exc:  # network errors come from requests / urllib in many shapes
        raise DatasetOfflineError(
            f"Could not download dataset {ds.name!r} file {f.path!r} from {f.url} ({type(exc).__name__}: {exc}). "
            f"You seem to be offline and {MIRROR_ENV} is not set: connect to the internet, or set {MIRROR_ENV} "
            "to a folder holding a mirror of the data (laid out as MIRROR/<dataset>/<file>)."
        ) from exc


def dataset_dir(name: str) -> Path:
    """Folder holding every file of dataset ``name``, verified by sha256 (download on first use)."""
    ds = get_dataset(name)
    mirror = os.environ.get(MIRROR_ENV)
    if mirror:
        root = Path(mirror).expanduser() / name
        if not root.is_dir():
            raise DatasetError(
                f"{MIRROR_ENV}={mirror!r} has no folder {name!r}: point it at a mirror laid out as "
                "MIRROR/<dataset>/<file>, or unset it to download."
            )
        for f in ds.files:
            p = root / f.path
            if not p.is_file():
                raise DatasetError(f"The mirror {str(root)!r} lacks {f.path!r} of dataset {name!r}.")
            _check(p, f, "Mirrored")
        return root
    root = cache_dir() / name
    for f in ds.files:
        p = root / f.path
        if p.is_file():
            try:
                _check(p, f, "Cached")
                continue
            except DatasetHashError:
                p.unlink()
        _download(ds, f, p)
        _check(p, f, "Downloaded")
    return root


_LOADERS: dict[str, Callable[..., pd.DataFrame]] = {}


def register_loader(name: str):
    """Decorator: register ``func(folder: Path, **options) -> DataFrame`` as the reader of a dataset."""

    def deco(func):
        _LOADERS[name] = func
        return func

    return deco


def load_dataset(name: str, **options) -> pd.DataFrame:
    """Load a registered dataset as a table (a runs table where the data are runs).

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`: ``"chinchilla"``, ``"overtraining"``,
        ``"datablations"``, ...
    **options
        Dataset-specific options (see each loader's docstring in
        :mod:`workbench.data.datasets`).

    Notes
    -----
    Downloads into :func:`cache_dir` on first use and checks each file's sha256;
    reads ``WORKBENCH_DATA_MIRROR`` instead when it is set. Offline with no
    mirror, raises :class:`~workbench.errors.DatasetOfflineError`.
    """
    from . import datasets  # noqa: F401  (registers the loaders)

    ds = get_dataset(name)
    if name not in _LOADERS:
        raise DatasetError(f"Dataset {name!r} is registered but has no reader yet; use dataset_dir({name!r}) for its files.")
    folder = dataset_dir(name)
    df = _LOADERS[name](folder, **options)
    df.attrs["dataset"] = name
    df.attrs["citation"] = ds.citation
    return df
