"""``shapecheck summary --static FILE.py[:Class(args)]``: the table of a plain torch.nn class read from
its source, nothing imported or run, compared with the same class built and run by torch."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
import torch

from shapecheck.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "cifar_net.py"


def _fixed(tmp_path: Path, features: str = "16 * 5 * 5") -> Path:
    """examples/cifar_net.py with its first Linear taking ``features``."""
    text = EXAMPLE.read_text()
    mistake = re.search(r"nn\.Linear\(16 \* 4 \* 4, 120\)", text)
    assert mistake is not None
    path = tmp_path / "net.py"
    path.write_text(text[: mistake.start()] + f"nn.Linear({features}, 120)" + text[mistake.end() :])
    return path


def _summary(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["summary", "--static", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def _figure(out: str, label: str) -> int:
    found = re.search(rf"^{label}:\s+([\d,]+)", out, re.M)
    assert found is not None, out
    return int(found[1].replace(",", ""))


def test_the_table_of_a_torch_class_equals_torch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _fixed(tmp_path)
    status, out, err = _summary(capsys, str(path), "--bind", "B=4", "H=32", "W=32")
    assert status == 0, err
    net = runpy.run_path(str(path), run_name="model")["Net"]()
    with torch.no_grad():
        y = net(torch.randn(4, 3, 32, 32))
    assert "read from source, nothing run" in out
    assert _figure(out, "Total params") == sum(p.numel() for p in net.parameters()) == 62006
    assert re.search(r"^Output shape:\s+\(4, 10\)$", out, re.M) and tuple(y.shape) == (4, 10)
    rows = [line.split()[0] for line in out.splitlines() if re.match(r"\[\d+\]", line)]
    assert rows == ["[0]", "[1]", "[2]", "[3]", "[4]", "[5]", "[6]", "[7]"]


def test_constructor_arguments_in_the_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mlp.py"
    path.write_text(
        "import torch.nn as nn\n\n\n"
        "class MLP(nn.Module):\n"
        "    def __init__(self, width, depth=2):\n"
        "        super().__init__()\n"
        "        self.layers = nn.Sequential(*[nn.Linear(width, width) for _ in range(depth)])\n\n"
        "    def forward(self, x):\n"
        "        return self.layers(x)\n"
    )
    status, _, err = _summary(capsys, f"{path}:MLP(10, depth=3)")
    assert status == 2 and "its input (..., 10) has a rank its first layer leaves open" in err and "--input B 10" in err
    status, out, err = _summary(capsys, f"{path}:MLP(10, depth=3)", "--input", "B", "10")
    assert status == 0, err
    mlp = runpy.run_path(str(path), run_name="model")["MLP"](10, depth=3)
    assert _figure(out, "Total params") == sum(p.numel() for p in mlp.parameters()) == 330


def test_a_class_that_needs_arguments_says_how_to_give_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mlp.py"
    path.write_text("import torch.nn as nn\n\n\nclass MLP(nn.Module):\n    def __init__(self, width):\n        super().__init__()\n        self.fc = nn.Linear(width, width)\n\n    def forward(self, x):\n        return self.fc(x)\n")
    status, _, err = _summary(capsys, str(path))
    assert status == 2
    assert err.endswith(f"{path} defines no model that can be built without arguments (classes that take arguments: MLP(width)): give them in the target, e.g. {path}:'MLP(...)'\n"), err


def test_the_mistake_is_the_error_at_its_forward_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _summary(capsys, str(EXAMPLE))
    assert status == 1
    text = out + err
    assert "cifar_net.py:32: Linear expects 256 input features, got 400" in text
    assert "fix: Linear(400, 120)" in text
