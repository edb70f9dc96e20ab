"""Registry of public datasets: where each file lives upstream, its sha256, licence and citation.

Files are fetched on first use into a user cache (``WORKBENCH_CACHE``, else the
platform cache folder) with :mod:`pooch`, and every byte is checked against
the sha256 pinned in ``datasets.json``. When ``WORKBENCH_DATA_MIRROR`` points
at a local copy laid out as ``MIRROR/<dataset>/<file>`` (CI and tests use
``../shared/data``), files are read from there instead, after the same check.
Nothing touches the network at import time.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import posixpath
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import DatasetError, DatasetHashError, DatasetOfflineError, UnknownNameError
from .manifest import REGISTRY_FILE, sha256_of

__all__ = [
    "Dataset", "DataFile", "PinnedFolder", "get_dataset", "list_datasets", "load_dataset", "dataset_dir",
    "dataset_files", "cache_dir", "register_loader", "datasets_used",
]

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
    folder: str = ""  # folder of the mirror and cache holding the files (several datasets may share one); the name when empty

    @property
    def folder_name(self) -> str:
        return self.folder or self.name

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
            folder=e.get("folder", ""),
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


#: Datasets read in this process: name -> {file path in the dataset: sha256} (see :func:`datasets_used`).
_USED: dict[str, dict[str, str]] = {}


def datasets_used() -> dict[str, dict[str, str]]:
    """The datasets this process has read so far, each file with its pinned (and verified) sha256.

    Reports print it in their header, so a reader knows exactly which data the numbers come from.
    """
    return {k: dict(v) for k, v in _USED.items()}


def dataset_dir(name: str) -> Path:
    """Folder holding every file of dataset ``name``, verified by sha256 (download on first use)."""
    root = _verified_dir(name)
    ds = get_dataset(name)
    _USED.setdefault(ds.name, {}).update({f.path: f.sha256 for f in ds.files})
    return root


def _verified_dir(name: str) -> Path:
    ds = get_dataset(name)
    mirror = os.environ.get(MIRROR_ENV)
    if mirror:
        root = Path(mirror).expanduser() / ds.folder_name
        if not root.is_dir():
            raise DatasetError(
                f"{MIRROR_ENV}={mirror!r} has no folder {ds.folder_name!r}: point it at a mirror laid out as "
                "MIRROR/<dataset>/<file>, or unset it to download."
            )
        for f in ds.files:
            p = root / f.path
            if not p.is_file():
                raise DatasetError(f"The mirror {str(root)!r} lacks {f.path!r} of dataset {name!r}.")
            _check(p, f, "Mirrored")
        return root
    root = cache_dir() / ds.folder_name
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


class PinnedFolder(os.PathLike):
    """A dataset's verified folder that shows only the files its manifest pins.

    Readers receive one of these instead of a bare folder, so a file dropped into
    a mirror or the download cache beside the pinned ones is never read:
    ``folder / "a.csv"`` gives the path of a pinned file (and raises
    :class:`~workbench.errors.DatasetError` for any other name), ``folder / "sub"``
    a view of a sub-folder, and :meth:`glob` / :meth:`rglob` match pinned files only.

    Parameters
    ----------
    root : Path
        The dataset's folder (every pinned file in it already checked by sha256).
    pinned : sequence of str
        The manifest's paths, relative to ``root``, with ``/`` separators.
    name : str
        The dataset's name, for messages.
    """

    def __init__(self, root: Path, pinned, name: str, _prefix: str = ""):
        self.root = Path(root)
        self.name = name
        self._pinned = tuple(sorted(pinned))
        self._prefix = _prefix

    @property
    def path(self) -> Path:
        """The real folder this view stands for."""
        return self.root / self._prefix if self._prefix else self.root

    def __fspath__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return f"PinnedFolder({str(self.path)!r}, {len(self._below())} pinned files)"

    def _below(self) -> list[str]:
        lead = self._prefix + "/" if self._prefix else ""
        return [p[len(lead):] for p in self._pinned if p.startswith(lead)]

    def __truediv__(self, part) -> Path | PinnedFolder:
        rel = posixpath.normpath(posixpath.join(self._prefix, Path(part).as_posix()))
        if rel in self._pinned:
            return self.root / rel
        if any(p.startswith(rel + "/") for p in self._pinned):
            return PinnedFolder(self.root, self._pinned, self.name, rel)
        raise DatasetError(
            f"{rel!r} is not a file of dataset {self.name!r}: its manifest (workbench/data/datasets.json) pins "
            f"{len(self._pinned)} files, and only those are read."
        )

    def glob(self, pattern: str) -> list[Path]:
        """Pinned files directly in this folder whose names match ``pattern`` (sorted)."""
        return [self.path / rel for rel in self._below() if "/" not in rel and fnmatch.fnmatchcase(rel, pattern)]

    def rglob(self, pattern: str) -> list[Path]:
        """Pinned files anywhere below this folder whose names match ``pattern`` (sorted)."""
        return [self.path / rel for rel in self._below() if fnmatch.fnmatchcase(posixpath.basename(rel), pattern)]


def dataset_files(name: str) -> PinnedFolder:
    """The verified folder of dataset ``name`` as a :class:`PinnedFolder`: pinned files only."""
    root = dataset_dir(name)
    return PinnedFolder(root, [f.path for f in get_dataset(name).files], name)


_LOADERS: dict[str, Callable[..., pd.DataFrame]] = {}


def register_loader(name: str):
    """Decorator: register ``func(folder: PinnedFolder, **options) -> DataFrame`` as the reader of a dataset.

    The reader is handed a :class:`PinnedFolder`: it can open the files the
    dataset's manifest pins (each checked by sha256) and nothing else.
    """

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
    reads ``WORKBENCH_DATA_MIRROR`` instead when it is set. Only the files the
    manifest pins are read; anything else in the mirror or cache folder is
    ignored. Offline with no
    mirror, raises :class:`~workbench.errors.DatasetOfflineError`.
    """
    from . import datasets, sldbench  # noqa: F401  (registers the loaders)

    ds = get_dataset(name)
    if name not in _LOADERS:
        raise DatasetError(f"Dataset {name!r} is registered but has no reader yet; use dataset_dir({name!r}) for its files.")
    df = _LOADERS[name](dataset_files(name), **options)
    df.attrs["dataset"] = name
    df.attrs["citation"] = ds.citation
    return df
