"""The mypy plugin ``shapecheck.mypy``, run through ``mypy.api`` on the sources in ``tests/mypy_cases``.

A case file marks each expected error on its line: ``# E: message`` or ``# E:<column>: message``.
Every error mypy prints (any code) must be expected and every expectation met, so a false positive,
a missing error, a cascade or an error on the wrong line fails. The plugin's messages are compared
with what the same statements raise when run (one set of rules), and the torch cases run both
against the installed torch and against the package's torch stubs (``shapecheck/stubs``) alone.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mypy import api
from mypy.plugin import Plugin
from mypy.version import __version__ as mypy_version

import shapecheck.mypy
from shapecheck._mypy import chain as chain_module
from shapecheck._stubs import PACKAGED
from shapecheck._mypy import plugin as plugin_module
from shapecheck.errors import ShapeError

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "mypy_cases"
STUBS = PACKAGED
_EXPECT = re.compile(r"#\s*E(?::(\d+))?:\s*(.+?)\s*$")
_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|note): (?P<message>.*?)(?:  \[(?P<code>[a-z-]+)\])?$")
SHAPECHECK_CASES = ["cifar_vgg.py", "interpreted.py", "nn_arguments.py", "nn_chains.py", "nn_families.py", "nn_silent.py"]
TORCH_CASES = ["torch_cifar_vgg.py", "torch_nn.py"]


@dataclass(frozen=True)
class Message:
    path: str
    line: int
    column: int
    severity: str
    message: str
    code: str | None


@dataclass
class Run:
    stdout: str
    stderr: str
    status: int
    messages: list[Message]

    def errors(self, name: str) -> list[Message]:
        return [m for m in self.messages if m.severity == "error" and Path(m.path).name == name]

    def notes(self, name: str, line: int) -> list[str]:
        return [m.message for m in self.messages if m.severity == "note" and Path(m.path).name == name and m.line == line]


def run_mypy(paths: list[Path], tmp: Path, *config: str, stubs: bool = False, flags: tuple[str, ...] = ()) -> Run:
    """mypy with the plugin on ``paths``; ``config`` lines are added to the ``[mypy]`` section."""
    ini = tmp / "mypy.ini"
    lines = ["[mypy]", "plugins = shapecheck.mypy", f"mypy_path = {STUBS if stubs else ROOT}", *config]
    ini.write_text("\n".join(lines) + "\n")
    args = ["--config-file", str(ini), "--cache-dir", str(tmp / "cache"), "--show-column-numbers", "--show-error-codes"]
    args += ["--no-error-summary", "--no-pretty", *flags, *map(str, paths)]
    stdout, stderr, status = api.run(args)
    messages = []
    for text in stdout.splitlines():
        m = _LINE.match(text)
        if m:
            messages.append(Message(m["path"], int(m["line"]), int(m["col"]), m["severity"], m["message"], m["code"]))
    assert "INTERNAL ERROR" not in stdout + stderr, stdout + stderr
    assert "plugin bug" not in stdout, stdout
    assert status in (0, 1), stdout + stderr
    return Run(stdout, stderr, status, messages)


def expectations(path: Path) -> dict[int, tuple[int | None, str]]:
    """``line -> (column or None, message)`` from the ``# E:`` comments of a case file."""
    found = {}
    for number, text in enumerate(path.read_text().splitlines(), 1):
        m = _EXPECT.search(text)
        if m:
            found[number] = (int(m[1]) if m[1] else None, m[2])
    return found


def assert_matches(run: Run, name: str) -> None:
    expected = expectations(CASES / name)
    errors = run.errors(name)
    actual = {e.line: e for e in errors}
    assert len(actual) == len(errors), f"more than one error on a line: {errors}"
    for line, (column, message) in expected.items():
        assert line in actual, f"{name}:{line}: expected error {message!r}, got none"
        error = actual[line]
        assert (error.message, error.code) == (message, "shape"), f"{name}:{line}"
        if column is not None:
            assert error.column == column, f"{name}:{line}: column {error.column}, expected {column}"
    unexpected = [e for line, e in actual.items() if line not in expected]
    assert not unexpected, f"unexpected errors: {unexpected}"


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_mypy([CASES / n for n in SHAPECHECK_CASES], tmp_path_factory.mktemp("cases"))


@pytest.fixture(scope="module", params=["torch", "stubs"])
def torch_cases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    if request.param == "torch":
        pytest.importorskip("torch")
    return run_mypy([CASES / n for n in TORCH_CASES], tmp_path_factory.mktemp("torch"), stubs=request.param == "stubs")


@pytest.mark.parametrize("name", SHAPECHECK_CASES)
def test_shapecheck_nn_cases(cases: Run, name: str) -> None:
    assert_matches(cases, name)


@pytest.mark.parametrize("name", TORCH_CASES)
def test_torch_nn_cases(torch_cases: Run, name: str) -> None:
    assert_matches(torch_cases, name)


def test_cifar_vgg_mistake_reported_once_on_the_linear(cases: Run, torch_cases: Run) -> None:
    for run, name in ((cases, "cifar_vgg.py"), (torch_cases, "torch_cifar_vgg.py")):
        errors = run.errors(name)
        assert len(errors) == 1
        line = (CASES / name).read_text().splitlines()[errors[0].line - 1]
        assert line.strip().startswith("nn.Linear(512 * 7 * 7, 4096)")
        assert errors[0].message == "Linear expects 25088 input features, got 512"
        notes = run.notes(name, errors[0].line)
        assert notes[0] == "in [32] Linear(in_features=25088, out_features=4096, bias=True)"
        assert any(n.startswith("fix: ") for n in notes) and any(n.startswith("derived: ") for n in notes)


def _statements(path: Path) -> Iterator[tuple[ast.stmt, str]]:
    """Top-level statements with their source lines (comments included)."""
    source = path.read_text()
    lines = source.splitlines()
    for stmt in ast.parse(source).body:
        yield stmt, "\n".join(lines[stmt.lineno - 1 : stmt.end_lineno or stmt.lineno])


def _runtime_error(path: Path, namespace: dict[str, object], stmt: ast.stmt) -> Exception | None:
    code = compile(ast.Module(body=[stmt], type_ignores=[]), str(path), "exec")
    try:
        exec(code, namespace)
    except Exception as err:  # nn_silent.py builds things that fail in other ways (a Module without infer)
        return err
    return None


@pytest.mark.parametrize("name", SHAPECHECK_CASES)
def test_same_errors_as_at_construction(cases: Run, name: str) -> None:
    """Each top-level statement: a plugin error is the error running it raises, with the same notes.

    The converse (running raises, the plugin reports) holds for every statement without a
    ``type: ignore`` except in nn_silent.py, whose point is what cannot be known statically.
    """
    path = CASES / name
    errors = {e.line: e for e in cases.errors(name)}
    namespace: dict[str, object] = {"__name__": "case"}
    for stmt, text in _statements(path):
        err = _runtime_error(path, namespace, stmt)
        inside = [e for line, e in errors.items() if stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno)]
        if isinstance(stmt, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)) or "type: ignore" in text:
            continue
        if err is None:
            assert not inside, f"{name}:{stmt.lineno}: the plugin reports {inside} but construction succeeds"
            continue
        if not inside:
            assert name == "nn_silent.py", f"{name}:{stmt.lineno}: construction raises {err!r}, the plugin is silent"
            continue
        (error,) = inside
        if isinstance(err, ShapeError):
            assert error.message == err.problem
            lines = err.message(with_location=False).splitlines()
            expected_notes = [f"in {err.header()}"] + [t[2:] if t.startswith("  ") else t for t in lines[2:]]
            notes = cases.notes(name, error.line)
            defined = f", defined at line {err.location.rsplit(':', 1)[1]}" if err.location else ""
            if notes[0] == expected_notes[0] + defined:  # a layer built on another line says where
                notes[0] = expected_notes[0]
            assert notes == expected_notes
        else:
            assert error.message == str(err)


def test_disable_error_code(tmp_path: Path) -> None:
    run = run_mypy([CASES / "nn_chains.py"], tmp_path, "disable_error_code = shape")
    assert run.errors("nn_chains.py") == []


def test_a_hook_failure_is_one_note_and_the_run_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(chain_module, "check_call", broken)  # the hook imports it from there when it runs
    source = tmp_path / "broken.py"
    source.write_text("from shapecheck import nn\nx: int = 'a'\nm = nn.Linear(3, 4)\n")
    stdout, stderr, status = api.run(["--config-file", str(_ini(tmp_path)), "--no-incremental", "--show-error-codes", str(source)])
    assert status == 1 and "INTERNAL ERROR" not in stdout + stderr
    assert 'broken.py:2: error: Incompatible types in assignment (expression has type "str", variable has type "int")' in stdout
    assert "broken.py:3: note: shapecheck plugin bug, please report it: RuntimeError: boom (this call was not checked)" in stdout


def _ini(tmp: Path) -> Path:
    ini = tmp / "plain.ini"
    ini.write_text(f"[mypy]\nplugins = shapecheck.mypy\nmypy_path = {ROOT}\n")
    return ini


def test_supported_mypy_versions() -> None:
    assert shapecheck.mypy.supported("2.0.0") and shapecheck.mypy.supported("2.4.1")
    assert shapecheck.mypy.supported("2.5.0+dev.0123abc")
    assert not shapecheck.mypy.supported("1.19.1") and not shapecheck.mypy.supported("3.0.0")
    assert not shapecheck.mypy.supported("garbage")
    assert shapecheck.mypy.plugin("1.19.1") is Plugin
    assert shapecheck.mypy.plugin(mypy_version) is plugin_module.ShapecheckPlugin


def test_version_in_cache_key() -> None:
    plugin_class = shapecheck.mypy.plugin("2.4.1")
    assert plugin_class.fingerprint.startswith(shapecheck.mypy.__version__ + "+")
    assert shapecheck.mypy.__version__ == shapecheck.__version__


def test_type_ignore_and_notes_on_the_same_line(cases: Run) -> None:
    line = next(n for n, t in enumerate((CASES / "nn_chains.py").read_text().splitlines(), 1) if t.startswith("ignored ="))
    assert not [m for m in cases.messages if Path(m.path).name == "nn_chains.py" and m.line == line]


UNANNOTATED = """import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def build() -> nn.Module:
    return nn.Sequential(nn.Linear(10, 20), nn.Linear(30, 5))
"""


@pytest.mark.parametrize("untyped", [False, True])
def test_unannotated_module_in_a_separate_project(tmp_path: Path, untyped: bool) -> None:
    """A user's project: plain mypy with the plugin reports the unannotated forward's mistake, once, with
    or without ``check_untyped_defs`` (the call hooks and the interpreter never double an error)."""
    (tmp_path / "model.py").write_text(UNANNOTATED)
    config = f"[mypy]\nplugins = shapecheck.mypy\ncheck_untyped_defs = {untyped}\n[mypy-torch.*]\nfollow_imports = skip\n"
    (tmp_path / "mypy.ini").write_text(config)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--no-incremental", "--show-column-numbers", "--no-error-summary", "model.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert errors == [
        "model.py:19:16: error: Linear expects 100 input features, got 120  [shape]",
        "model.py:23:45: error: Linear expects 30 input features, got 20  [shape]",
    ], done.stdout
    assert "model.py:19:16: note: in self.fc2 = Linear(in_features=100, out_features=10, bias=True), defined at line 12" in done.stdout


PARTLY = """import torch.nn as nn
import torch.nn.functional as F
from mylib import mystery


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x):
        return F.relu(self.conv(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block(3, 8)
        self.head = nn.Linear(8, 10)

    def forward(self, x):
        x = mystery(self.block(x))
        return self.head(x.mean((2, 3)))
"""


def test_a_model_followed_in_part_is_one_note_and_a_block_needing_arguments_none(tmp_path: Path) -> None:
    """Silence is not a pass: the model whose forward calls code shapecheck cannot follow gets a note saying
    where; Block, checked only through Net (its constructor needs arguments), gets none."""
    (tmp_path / "model.py").write_text(PARTLY)
    (tmp_path / "mypy.ini").write_text("[mypy]\nplugins = shapecheck.mypy\nignore_missing_imports = True\n[mypy-torch.*]\nfollow_imports = skip\n")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--no-incremental", "--no-error-summary", "model.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    notes = [line for line in done.stdout.splitlines() if "only in part" in line]
    assert notes == ["model.py:15: note: shapecheck followed Net only in part: line 22: unknown call mylib.mystery()"], done.stdout
