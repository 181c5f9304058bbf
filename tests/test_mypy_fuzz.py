"""Fuzzing the mypy plugin: thousands of generated sources, valid, invalid and odd, in one mypy run.

Each snippet is the body of its own function, many functions to a module, so one mypy run covers a
few thousand snippets. Asserted: mypy never crashes (no INTERNAL ERROR, no "plugin bug" note, exit
status 0 or 1), and for chains written with literal arguments the plugin agrees with construction
at run time: a ``[shape]`` error in the function if and only if building it raises.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from test_mypy_plugin import run_mypy

from shapecheck import ShapeError, nn

SEED = 20240603
SNIPPETS = 3000
PER_MODULE = 500
_JUNK = ["0", "1", "2", "3", "-1", "2.5", "'x'", "None", "True", "(2, 2)", "(1, 2, 3)", "[3]", "10**40", "'same'", "n", "f()", "xs[0]"]
_SIZES = [1, 2, 3, 4, 8]


@dataclass
class Snippet:
    body: list[str]
    literal: bool  # only literal arguments, shapecheck.nn spelling: run it and compare


def _layer(rng: random.Random, c: int) -> tuple[str, int]:
    """A plausible layer taking ``c`` channels (sometimes not), and the channels it gives."""
    out = rng.choice(_SIZES)
    if rng.random() < 0.15:
        c = rng.choice(_SIZES)  # a likely mismatch
    kind = rng.randrange(12)
    if kind == 0:
        return f"nn.Conv2d({c}, {out}, {rng.choice([1, 3, 5])}, stride={rng.choice([1, 2])}, padding={rng.choice([0, 1])})", out
    if kind == 1:
        return f"nn.Conv2d({c}, {out}, kernel_size=({rng.randint(1, 3)}, {rng.randint(1, 3)}), groups={rng.choice([1, 2])})", out
    if kind == 2:
        return f"nn.MaxPool2d({rng.choice([1, 2, 3])})", c
    if kind == 3:
        return f"nn.AvgPool2d({rng.choice([2, 3])}, stride={rng.choice([1, 2])}, padding={rng.choice([0, 1])})", c
    if kind == 4:
        return f"nn.BatchNorm2d({c})", c
    if kind == 5:
        return rng.choice(["nn.ReLU()", "nn.GELU()", "nn.Dropout(0.1)", "nn.Identity()", "nn.Sigmoid()"]), c
    if kind == 6:
        return f"nn.ConvTranspose2d({c}, {out}, {rng.choice([2, 3])}, stride={rng.choice([1, 2])})", out
    if kind == 7:
        return f"nn.AdaptiveAvgPool2d({rng.choice([1, 2, '(2, 3)'])})", c
    if kind == 8:
        return f"nn.ZeroPad2d({rng.choice([0, 1, 2])})", c
    if kind == 9:
        return f"nn.GroupNorm({rng.choice([1, 2])}, {c})", c
    if kind == 10:
        return f"nn.Upsample(scale_factor={rng.choice([1, 2])})", c
    return f"nn.Sequential(nn.Conv2d({c}, {out}, 1), nn.ReLU())", out


def _chain(rng: random.Random) -> Snippet:
    """``nn.Sequential(...)`` of plausible layers with literal arguments, maybe a head, maybe an Input."""
    c = rng.choice(_SIZES)
    parts = []
    if rng.random() < 0.6:
        parts.append(f"nn.Input('B', {c}, {rng.randint(1, 16)}, {rng.choice([rng.randint(1, 16), repr('W')])})")
    for _ in range(rng.randint(1, 6)):
        layer, c = _layer(rng, c)
        parts.append(layer)
    if rng.random() < 0.5:
        parts += ["nn.Flatten()", f"nn.Linear({rng.choice([c, c * 4, c * 16, 8])}, {rng.choice(_SIZES)})"]
    layout = ",\n        ".join(parts)
    return Snippet([f"m = nn.Sequential(\n        {layout},\n    )"], literal=True)


def _junk_call(rng: random.Random, name: str) -> str:
    args = [rng.choice(_JUNK) for _ in range(rng.randint(0, 4))]
    if rng.random() < 0.3:
        args.append(f"{rng.choice(['kernel_size', 'stride', 'bias', 'dim', 'p', 'size', 'inplace', 'dtype'])}={rng.choice(_JUNK)}")
    if rng.random() < 0.1:
        args.append(rng.choice(["*xs", "**kw", "*()", "**{}"]))
    return f"{name}({', '.join(args)})"


def _odd(rng: random.Random, names: list[str]) -> Snippet:
    """Anything: any layer with junk arguments, star-args, nesting, mappings, unrelated code."""
    kind = rng.randrange(8)
    prefix = rng.choice(["nn", "torch.nn", "tnn"])
    layer = lambda: _junk_call(rng, f"{prefix}.{rng.choice(names)}")  # noqa: E731
    if kind == 0:
        return Snippet([f"m = {layer()}"], False)
    if kind == 1:
        return Snippet([f"m = {prefix}.Sequential({', '.join(layer() for _ in range(rng.randint(0, 4)))})"], False)
    if kind == 2:
        return Snippet([f"m = {prefix}.Sequential(*xs, {layer()}, *[{layer()}])"], False)
    if kind == 3:
        key = rng.choice(["'a'", "1", "n", "'a'"])
        return Snippet([f"m = {prefix}.Sequential(OrderedDict([({key}, {layer()}), ('b', {layer()})]))"], False)
    if kind == 4:
        return Snippet([f"m = {prefix}.Sequential({{'a': {layer()}, **kw}})", "m2 = nn.Sequential(m, m)"], False)
    if kind == 5:
        return Snippet([f"m = nn.Sequential({layer()}, nn.Sequential({layer()}, {layer()})).with_input({', '.join(rng.choice(_JUNK) for _ in range(rng.randint(0, 4)))})"], False)
    if kind == 6:
        return Snippet([f"m = nn.Add({layer()}, {layer()})", f"y = [{layer()} for _ in range(3)]"], False)
    return Snippet(["class C:", f"    x = {layer()}", "def g(a=nn.ReLU()): return a", "z = lambda: nn.Linear(n, n)"], False)


def generate(rng: random.Random) -> list[Snippet]:
    names = [n for n in nn.__all__ if n not in ("Module",)]
    return [_chain(rng) if rng.random() < 0.5 else _odd(rng, names) for _ in range(SNIPPETS)]


_HEADER = """from collections import OrderedDict
from typing import Any
import torch
import torch.nn as tnn
from shapecheck import nn

n: int = 3
xs: list[Any] = []
kw: dict[str, Any] = {}


def f() -> int:
    return 3

"""


def _runtime_error(snippet: Snippet) -> Exception | None:
    try:
        exec("\n".join(snippet.body), {"nn": nn})
    except Exception as err:
        return err
    return None


def test_fuzz_never_crashes_and_agrees_with_construction(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    snippets = generate(rng)
    paths: list[Path] = []
    spans: dict[tuple[str, int], int] = {}  # (module, line) -> snippet index
    for start in range(0, len(snippets), PER_MODULE):
        lines = _HEADER.splitlines()
        for i in range(start, min(start + PER_MODULE, len(snippets))):
            lines.append(f"def case_{i}() -> None:")
            first = len(lines) + 1
            lines.extend("    " + text for text in "\n".join(snippets[i].body).splitlines())
            for number in range(first, len(lines) + 1):
                spans[(f"fuzz_{start}.py", number)] = i
            lines.append("")
        path = tmp_path / f"fuzz_{start}.py"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    run = run_mypy(paths, tmp_path, "check_untyped_defs = True", stubs=True)  # asserts: no crash, no plugin bug
    shape_errors: dict[int, list[str]] = {}
    any_errors: set[int] = set()
    for m in run.messages:
        index = spans.get((Path(m.path).name, m.line))
        if m.severity != "error" or index is None:
            continue
        any_errors.add(index)
        if m.code == "shape":
            shape_errors.setdefault(index, []).append(m.message)
    literal = [i for i, snippet in enumerate(snippets) if snippet.literal]
    raised = {i: _runtime_error(snippets[i]) for i in literal}
    raising = {i for i, err in raised.items() if err is not None}
    assert len(raising) > len(literal) // 10 and len(literal) - len(raising) > len(literal) // 10  # both kinds occur
    for i in literal:
        if i in raising:
            assert i in shape_errors, f"case_{i}: building raises, the plugin is silent:\n" + "\n".join(snippets[i].body)
        else:
            assert i not in shape_errors, f"case_{i}: builds, yet the plugin reports {shape_errors[i]}"
        err = raised[i]
        if isinstance(err, ShapeError):  # every layer is valid: one mismatch, reported once, as raised
            assert shape_errors[i] == [err.problem], f"case_{i}: {shape_errors[i]} for {err.problem!r}"
    chains = set(literal)  # one layer per line: never two errors on a line
    lines = [
        (m.path, m.line)
        for m in run.messages
        if m.severity == "error" and m.code == "shape" and spans.get((Path(m.path).name, m.line)) in chains
    ]
    assert len(lines) == len(set(lines)), "two errors on one layer"
    assert len(shape_errors) > 100 and len(any_errors) > len(shape_errors)
