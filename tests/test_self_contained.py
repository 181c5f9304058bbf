"""The tests run in a clone with nothing beside it: every figure they compare with is in the repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCAL = shutil.ignore_patterns(".git", ".venv", "venv", "__pycache__", "*.egg-info", ".mypy_cache", ".pytest_cache")


def test_the_suite_runs_in_a_copy_with_nothing_beside_it(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=LOCAL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clone"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only"],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "error" not in done.stdout.splitlines()[-1]
    # the zoo and the counter read the published figures when collected; this test reads them when run
    published = "tests/test_attention.py::test_vit_b_16_equals_torchvision_published_figures"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", published],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:]
