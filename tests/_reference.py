"""torchvision's published figures (``tests/reference/torchvision.tsv``, its header cites the source), by model name."""

from __future__ import annotations

import csv
from pathlib import Path

TORCHVISION = Path(__file__).parent / "reference" / "torchvision.tsv"


def torchvision() -> dict[str, dict[str, str]]:
    """Each row of the table (``num_params``, ``gmacs``, ``resolution``, ``min_size``) under its ``model``."""
    with TORCHVISION.open() as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        return {row["model"]: row for row in rows}
