"""Maintainer tool: write the sha256 manifest of a dataset from a local mirror.

Usage::

    python -m workbench.data.manifest MIRROR_DIR DATASET [DATASET ...]

It updates ``workbench/data/datasets.json`` with the sha256 and size of each
file the dataset's entry lists (``include`` patterns, relative to the
dataset's folder in the mirror). Users never need this; the registry it
writes is how every download and mirror read is verified.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

REGISTRY_FILE = Path(__file__).with_name("datasets.json")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def update(mirror: Path, names: list[str]) -> None:
    registry = json.loads(REGISTRY_FILE.read_text())
    for name in names:
        entry = registry[name]
        folder = mirror / entry.get("folder", name)
        files = []
        for pattern in entry["include"]:
            for path in sorted(folder.glob(pattern)):
                if path.is_file():
                    rel = path.relative_to(folder).as_posix()
                    files.append({"path": rel, "sha256": sha256_of(path), "size": path.stat().st_size})
        if not files:
            raise SystemExit(f"No files under {folder} match {entry['include']}")
        entry["files"] = files
        print(f"{name}: {len(files)} files")
    REGISTRY_FILE.write_text(json.dumps(registry, indent=1, sort_keys=False) + "\n")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mirror", type=Path)
    ap.add_argument("datasets", nargs="+")
    args = ap.parse_args(argv)
    update(args.mirror, args.datasets)


if __name__ == "__main__":
    main()
