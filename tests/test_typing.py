"""The package itself passes ``mypy --strict``."""

from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[1]


def test_package_passes_mypy_strict() -> None:
    out, err, status = api.run(["--strict", "--no-incremental", str(ROOT / "shapecheck")])
    assert status == 0, out + err
