"""The table of registered public datasets, from the registry (``workbench/data/datasets.json``)."""

from __future__ import annotations

from pathlib import Path

from . import write_if_changed


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


def write(path: Path) -> None:
    from workbench.data import get_dataset, list_datasets

    lines = [".. This file is generated from the dataset registry at build time.", ""]
    for name in list_datasets():
        ds = get_dataset(name)
        total = sum(f.size for f in ds.files)
        title = f"``{name}``: {ds.title}"
        lines += [
            f".. _dataset-{name}:", "", title, "~" * len(title), "", ds.description, "",
            ".. list-table::", "   :widths: 20 80", "   :class: wb-dataset", "",
            "   * - load it", f"     - ``wb.load_dataset(\"{name}\")``",
            "   * - source", f"     - `{ds.repository} <{ds.address}>`__ at commit ``{ds.commit}``",
            "   * - licence", f"     - {ds.licence}",
            "   * - cite", f"     - {ds.citation}",
            "   * - files", f"     - {len(ds.files)} ({_size(total)}), each pinned by sha256: "
            + ", ".join(f"``{f.path}``" for f in ds.files[:6]) + (f" and {len(ds.files) - 6} more" if len(ds.files) > 6 else ""),
            "",
        ]
    write_if_changed(path, "\n".join(lines) + "\n")
