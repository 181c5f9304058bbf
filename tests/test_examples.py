"""Each example runs as a user runs it (``python examples/x.py`` from the repo root) and shows its facts."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"


@cache
def run(name: str) -> str:
    """The example's standard output; it must exit with 0 and print nothing on stderr."""
    done = subprocess.run(
        [sys.executable, str(Path("examples") / name)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def row(output: str, path: str) -> list[str]:
    """The cells of the summary row whose path column is ``path``."""
    for line in output.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) > 1 and cells[1] == path:
            return cells
    raise AssertionError(f"no summary row for {path}")


def line_of(name: str, text: str) -> int:
    """The 1-based line of ``examples/name`` holding ``text``; exactly one must."""
    lines = [i for i, line in enumerate((EXAMPLES / name).read_text().splitlines(), 1) if text in line]
    assert len(lines) == 1, lines
    return lines[0]


def test_every_example_is_tested() -> None:
    tested = {"vgg16.py", "alexnet.py", "cifar_vgg_bug.py", "symbolic.py", "cifar_net.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_vgg16_breakdown() -> None:
    out = run("vgg16.py")
    expected = {
        "features.0": ("(1, 64, 224, 224)", "1,792"),
        "features.2": ("(1, 64, 224, 224)", "36,928"),
        "features.28": ("(1, 512, 14, 14)", "2,359,808"),
        "avgpool": ("(1, 512, 7, 7)", "0"),
        "flatten": ("(1, 25088)", "0"),
        "classifier.0": ("(1, 4096)", "102,764,544"),
        "classifier.3": ("(1, 4096)", "16,781,312"),
        "classifier.6": ("(1, 1000)", "4,097,000"),
    }
    for path, (shape, params) in expected.items():
        cells = row(out, path)
        assert cells[2:4] == [shape, params], cells
    assert re.search(r"Total params:\s+138,357,544", out)
    assert re.search(r"Total MACs:\s+15,470,264,320\b", out)
    assert "15,483,821,032" in out
    assert "MACs for a batch of B:  15470264320*B" in out
    assert out.count("138,357,544") >= 2


def test_alexnet_counts() -> None:
    out = run("alexnet.py")
    assert row(out, "features.0")[2:4] == ["(1, 64, 55, 55)", "23,296"]
    assert row(out, "features.12")[2] == "(1, 256, 6, 6)"
    assert re.search(r"Total params:\s+61,100,840", out)
    assert re.search(r"Total MACs:\s+714,188,480\b", out)
    assert "input conditions: H >= 63, W >= 63" in out


def test_cifar_bug_is_caught_at_the_linear() -> None:
    out = run("cifar_vgg_bug.py")
    error, _, after = out.partition("Fixed with")
    assert "shapecheck.ShapeError:" in error
    assert "Linear(in_features=25088, out_features=4096" in error
    linear = line_of("cifar_vgg_bug.py", "nn.Linear(512 * 7 * 7, 4096),  # copied")
    assert re.search(rf"defined at \S*cifar_vgg_bug\.py:{linear}\n", error), error
    assert "Linear expects 25088 input features, got 512\n" in error
    assert "512*1*1" in error and "(B, 512, 1, 1)" in error  # how 512 came about: Flatten of 512 x 1 x 1
    assert "Linear(512, 4096)" in error
    assert "AdaptiveAvgPool2d((7, 7))" in error
    assert "AdaptiveAvgPool2d((7, 7))" in after and "it builds" in after
    assert "output (B, 10)" in after


def test_symbolic_shapes_and_fully_convolutional_vgg16() -> None:
    out = run("symbolic.py")
    assert "output shape:     (B, 512, H//32, W//32)" in out
    assert "input conditions: H >= 32, W >= 32" in out
    assert "after Flatten:    (B, 512*(H//32)*(W//32))" in out
    fc_macs = 512 * 7 * 7 * 4096 + 4096 * 4096 + 4096 * 1000
    assert f"MACs at B=1, 224x224: {15_470_264_320 - fc_macs:,}" in out  # the trunk alone: VGG16 less its fc layers
    assert "output at B=8, 32x48: (8, 512, 1, 1)" in out
    assert "(H//32)*(W//32) == 49" in out
    fcn = out.partition("Fully-convolutional")[2]
    assert "output shape:     (B, 1000, H//32 - 6, W//32 - 6)" in fcn
    assert "input conditions: H >= 224, W >= 224" in fcn
    assert "parameters:       138,357,544 (torchvision's VGG16: 138,357,544)" in fcn
    assert "on a 224x224 image: class map (1, 1000, 1, 1), 15,470,264,320 MACs" in fcn
    assert re.search(r"on a 384x384 image: class map \(1, 1000, 6, 6\)", fcn)


@pytest.mark.parametrize("name", ["vgg16.py", "alexnet.py", "cifar_vgg_bug.py", "symbolic.py"])
def test_example_reads_well(name: str) -> None:
    """A docstring saying how to run it, and no line a reader must scroll for."""
    text = (EXAMPLES / name).read_text()
    assert f"python examples/{name}" in text.split('"""')[1]
    assert max(len(line) for line in text.splitlines()) <= 120


def test_cifar_net_mistake_found_without_running_and_confirmed_by_torch() -> None:
    """The tutorial CNN with the MNIST Linear: ``shapecheck check`` finds it from source, torch at run time."""
    torch = pytest.importorskip("torch")
    done = subprocess.run(
        [sys.executable, "-m", "shapecheck", "check", "examples/cifar_net.py"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stdout + done.stderr
    forward = line_of("cifar_net.py", "x = F.relu(self.fc1(x))")
    defined = line_of("cifar_net.py", "self.fc1 = nn.Linear(16 * 4 * 4, 120)")
    lines = done.stdout.splitlines()
    assert lines[0] == f"examples/cifar_net.py:{forward}:20: Linear expects 256 input features, got 400"
    assert lines[1] == f"    in self.fc1 = Linear(in_features=256, out_features=120, bias=True), defined at line {defined}"
    assert "    fix: Linear(400, 120)" in lines
    assert lines[-1].startswith("Found 1 shape error in 1 file (1 file checked); 2 of 2 models checked in full")
    ran = subprocess.run([sys.executable, "examples/cifar_net.py"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 1 and "mat1 and mat2 shapes cannot be multiplied (4x400 and 256x120)" in ran.stderr
    assert torch.__version__
