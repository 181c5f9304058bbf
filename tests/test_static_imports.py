"""The forward interpreter across a project's files (``from .blocks import Block``, ``import vgg16`` beside a
script), and code that expects a mistake (``try: ... except RuntimeError``). Each project is also run by
torch: a finding only where torch fails."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from shapecheck.static import analyze_file, analyze_source

BLOCKS = """
import torch.nn as nn


WIDTH = 16


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.norm(self.conv(x))


def make_layers(widths):
    layers, cin = [], 3
    for w in widths:
        layers += [Block(cin, w), nn.MaxPool2d(2)]
        cin = w
    return nn.Sequential(*layers)
"""

NET = """
import torch
import torch.nn as nn
from .blocks import WIDTH, make_layers
from . import blocks


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = make_layers([WIDTH, 32])
        self.extra = blocks.Block(32, 32)
        self.fc = nn.Linear(32 * 8 * 8, 10)

    def forward(self, x):
        x = self.extra(self.features(x))
        return self.fc(x.flatten(1))


def run():
    return Net()(torch.randn(2, 3, 32, 32))
"""


def _project(tmp_path: Path, net: str) -> Path:
    package = tmp_path / "proj"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "blocks.py").write_text(textwrap.dedent(BLOCKS))
    (package / "net.py").write_text(textwrap.dedent(net))
    return package / "net.py"


def _torch_runs(tmp_path: Path) -> bool:
    done = subprocess.run([sys.executable, "-c", "import proj.net as n; n.run()"], cwd=tmp_path, capture_output=True, text=True)
    return done.returncode == 0


def test_modules_of_the_package_are_followed(tmp_path: Path) -> None:
    path = _project(tmp_path, NET)
    report = analyze_file(str(path))
    assert _torch_runs(tmp_path)
    assert report.findings == []
    (model,) = [m for m in report.models if m.name.endswith("Net")]
    assert model.output == "(B, 10)" and not model.gaps
    assert not [m.name for m in report.models if "Block" in m.name or "make_layers" in m.name]  # blocks.py's own, not net.py's


def test_a_mistake_through_an_imported_helper_is_found_in_the_importing_file(tmp_path: Path) -> None:
    path = _project(tmp_path, NET.replace("nn.Linear(32 * 8 * 8, 10)", "nn.Linear(32 * 4 * 4, 10)"))
    report = analyze_file(str(path))
    assert not _torch_runs(tmp_path)
    (finding,) = report.findings
    assert finding.message == "Linear expects 512 input features, got 2048"
    assert finding.line == 17  # return self.fc(x.flatten(1))


def test_a_sibling_module_of_a_script_is_followed(tmp_path: Path) -> None:
    (tmp_path / "blocks.py").write_text(textwrap.dedent(BLOCKS))
    script = tmp_path / "train.py"
    script.write_text("import torch\nimport blocks\n\nmodel = blocks.make_layers([8, 8])\ny = model(torch.randn(1, 4, 32, 32))\n")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True)
    report = analyze_file(str(script))
    assert done.returncode != 0 and "expected input[1, 4, 32, 32] to have 3 channels" in done.stderr
    (finding,) = report.findings
    assert (finding.line, finding.message) == (5, "Conv2d expects 3 input channels, got 4")
    assert finding.notes[0] == "at blocks.py:15"
    assert finding.notes[1] == (
        "in [0].conv = Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)), "
        "defined at blocks.py:21 (in Block at blocks.py:11)"  # make_layers built the Block; the Block, its conv
    )


def test_an_import_cycle_and_a_missing_module_are_unknown_names_not_errors(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import b\nimport missing_module\nX = b.Y\n")
    (tmp_path / "b.py").write_text("import a\nY = 3\n")
    report = analyze_file(str(tmp_path / "a.py"))
    assert report.findings == [] and report.error is None


def test_a_mistake_the_code_expects_is_not_reported(tmp_path: Path) -> None:
    path = tmp_path / "demo.py"
    path.write_text(
        "import torch\nimport torch.nn as nn\n\n\ndef main():\n"
        "    try:\n        nn.Linear(8, 2)(torch.randn(1, 4))\n    except RuntimeError as err:\n        print('as expected:', err)\n"
        "    nn.Linear(8, 2)(torch.randn(1, 4))\n"
    )
    report = analyze_file(str(path))
    assert [f.line for f in report.findings] == [10]


def test_a_function_of_star_args_is_not_called_without_them(tmp_path: Path) -> None:
    path = tmp_path / "factory.py"
    path.write_text("from shapecheck import nn\n\n\ndef net(*dims):\n    return nn.Sequential(nn.Input(*dims), nn.Conv2d(1, 4, 3))\n\n\nMODEL = net('B', 1, 'H', 'W')\n")
    assert analyze_file(str(path)).findings == []


def test_an_imported_module_is_read_from_the_text_given(tmp_path: Path) -> None:
    """``sources`` stands for a module's file (an editor's unsaved text): what the runs of the importing
    file recorded in it is at the lines of that text, and holds the shapes torch gives."""
    path = _project(tmp_path, NET)
    blocks = str((path.parent / "blocks.py").resolve())
    edited = "\n\n" + textwrap.dedent(BLOCKS)  # two lines added above, not saved
    seen = analyze_source(path.read_text(), str(path), detail=True, sources={blocks: edited}).imported[blocks]
    lines = edited.split("\n")
    line = next(i for i, text in enumerate(lines, 1) if text == "        return self.norm(self.conv(x))")
    shapes = seen.read[(line, lines[line - 1].index("x)"))]
    run = "import json, proj.net as n, proj.blocks as b\nseen = []\nforward = b.Block.forward\n"
    run += "b.Block.forward = lambda self, x: seen.append(tuple(x.shape)) or forward(self, x)\nn.run()\nprint(json.dumps(seen))"
    done = subprocess.run([sys.executable, "-c", run], cwd=tmp_path, capture_output=True, text=True)
    assert [s for s, model in shapes.items() if model == "run()"] == [str(tuple(s)) for s in json.loads(done.stdout)]
