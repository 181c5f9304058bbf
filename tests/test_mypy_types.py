"""Shapes in types: ``reveal_type(model)`` shows a checked chain's shapes, ``model(x)`` checks its argument and
the annotation its result must meet (jaxtyping's ``Float[Tensor, "B 3 32 32"]``, read as mypy sees it), and
the result carries the output shape.

Case files mark errors with ``# E:`` (as in test_mypy_plugin.py: every error must be expected) and
``reveal_type`` notes with ``# R: <type>``. The torch cases run against the installed torch and against
the package's torch stubs alone. A differential test checks the plugin's verdicts against torch running the same calls.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
from mypy import api

from test_mypy_plugin import CASES, STUBS, Run, assert_matches, run_mypy

from shapecheck._mypy import types as types_module

pytest.importorskip("jaxtyping")  # the cases import it, as user code does; the plugin never does

TYPES_CASES = ["types_torch.py", "types_silent.py", "types_nn.py"]
_REVEAL = re.compile(r"#\s*R:\s*(.+?)\s*$")


def _normal(typ: str) -> str:
    """torch's and the stubs' spelling of the same classes."""
    return typ.replace("torch.nn.modules.container.", "torch.nn.").replace("torch._tensor.", "torch.")


def assert_reveals(run: Run, name: str) -> None:
    expected = {n: m[1] for n, t in enumerate((CASES / name).read_text().splitlines(), 1) if (m := _REVEAL.search(t))}
    actual = {
        m.line: _normal(m.message.removeprefix("Revealed type is ").strip('"'))
        for m in run.messages
        if m.severity == "note" and Path(m.path).name == name and m.message.startswith("Revealed type is ")
    }
    assert actual == expected


@pytest.fixture(scope="module", params=["torch", "stubs"])
def cases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    if request.param == "torch":
        pytest.importorskip("torch")
    paths = [CASES / n for n in TYPES_CASES]
    return run_mypy(paths, tmp_path_factory.mktemp("types"), stubs=request.param == "stubs")


@pytest.mark.parametrize("name", TYPES_CASES)
def test_errors(cases: Run, name: str) -> None:
    assert_matches(cases, name)


@pytest.mark.parametrize("name", TYPES_CASES)
def test_reveal_type(cases: Run, name: str) -> None:
    assert_reveals(cases, name)


def test_notes_explain_the_mismatch(cases: Run) -> None:
    def notes(marker: str) -> list[str]:
        line = next(n for n, t in enumerate((CASES / "types_torch.py").read_text().splitlines(), 1) if marker in t)
        return cases.notes("types_torch.py", line)

    assert notes("(B, 1, 32, 32) does not fit") == ["dim 1 differs: the model's input has 3, the argument 1"]
    assert notes("(B, 3072) does not fit") == ["the model takes a 4D input, the argument is 2D"]
    assert notes("(B, 3, 5, 64) does not fit") == ["the model needs H >= 7; for the argument H is 5"]
    assert notes("(B, 1000) does not match") == ["dim 1 differs: the annotation has 1000, the value 10"]


def _package(tmp: Path, use: str) -> list[Path]:
    (tmp / "models.py").write_text(
        "from torch import nn\nfrom shapecheck.torch import Input\n\n"
        "backbone = nn.Sequential(Input('B', 3, 8, 8), nn.Conv2d(3, 16, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())\n"
    )
    (tmp / "use.py").write_text(
        "from jaxtyping import Float\nfrom torch import Tensor\nfrom models import backbone\n\n"
        f"reveal_type(backbone)\n\n\ndef f(x: Float[Tensor, {use!r}]) -> Float[Tensor, 'B 16']:\n    return backbone(x)\n"
    )
    return [tmp / "models.py", tmp / "use.py"]


def test_shapes_survive_the_cache(tmp_path: Path) -> None:
    """A module that imports a model from a module mypy reads from its cache still sees its shapes."""
    paths = _package(tmp_path, "B 1 8 8")
    first = run_mypy(paths, tmp_path, stubs=True)
    time.sleep(1.1)  # mypy sees an edit by mtime in whole seconds
    paths[1].write_text(paths[1].read_text() + "# edited\n")
    second = run_mypy(paths, tmp_path, stubs=True, flags=("--verbose",))
    assert re.search(r"Metadata fresh for models: file", second.stderr), "models.py was not read from the cache"
    assert "Metadata fresh for use:" not in second.stderr
    for run in (first, second):
        (error,) = run.errors("use.py")
        assert error.message == "Argument of shape (B, 1, 8, 8) does not fit the model's input (B, 3, 8, 8)"
        assert run.notes("use.py", 5) == ["Revealed type is \"torch.nn.Sequential[Literal['(B, 3, 8, 8) -> (B, 16)']]\""]


def test_a_failing_call_hook_is_one_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(types_module.ModelCall, "of", broken)
    paths = _package(tmp_path, "B 1 8 8")
    ini = tmp_path / "plain.ini"
    ini.write_text(f"[mypy]\nplugins = shapecheck.mypy\nmypy_path = {STUBS}\n")
    stdout, stderr, status = api.run(["--config-file", str(ini), "--no-incremental", *map(str, paths)])
    assert status == 1 and "INTERNAL ERROR" not in stdout + stderr  # the forward interpreter, reading models.py, still finds the mistake
    assert "use.py:9: note: shapecheck plugin bug, please report it: RuntimeError: boom (this call was not checked)" in stdout
    assert "use.py:9: error: Argument of shape (B, 1, 8, 8) does not fit the model's input (B, 3, 8, 8)  [shape]" in stdout


# Differential: random chains and annotations, the plugin's verdict against torch running the call.

_SIZES = [1, 2, 3, 4, 8]


def _random_case(rng: random.Random, i: int) -> tuple[str, list[str], tuple[int, ...], tuple[int, ...]]:
    """A function calling a chain on an annotated argument: source, torch layers, argument and result shapes."""
    c, h = rng.choice(_SIZES), rng.choice([6, 8, 12])
    layers = [f"Input('B', {c}, {h}, {h})"]
    for _ in range(rng.randint(1, 3)):
        out = rng.choice(_SIZES)
        kind = rng.randrange(3)
        if kind == 0:
            layers.append(f"nn.Conv2d({c}, {out}, {rng.choice([1, 3])}, padding={rng.choice([0, 1])})")
            c = out
        elif kind == 1:
            layers.append(f"nn.MaxPool2d({rng.choice([1, 2])})")
        else:
            layers.append(rng.choice(["nn.ReLU()", "nn.Identity()"]))
    layers += ["nn.AdaptiveAvgPool2d(2)", "nn.Flatten()", f"nn.Linear({c * 4}, {rng.choice(_SIZES)})"]
    arg = (2, c if rng.random() < 0.7 else rng.choice(_SIZES), h if rng.random() < 0.8 else rng.choice([6, 8, 12]), h)
    if rng.random() < 0.1:
        arg = arg[:3]
    result = (2, rng.choice(_SIZES))
    body = ", ".join(layers)
    source = (
        f"m{i} = nn.Sequential({body})\n\n\n"
        f"def f{i}(x: Float[Tensor, {' '.join(map(str, arg))!r}]) -> Float[Tensor, {' '.join(map(str, result))!r}]:\n"
        f"    return m{i}(x)\n\n\n"
    )
    return source, layers, arg, result


def test_verdicts_agree_with_torch(tmp_path: Path) -> None:
    """An argument error iff torch raises on a tensor of the annotated shape; a return error iff the output differs."""
    torch = pytest.importorskip("torch")
    from torch import nn

    from shapecheck.torch import Input

    rng = random.Random(20250101)
    header = "from jaxtyping import Float\nfrom torch import Tensor, nn\nfrom shapecheck.torch import Input\n\n\n"
    cases = [_random_case(rng, i) for i in range(300)]
    path = tmp_path / "differential.py"
    path.write_text(header + "".join(source for source, *_ in cases))
    run = run_mypy([path], tmp_path)
    lines = path.read_text().splitlines()
    errors = {lines[e.line - 1].strip(): e.message for e in run.errors("differential.py")}
    assert all(e.code == "shape" for e in run.errors("differential.py"))
    verdicts = {"argument": 0, "result": 0, "fine": 0}
    for i, (_, layers, arg, result) in enumerate(cases):
        model = eval(f"nn.Sequential({', '.join(layers)})", {"nn": nn, "Input": Input})
        message = errors.get(f"return m{i}(x)")
        try:
            out = tuple(model(torch.zeros(arg)).shape)
        except Exception:
            assert message is not None and message.startswith("Argument of shape"), f"case {i}: torch raises on {arg}"
            verdicts["argument"] += 1
            continue
        if out != result:
            assert message is not None and message.startswith("Return annotation"), f"case {i}: {out} vs {result}"
            verdicts["result"] += 1
        else:
            assert message is None, f"case {i}: torch runs and returns {out}, the plugin says {message}"
            verdicts["fine"] += 1
    assert min(verdicts.values()) >= 20, verdicts
