"""Build a registered file from the upstream file it was reshaped from.

Some mirrored tables are reshaped from an upstream file rather than copied
byte for byte. Each function here rebuilds one of them from the pinned
upstream download; the result must then match the registry's sha256.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

__all__ = ["DERIVERS", "datablations_points"]


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def datablations_points(notebook: Path, target: Path) -> None:
    """Rows ``name params tokens unique_tokens val_loss`` printed by the data-loading cell of
    ``utils/parametric_fit.ipynb`` (huggingface/datablations), written as CSV."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    rows = None
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        lines = []
        for out in cell.get("outputs", []):
            text = out.get("text", [])
            lines.extend("".join(text).splitlines() if isinstance(text, list) else str(text).splitlines())
        found = []
        for line in lines:
            parts = line.split()
            if len(parts) == 5 and all(_is_number(p) for p in parts[1:]):
                found.append(parts)
        if found:
            rows = found
            break
    if not rows:
        raise ValueError("no printed data points found in the notebook")
    with open(target, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)  # the published table uses CRLF line ends, csv's default
        writer.writerow(["name", "params", "tokens", "unique_tokens", "val_loss"])
        writer.writerows(rows)


DERIVERS = {"datablations_points": datablations_points}
