"""dmypy with the plugin: editing a layer line makes its error appear, undoing the edit makes it go.

dmypy notices an edit by mtime in whole seconds (and size), so each edit also moves the file's
mtime forward by whole seconds instead of sleeping.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DMYPY = Path(sys.executable).with_name("dmypy")

MODEL = """from shapecheck import nn

model = nn.Sequential(
    nn.Input("B", 3, 32, 32),
    nn.Conv2d(3, 16, 3, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 32, 3, padding=1),
    nn.Flatten(),
    nn.Linear(32 * 32 * 32, 10),
)
"""


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    if not DMYPY.exists():
        pytest.skip("dmypy is not installed beside this Python")
    (tmp_path / "mypy.ini").write_text(f"[mypy]\nplugins = shapecheck.mypy\nmypy_path = {ROOT}\n")
    status = ["--status-file", str(tmp_path / "dmypy.json")]
    yield tmp_path, status
    subprocess.run([str(DMYPY), *status, "stop"], cwd=tmp_path, capture_output=True, timeout=60)


def _check(tmp: Path, status: list[str]) -> str:
    args = [str(DMYPY), *status, "run", "--timeout", "120", "--", "--config-file", "mypy.ini", "--show-column-numbers", "model.py"]
    done = subprocess.run(args, cwd=tmp, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1) and "INTERNAL ERROR" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done.stdout


def _write(path: Path, text: str, tick: int) -> None:
    path.write_text(text)
    stamp = int(path.stat().st_mtime) + 2 * tick
    os.utime(path, (stamp, stamp))


def test_dmypy_error_appears_and_disappears(daemon: tuple[Path, list[str]]) -> None:
    tmp, status = daemon
    model = tmp / "model.py"
    _write(model, MODEL, 0)
    assert "error" not in _check(tmp, status)
    _write(model, MODEL.replace("nn.Conv2d(16, 32, 3", "nn.Conv2d(8, 32, 3"), 1)
    out = _check(tmp, status)
    assert "model.py:7:5: error: Conv2d expects 8 input channels, got 16  [shape]" in out, out
    _write(model, MODEL, 2)
    assert "error" not in _check(tmp, status)


UNANNOTATED = """import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 8 * 8, 10)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(F.relu(self.conv(x)), 8)
        return self.fc(x.flatten(1))
"""


def test_dmypy_follows_an_unannotated_module_edit_by_edit(daemon: tuple[Path, list[str]]) -> None:
    """The forward interpreter runs where mypy checks nothing (an unannotated forward), also in the daemon."""
    tmp, status = daemon
    (tmp / "mypy.ini").write_text(f"[mypy]\nplugins = shapecheck.mypy\nmypy_path = {ROOT / 'shapecheck' / 'stubs'},{ROOT}\n")
    model = tmp / "model.py"
    _write(model, UNANNOTATED, 0)
    assert "error" not in _check(tmp, status)
    _write(model, UNANNOTATED.replace("nn.Linear(16 * 8 * 8", "nn.Linear(16 * 7 * 7"), 1)
    out = _check(tmp, status)
    assert "model.py:13:16: error: Linear expects 784 input features, got 1024  [shape]" in out, out
    _write(model, UNANNOTATED, 2)
    assert "error" not in _check(tmp, status)
