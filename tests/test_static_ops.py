"""The forward interpreter's op table against torch: the same source run by torch and read by shapecheck.

Each snippet is a function ``f()`` of plain PyTorch (and einops) code. Torch runs it; ``shapecheck``
reads it (``shapecheck.static.analyze_source``: nothing imported or run). They must agree: where torch
returns a tensor, the interpreter gives its shape (or says it does not know, never another shape);
where torch raises, the interpreter reports an error at the failing line; where torch does not, it
reports nothing. einops patterns are also generated at random (valid and broken patterns, shapes and
axis lengths), concretely and with symbolic sizes whose input conditions must hold exactly when einops
accepts the sizes.
"""

from __future__ import annotations

import random
import re
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import einops
import pytest
import torch

from shapecheck.dims import Dim, as_dim, evaluate
from shapecheck.errors import RuleError
from shapecheck.rules.einops import EinopsPattern
from shapecheck.shape import Shape
from shapecheck.static import FileReport, analyze_source
from shapecheck.static.solver import Solver

PRELUDE = """\
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
import einops
from einops import rearrange, reduce, repeat
from einops.layers.torch import Rearrange, Reduce
"""


# -- running a snippet both ways ------------------------------------------------------------------
@dataclass
class Outcome:
    """What one side made of ``f()``: its output shape (None: an error, or not known), and the error."""

    shape: tuple[int, ...] | None
    error: str | None
    line: int | None = None


def run_torch(source: str) -> Outcome:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<snippet>", "exec"), namespace)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = namespace["f"]()
    except Exception as err:  # torch and einops raise RuntimeError, ValueError, EinopsError, ...
        tb = err.__traceback__
        line = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == "<snippet>":
                line = tb.tb_lineno
            tb = tb.tb_next
        return Outcome(None, f"{type(err).__name__}: {err}", line)
    return Outcome(tuple(out.shape) if isinstance(out, torch.Tensor) else None, None)


def run_static(source: str) -> tuple[Outcome, FileReport]:
    report = analyze_source(source, "<snippet>")
    if report.findings:
        first = report.findings[0]
        return Outcome(None, first.message, first.line), report
    outputs = [m.output for m in report.models if m.name == "f()"]
    shape = None
    if outputs and outputs[0].startswith("(") and "?" not in outputs[0] and "..." not in outputs[0]:
        shape = tuple(int(d) for d in outputs[0].strip("(,)").split(",") if d.strip())
    return Outcome(shape, None), report


_FIRST_LINE = PRELUDE.count("\n")
"""The prelude's last line: an error is reported at the line torch raises, or at an earlier line that
builds what fails (a chain of layers that fits no input fails where it is built)."""


def snippet(body: str) -> str:
    """``body`` as the function ``f``; what precedes a line ``---`` in it goes at module level (classes)."""
    defs, _, body = body.rpartition("---\n")
    source = PRELUDE + textwrap.dedent(defs) + "\n\ndef f():\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
    return source


def compare(body: str, *, known: bool = True) -> str | None:
    """Why torch and the interpreter disagree on ``f()``, or None. ``known``: the interpreter must
    know the output shape (not merely be silent)."""
    source = snippet(body)
    theirs = run_torch(source)
    ours, report = run_static(source)
    if theirs.error is not None:
        if ours.error is None:
            return f"torch raises at line {theirs.line} ({theirs.error}), shapecheck reports nothing:\n{source}"
        if ours.line is None or theirs.line is None or not _FIRST_LINE < ours.line <= theirs.line:
            return f"torch raises at line {theirs.line}, shapecheck reports line {ours.line} ({ours.error}):\n{source}"
        return None
    if ours.error is not None:
        return f"torch runs it (output {theirs.shape}), shapecheck reports line {ours.line}: {ours.error}\n{source}"
    if ours.shape is None:
        gaps = [str(g) for m in report.models for g in m.gaps]
        return f"shapecheck does not know the output {theirs.shape} ({gaps}):\n{source}" if known else None
    if ours.shape != theirs.shape:
        return f"torch gives {theirs.shape}, shapecheck {ours.shape}:\n{source}"
    return None


def assert_agree(bodies: Sequence[str], *, known: bool = True) -> None:
    problems = [p for p in (compare(b, known=known) for b in bodies) if p is not None]
    assert not problems, f"{len(problems)} of {len(bodies)} disagree; first ones:\n\n" + "\n\n".join(problems[:4])


def findings(body: str) -> list[str]:
    return [f.message for f in analyze_source(snippet(body), "<snippet>").findings]


# -- einops: snippets --------------------------------------------------------------------------------
EINOPS_SNIPPETS = [
    # ViT's patch embedding, valid and with a size the patches do not divide
    "x = torch.randn(2, 3, 32, 48)\nreturn rearrange(x, 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)', p1=16, p2=16)",
    "x = torch.randn(2, 3, 30, 48)\nreturn rearrange(x, 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)', p1=16, p2=16)",
    # heads split and merged
    "x = torch.randn(2, 10, 512)\nq = rearrange(x, 'b n (h d) -> b h n d', h=8)\nreturn rearrange(q, 'b h n d -> b n (h d)')",
    "x = torch.randn(2, 10, 500)\nreturn rearrange(x, 'b n (h d) -> b h n d', h=8)",
    "x = torch.randn(2, 10, 512)\nreturn rearrange(x, 'b n (h d) -> b h n d', h=8, d=32)",
    # ellipsis, unit axes, empty groups
    "x = torch.randn(2, 3, 4, 5)\nreturn rearrange(x, 'b ... -> b (...)')",
    "x = torch.randn(2, 3, 4, 5)\nreturn rearrange(x, '... (h d) -> ... h d', d=5)",
    "x = torch.randn(2, 3, 4, 5)\nreturn rearrange(x, '... h w -> ... (h w) 1')",
    "x = torch.randn(2, 1, 4)\nreturn rearrange(x, 'b 1 d -> b d ()')",
    "x = torch.randn(2, 3, 4)\nreturn rearrange(x, 'b 1 d -> b d')",
    "x = torch.randn(2, 3)\nreturn rearrange(x, 'b c h -> b c h')",
    "x = torch.randn(2)\nreturn rearrange(x, 'a b ... -> a b ...')",
    # patterns einops rejects
    "x = torch.randn(2, 3)\nreturn rearrange(x, 'b c -> b x')",
    "x = torch.randn(2, 3)\nreturn rearrange(x, 'b c -> c b b')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b (c 2) -> b c')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b (c d) -> b c d')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b ((c d)) -> b c d', c=2)",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c) -> b c')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c -> b c', e=2)",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c -> ... b c')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c -> b c+')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c')",
    # reduce
    "x = torch.randn(2, 3, 8, 8)\nreturn reduce(x, 'b c h w -> b c', 'mean')",
    "x = torch.randn(2, 3, 8, 8)\nreturn reduce(x, 'b c (h 2) (w 2) -> b c h w', 'max')",
    "x = torch.randn(2, 3, 9, 8)\nreturn reduce(x, 'b c (h 2) (w 2) -> b c h w', 'max')",
    "x = torch.randn(2, 3, 8, 8)\nreturn reduce(x, 'b c h w -> b c 1 1', 'sum')",
    "x = torch.randn(2, 3, 8, 8)\nreturn reduce(x, 'b c h w -> b c x', 'sum')",
    "x = torch.randn(2, 3, 8, 8)\nreturn reduce(x, 'b c h w -> b c', 'median')",
    "x = torch.randn(2, 3, 8, 8)\nreturn einops.reduce(x, 'b ... -> b', 'mean')",
    # repeat
    "x = torch.randn(3, 4)\nreturn repeat(x, 'h w -> h w c', c=3)",
    "x = torch.randn(3, 4)\nreturn repeat(x, 'h w -> (h2 h) (w w3)', h2=2, w3=3)",
    "x = torch.randn(3, 4)\nreturn repeat(x, 'h w -> h w c')",
    "x = torch.randn(3, 4)\nreturn repeat(x, 'h w -> h')",
    "x = torch.randn(3, 4)\nreturn repeat(x, 'h w -> h w 2')",
    "cls = torch.randn(1, 1, 16)\nreturn repeat(cls, '1 n d -> b n d', b=5)",
    "cls = torch.randn(1, 16)\nreturn repeat(cls, '... d -> b ... d', b=5)",
    "cls = torch.randn(2, 1, 16)\nreturn repeat(cls, '() n d -> b n d', b=5)",
    # a list of tensors is stacked first
    "xs = [torch.randn(3, 4) for _ in range(5)]\nreturn rearrange(xs, 'b h w -> h (b w)')",
    # the layers: a bad pattern fails where the layer is built, a bad input where it is applied
    "m = nn.Sequential(Rearrange('b c (h p) (w q) -> b (h w) (p q c)', p=4, q=4), nn.Linear(48, 10))\nreturn m(torch.randn(2, 3, 16, 16))",
    "m = nn.Sequential(Rearrange('b c (h p) (w q) -> b (h w) (p q c)', p=4, q=4), nn.Linear(32, 10))\nreturn m(torch.randn(2, 3, 16, 16))",
    "m = nn.Sequential(Rearrange('b c (h p) (w q) -> b (h w) (p q c)', p=4, q=4), nn.Linear(48, 10))\nreturn m(torch.randn(2, 3, 16, 18))",
    "m = Rearrange('b c (h p) (w q) -> b (h w) (p q)', p=4, q=4)\nreturn m(torch.randn(2, 3, 16, 16))",
    "m = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), Reduce('b c h w -> b c', 'mean'), nn.Linear(8, 2))\nreturn m(torch.randn(2, 3, 16, 16))",
    "m = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), Reduce('b c h w -> b c', 'mean'), nn.Linear(16, 2))\nreturn m(torch.randn(2, 3, 16, 16))",
    "m = Reduce('b c (h 2) (w 2) -> b c h w', 'max')\nreturn m(torch.randn(2, 3, 16, 15))",
]


def test_einops_snippets_agree_with_torch() -> None:
    assert_agree(EINOPS_SNIPPETS)


def test_einops_in_a_module_forward() -> None:
    """A ViT patch embedding and attention heads in a class: correct, then with a head count that does
    not divide the width (an error at the rearrange, for every input size)."""
    source = PRELUDE + textwrap.dedent(
        """
        class Patches(nn.Module):
            def __init__(self, heads=8):
                super().__init__()
                self.heads = heads
                self.embed = nn.Sequential(
                    Rearrange('b c (h p1) (w p2) -> b (h w) (p1 p2 c)', p1=16, p2=16),
                    nn.Linear(768, 512),
                )

            def forward(self, img):
                x = self.embed(img)
                q = rearrange(x, 'b n (h d) -> b h n d', h=self.heads)
                return q
        """
    )
    report = analyze_source(source, "<snippet>")
    (model,) = [m for m in report.models if m.name == "Patches"]
    assert not report.findings
    assert model.output == "(B, 8, (H//16)*(W//16), 64)"
    assert "16*(H//16) == H" in model.conditions and "16*(W//16) == W" in model.conditions
    bad = analyze_source(source.replace("heads=8", "heads=7"), "<snippet>")
    (finding,) = bad.findings
    assert finding.line == source.splitlines().index("        q = rearrange(x, 'b n (h d) -> b h n d', h=self.heads)") + 1
    assert finding.message == (
        'Error while processing rearrange-reduction pattern "b n (h d) -> b h n d". Input tensor shape: '
        "(B, (H//16)*(W//16), 512). Additional info: {'h': 7}. Shape mismatch, can't divide axis of length 512 in chunks of 7"
    )


EINOPS_ERRORS = [
    "x = torch.randn(2, 3, 30, 32)\nreturn rearrange(x, 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)', p1=16, p2=16)",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c -> b c', c=4)",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c h -> b c h')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c ... -> b c')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c -> b c x')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b (c d) -> b c d')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b (c (d)) -> b c d')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c -> b c c')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c -> b c', e=1)",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b (c 3) -> b c')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b (c 0) -> b c')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c -> b c..')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c -> b c)')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c -> b (c')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c -> b c!')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b _c -> b _c')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b c -> ... b c')",
    "x = torch.randn(2, 6)\nreturn rearrange(x, 'b (c ...) -> b c ...')",
    "x = torch.randn(2, 6)\nreturn repeat(x, 'b c -> b c d')",
    "x = torch.randn(2, 6)\nreturn repeat(x, 'b c -> b')",
    "x = torch.randn(2, 6)\nreturn reduce(x, 'b c -> b d', 'sum')",
    "x = torch.randn(2, 6)\nreturn reduce(x, 'b c -> b', 'median')",
]


def _sets_sorted(text: str) -> str:
    """A message with the items of each printed set sorted (Python's set order varies between runs)."""
    return re.sub(r"\{([^{}]*)\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", text)


@pytest.mark.parametrize("body", EINOPS_ERRORS)
def test_einops_errors_read_as_einops_own(body: str) -> None:
    """The interpreter's message ends with einops' own sentence and names the pattern and the input."""
    (message,) = findings(body)
    theirs = run_torch(snippet(body)).error
    assert theirs is not None and theirs.startswith("EinopsError")
    sentence = theirs.strip().splitlines()[-1].strip()
    pattern = body.split("'")[1]
    assert _sets_sorted(message).endswith(_sets_sorted(sentence)), (message, theirs)
    assert f'pattern "{pattern}"' in message and "Input tensor shape: (2, " in message


def test_einops_layer_errors_name_the_layer() -> None:
    (message,) = findings("m = Rearrange('b c (h p) (w q) -> b (h w) (p q)', p=4, q=4)\nreturn m")
    assert message == "Error while preparing Rearrange('b c (h p) (w q) -> b (h w) (p q)', p=4, q=4). Identifiers only on one side of expression (should be on both): {'c'}"
    (message,) = findings("m = Reduce('b c (h 2) (w 2) -> b c h w', 'max')\nreturn m(torch.randn(2, 3, 16, 15))")
    assert message == "Error while processing Reduce('b c (h 2) (w 2) -> b c h w', 'max'). Input tensor shape: (2, 3, 16, 15). Shape mismatch, can't divide axis of length 15 in chunks of 2"


def test_einops_unknowns_are_silent_and_said() -> None:
    """A pattern or reduction that is not a known string, an unknown axis length: no finding, and the
    coverage says what was not followed; with an unknown length the rest is still checked."""
    report = analyze_source(snippet("p = 'b c -> ' + str(torch.randn(1))\nx = torch.randn(3, 2).t()\nreturn rearrange(x, p)"), "<snippet>")
    assert not report.findings
    assert any("pattern not known" in str(g) for m in report.models for g in m.gaps)
    assert not findings("x = torch.randn(2, 3)\nreturn reduce(x, 'b c -> b', torch.amax)")
    assert findings("x = torch.randn(2, 6, 5)\nreturn rearrange(x, 'b (c d) e -> b c d e', c=int(torch.randn(1)), e=4)")


# -- einops: generated patterns ---------------------------------------------------------------------
NAMES = "abcdefg"


@dataclass
class EinopsCase:
    pattern: str
    operation: str
    shape: list[int]
    axes: dict[str, int]

    def call(self) -> str:
        axes = "".join(f", {k}={v}" for k, v in self.axes.items())
        op = "reduce" if self.operation not in ("rearrange", "repeat") else self.operation
        reduction = f", {self.operation!r}" if op == "reduce" else ""
        return f"einops.{op}(torch.empty({tuple(self.shape)}), {self.pattern!r}{reduction}{axes})"


def _groups(rng: random.Random, axes: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    i = 0
    while i < len(axes):
        n = rng.choice([1, 1, 1, 2, 2, 3])
        out.append(axes[i : i + n])
        i += n
    if rng.random() < 0.2:
        out.insert(rng.randrange(len(out) + 1), [])
    return out


def _side(groups: list[list[str]], rng: random.Random) -> str:
    parts = []
    for g in groups:
        if not g:
            parts.append(rng.choice(["1", "()"]))
        elif len(g) == 1 and g[0] != "...":
            parts.append(g[0])
        elif g == ["..."] and rng.random() < 0.7:
            parts.append("...")
        else:
            parts.append("(" + " ".join(g) + ")")
    return " ".join(parts)


_BREAKS = ["drop ->", "dup", "paren", "char", "extra right", "extra kwarg", "nested", "rank", "size"]


def generate_einops(seed: int) -> EinopsCase:
    """A random einops call: mostly valid, else with one thing broken (the pattern, the axes, the shape)."""
    rng = random.Random(seed)
    operation = rng.choice(["rearrange", "rearrange", "repeat", "mean", "sum", "max"])
    n = rng.randint(1, 5)
    names = rng.sample(NAMES, n)
    sizes = {a: rng.randint(1, 4) for a in names}
    left_axes = list(names)
    ellipsis = rng.random() < 0.3
    anonymous: dict[str, int] = {}
    if operation not in ("rearrange", "repeat") and rng.random() < 0.3:
        for i in range(rng.randint(1, 2)):
            token = str(rng.randint(2, 3))
            anonymous[f"#{i}"] = int(token)
            left_axes.insert(rng.randrange(len(left_axes) + 1), f"#{i}")
    left_groups = _groups(rng, left_axes)
    if ellipsis:
        left_groups.insert(rng.randrange(len(left_groups) + 1), ["..."])
    # the right side
    kept = [a for a in names]
    if operation in ("mean", "sum", "max"):
        kept = [a for a in names if rng.random() < 0.6]
    rng.shuffle(kept)
    new: dict[str, int] = {}
    if operation == "repeat":
        for name in [c for c in NAMES if c not in names][: rng.randint(0, 2)]:
            new[name] = rng.randint(1, 3)
            kept.insert(rng.randrange(len(kept) + 1), name)
        if rng.random() < 0.3:
            anonymous["#r"] = rng.randint(2, 3)
            kept.insert(rng.randrange(len(kept) + 1), "#r")
    right_groups = _groups(rng, kept)
    if ellipsis and (operation != "mean" and operation != "sum" and operation != "max" or rng.random() < 0.7):
        at = rng.randrange(len(right_groups) + 1)
        if rng.random() < 0.3 and right_groups and right_groups[min(at, len(right_groups) - 1)]:
            right_groups[min(at, len(right_groups) - 1)].append("...")
        else:
            right_groups.insert(at, ["..."])

    def text(groups: list[list[str]]) -> str:
        return _side([[str(anonymous[a]) if a in anonymous else a for a in g] for g in groups], rng)

    # axis lengths: enough to decompose each group, sometimes more
    axes: dict[str, int] = dict(new)
    for g in left_groups:
        named = [a for a in g if a in sizes]
        for a in named[1:] if rng.random() < 0.9 else named[2:]:
            axes[a] = sizes[a]
        if named and rng.random() < 0.15:
            axes[named[0]] = sizes[named[0]]
    ellipsis_dims = [rng.randint(1, 3) for _ in range(rng.randint(0, 2))] if ellipsis else []
    shape: list[int] = []
    for g in left_groups:
        if g == ["..."]:
            shape.extend(ellipsis_dims)
        else:
            size = 1
            for a in g:
                size *= anonymous.get(a) or sizes[a]
            shape.append(size)
    pattern = f"{text(left_groups)} -> {text(right_groups)}"
    if rng.random() < 0.35:
        pattern, shape, axes = _break(rng, pattern, shape, axes, names)
    return EinopsCase(pattern, operation, shape, axes)


def _break(rng: random.Random, pattern: str, shape: list[int], axes: dict[str, int], names: list[str]) -> tuple[str, list[int], dict[str, int]]:
    how = rng.choice(_BREAKS)
    left, right = pattern.split(" -> ")
    if how == "drop ->":
        pattern = f"{left} {right}"
    elif how == "dup":
        pattern = f"{left} {names[0]} -> {right}"
    elif how == "paren":
        pattern = pattern.replace("(", "", 1) if "(" in pattern else f"({pattern}"
    elif how == "char":
        at = rng.randrange(len(pattern) + 1)
        pattern = pattern[:at] + rng.choice("+.*_0x") + pattern[at:]
    elif how == "extra right":
        pattern = f"{left} -> {right} z"
    elif how == "extra kwarg":
        axes = {**axes, rng.choice(["z", names[0]]): rng.randint(1, 4)}
    elif how == "nested":
        pattern = pattern.replace("(", "((", 1).replace(")", "))", 1)
    elif how == "rank":
        shape = shape[:-1] if shape and rng.random() < 0.5 else [*shape, rng.randint(1, 3)]
    elif shape:
        i = rng.randrange(len(shape))
        shape = [*shape[:i], shape[i] + rng.choice([1, 2]), *shape[i + 1 :]]
    return pattern, shape, axes


def einops_outcome(case: EinopsCase) -> tuple[int, ...] | str:
    x = torch.empty(case.shape)
    op = case.operation
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if op in ("rearrange", "repeat"):
                y = getattr(einops, op)(x, case.pattern, **case.axes)
            else:
                y = einops.reduce(x, case.pattern, op, **case.axes)
    except Exception as err:  # EinopsError, and ValueError for a pattern without "->"
        return f"{type(err).__name__}: {err}"
    return tuple(y.shape)


def ours_outcome(case: EinopsCase, shape: Sequence[Dim], check: Solver) -> Shape | str:
    try:
        return EinopsPattern(case.pattern, case.operation, dict(case.axes)).output(Shape(shape), check)
    except RuleError as err:
        return err.problem


EINOPS_CASES = 3000


def test_generated_einops_agree_with_einops() -> None:
    problems = []
    valid = 0
    for seed in range(EINOPS_CASES):
        case = generate_einops(seed)
        theirs = einops_outcome(case)
        ours = ours_outcome(case, case.shape, Solver())
        valid += isinstance(theirs, tuple)
        if isinstance(theirs, tuple) != isinstance(ours, Shape) or isinstance(ours, Shape) and tuple(ours) != theirs:
            problems.append(f"seed {seed}: {case.call()}\n  einops: {theirs}\n  ours:   {ours}")
    assert not problems, f"{len(problems)} disagree:\n" + "\n".join(problems[:8])
    assert EINOPS_CASES * 0.4 < valid < EINOPS_CASES * 0.85, valid  # both kinds are exercised


def _symbolic(case: EinopsCase, rng: random.Random) -> tuple[list[Dim], dict[str, int]]:
    """The case's shape with some dims replaced by symbols (their true values are the binding)."""
    shape: list[Dim] = []
    binding: dict[str, int] = {}
    for i, d in enumerate(case.shape):
        if rng.random() < 0.6:
            binding[f"S{i}"] = d
            shape.append(as_dim(f"S{i}"))
        else:
            shape.append(d)
    return shape, binding


def _conditions_hold(check: Solver, binding: Mapping[str, int]) -> bool:
    equalities = all(evaluate(a, binding) == evaluate(b, binding) for a, b in check.equations.values())
    bounds = all(evaluate(e, binding) >= b for e, b in check.conditions())
    return equalities and bounds


def test_generated_einops_symbolic_conditions_agree_with_einops() -> None:
    """With symbols for some sizes: an error means einops fails for every size tried; otherwise the
    input conditions hold exactly for the sizes einops accepts, and the output is einops' there."""
    problems = []
    conditional = 0
    for seed in range(EINOPS_CASES // 2):
        case = generate_einops(seed)
        rng = random.Random(seed)
        shape, truth = _symbolic(case, rng)
        check = Solver()
        ours = ours_outcome(case, shape, check)
        conditional += bool(check.equations)
        for binding in [truth, *({k: rng.randint(1, 12) for k in truth} for _ in range(4))]:
            concrete = EinopsCase(case.pattern, case.operation, [evaluate(d, binding) for d in shape], case.axes)
            theirs = einops_outcome(concrete)
            if isinstance(ours, str):
                if isinstance(theirs, tuple):
                    problems.append(f"seed {seed}: {concrete.call()}: einops gives {theirs}, ours fails for every size: {ours}")
            elif _conditions_hold(check, binding) != isinstance(theirs, tuple):
                problems.append(f"seed {seed}: {concrete.call()} on {shape}: conditions {check.describe()}, einops: {theirs}")
            elif isinstance(theirs, tuple) and tuple(evaluate(d, binding) for d in ours) != theirs:
                problems.append(f"seed {seed}: {concrete.call()}: einops gives {theirs}, ours {ours} -> {binding}")
    assert not problems, f"{len(problems)} disagree:\n" + "\n".join(problems[:8])
    assert conditional > 50


def test_generated_einops_on_shapes_of_unknown_rank() -> None:
    """Only the last dims known (``(..., 4, 6)``: what a forward's input often is): an error means einops
    fails on the full shape; a result agrees with einops' output wherever it states a size."""
    problems = []
    followed = 0
    for seed in range(EINOPS_CASES // 2):
        case = generate_einops(seed)
        hidden = random.Random(seed).randint(0, len(case.shape))
        ours: Shape | str
        try:
            ours = EinopsPattern(case.pattern, case.operation, dict(case.axes)).output(Shape(case.shape[hidden:], prefix=True), Solver())
        except RuleError as err:
            ours = err.problem
        theirs = einops_outcome(case)
        if isinstance(ours, str):
            if isinstance(theirs, tuple):
                problems.append(f"seed {seed}: {case.call()} with {hidden} dims hidden: einops gives {theirs}, ours fails: {ours}")
            continue
        if not isinstance(theirs, tuple):
            continue
        stated = [(i, d) for i, d in enumerate(ours.dims) if isinstance(d, int)]
        followed += bool(stated)
        out = theirs[len(theirs) - len(ours.dims) :] if ours.prefix else theirs
        if len(out) != len(ours.dims) or any(out[i] != d for i, d in stated):
            problems.append(f"seed {seed}: {case.call()} with {hidden} dims hidden: einops gives {theirs}, ours {ours}")
    assert not problems, f"{len(problems)} disagree:\n" + "\n".join(problems[:8])
    assert followed > EINOPS_CASES // 10


def test_einops_tells_the_rank_of_a_forward_input() -> None:
    """An unannotated input met first by a pattern has the pattern's rank (``x.shape[-2:]`` unpacked
    says only that it has two dims or more), so its sizes are symbols and the pattern is checked."""
    source = PRELUDE + textwrap.dedent(
        """
        class Regions(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(64, 10)

            def forward(self, tokens):
                h, w = tokens.shape[-2:]
                tokens = rearrange(tokens, 'b c (h p) w -> b (h w) (p c)', p=4)
                return self.fc(tokens)
        """
    )
    report = analyze_source(source, "<snippet>")
    (model,) = report.models
    assert not report.findings
    assert (model.inputs, model.output) == ("tokens: (B, C, H, W)", "(B, W*(H//4), 10)")
    assert set(model.conditions) == {"4*(H//4) == H", "C == 16"}


# -- torch idioms of real models ----------------------------------------------------------------------
ATTENTION = """
class Attention(nn.Module):
    def __init__(self, n_embd=32, n_head=4, block_size=8, flash=True):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.n_head = n_head
        self.n_embd = n_embd
        self.flash = hasattr(torch.nn.functional, 'scaled_dot_product_attention') and flash
        if not self.flash:
            self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if self.flash:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
            y = F.softmax(att, dim=-1) @ v
        return y.transpose(1, 2).contiguous().view(B, T, C)


class GPT(nn.Module):
    def __init__(self, vocab=50, block_size=8, n_embd=32, flash=True):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, n_embd),
            wpe=nn.Embedding(block_size, n_embd),
            h=nn.ModuleList([Attention(n_embd, block_size=block_size, flash=flash) for _ in range(2)]),
            ln_f=nn.LayerNorm(n_embd),
        ))
        self.lm_head = nn.Linear(n_embd, vocab, bias=False)

    def forward(self, idx):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = x + block(x)
        return self.lm_head(self.transformer.ln_f(x))
---
"""

IDIOM_SNIPPETS = [
    # nanoGPT: ModuleDict attributes, hasattr of the functional module, the causal mask buffer compared to 0
    ATTENTION + "return GPT()(torch.randint(0, 50, (2, 8)))",
    ATTENTION + "return GPT(flash=False)(torch.randint(0, 50, (2, 8)))",
    ATTENTION + "return GPT(flash=False)(torch.randint(0, 50, (2, 9)))",
    ATTENTION + "m = GPT(flash=False)\nm.transformer.h[1].bias = torch.ones(1, 1, 9, 9)\nreturn m(torch.randint(0, 50, (2, 8)))",
    "n = 8\nmask = torch.tril(torch.ones(n, n)).view(1, 1, n, n)\natt = torch.randn(2, 4, 5, 5)\nreturn att.masked_fill(mask[:, :, :5, :5] == 0, float('-inf'))",
    "n = 8\nmask = torch.tril(torch.ones(n, n)).view(1, 1, n, n)\natt = torch.randn(2, 4, 5, 5)\nreturn att.masked_fill(mask[:, :, :5, :6] == 0, float('-inf'))",
    "a = torch.randn(2, 3)\nreturn (a > torch.zeros(3)) & (a <= 1.0)",
    "a = torch.randn(2, 3)\nreturn a != torch.zeros(2)",
    # a class token: a parameter expanded and concatenated
    "cls = nn.Parameter(torch.zeros(1, 1, 16))\nx = torch.randn(2, 9, 16)\nreturn torch.cat((cls.expand(2, -1, -1), x), dim=1)",
    "cls = nn.Parameter(torch.zeros(1, 1, 16))\nx = torch.randn(2, 9, 17)\nreturn torch.cat((cls.expand(2, -1, -1), x), dim=1)",
    # kuangliu's pre-activation blocks: a shortcut only when the shapes change
    """
class PreActBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride, bias=False))

    def forward(self, x):
        shortcut = self.shortcut(x) if hasattr(self, 'shortcut') else x
        return self.conv1(x) + shortcut
---
return nn.Sequential(PreActBlock(8, 8), PreActBlock(8, 16, 2), PreActBlock(16, 16))(torch.randn(2, 8, 8, 8))
""",
]


CONTAINERS = """
from functools import partial


class ConvNormActivation(nn.Sequential):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, norm_layer=nn.BatchNorm2d):
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2, bias=False)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        layers.append(nn.ReLU(inplace=True))
        super().__init__(*layers)
        self.out_channels = out_channels


class Transition(nn.Sequential):
    def __init__(self, num_input_features, num_output_features):
        super().__init__()
        self.add_module("norm", nn.BatchNorm2d(num_input_features))
        self.add_module("conv", nn.Conv2d(num_input_features, num_output_features, 1, bias=False))
        self.add_module("pool", nn.AvgPool2d(2, 2))


class Stages(nn.ModuleList):
    def __init__(self, widths):
        super().__init__([ConvNormActivation(a, b, stride=2) for a, b in zip(widths, widths[1:])])

    def forward(self, x):
        for stage in self:
            x = stage(x)
        return x


class Net(nn.Module):
    def __init__(self, widths=(3, 8, 16), norm_layer=partial(nn.GroupNorm, 4)):
        super().__init__()
        self.stages = Stages(widths)
        self.transition = Transition(widths[-1], 32)
        self.head = ConvNormActivation(32, 12, 1, norm_layer=norm_layer)

    def forward(self, x):
        x = self.transition(self.stages(x))
        x = self.head(x)
        return x.mean((2, 3)) + self.stages[0][1].weight.sum()
---
"""

IDIOM_SNIPPETS += [
    # subclasses of the torch containers (torchvision's Conv2dNormActivation, DenseNet's _Transition),
    # norm layers given by functools.partial
    CONTAINERS + "return Net()(torch.randn(2, 3, 32, 32))",
    CONTAINERS + "return Net(widths=(3, 8, 12))(torch.randn(2, 3, 32, 32))",
    CONTAINERS + "return Net(norm_layer=partial(nn.GroupNorm, 5))(torch.randn(2, 3, 32, 32))",
    CONTAINERS + "return Net()(torch.randn(2, 4, 32, 32))",
    CONTAINERS + "return torch.ones(len(Stages((3, 4, 5, 6))), 2).t()",
]


def test_idioms_of_real_models_agree_with_torch() -> None:
    assert_agree(IDIOM_SNIPPETS)


# -- layers of several inputs -------------------------------------------------------------------------
def _attention(q: str, k: str, v: str, extra: str = "", options: str = "") -> str:
    return f"attn = nn.MultiheadAttention(8, 2{options})\nreturn attn(torch.randn{q}, torch.randn{k}, torch.randn{v}{extra})[{1 if 'weights' in extra else 0}]"


SEVERAL_INPUTS = [
    _attention("(5, 2, 8)", "(7, 2, 8)", "(7, 2, 8)"),
    _attention("(5, 2, 8)", "(7, 2, 8)", "(7, 2, 8)", ", need_weights=True"),
    _attention("(5, 2, 8)", "(7, 2, 8)", "(7, 2, 8)", ", average_attn_weights=False, need_weights=True"),
    _attention("(5, 2, 8)", "(7, 3, 8)", "(7, 3, 8)"),
    _attention("(5, 2, 8)", "(7, 2, 8)", "(6, 2, 8)"),
    _attention("(5, 2, 8)", "(7, 2, 8)", "(7, 2, 9)"),
    _attention("(5, 2, 6)", "(7, 2, 8)", "(7, 2, 8)"),
    _attention("(5, 8)", "(7, 8)", "(7, 8)"),
    _attention("(5, 8)", "(7, 2, 8)", "(7, 2, 8)"),
    _attention("(5, 2, 8)", "(7, 2, 4)", "(7, 2, 6)", options=", kdim=4, vdim=6"),
    _attention("(5, 2, 8)", "(7, 2, 5)", "(7, 2, 6)", options=", kdim=4, vdim=6"),
    _attention("(5, 2, 8)", "(7, 2, 4)", "(7, 2, 5)", options=", kdim=4, vdim=6"),
    _attention("(5, 2, 8)", "(7, 2, 4)", "(6, 2, 6)", options=", kdim=4, vdim=6"),
    _attention("(2, 5, 8)", "(2, 7, 4)", "(2, 7, 6)", ", need_weights=True", ", kdim=4, vdim=6, batch_first=True"),
    _attention("(2, 5, 8)", "(3, 7, 4)", "(3, 7, 6)", options=", kdim=4, vdim=6, batch_first=True"),
    _attention("(5, 2, 8)", "(7, 2, 8)", "(7, 2, 8)", ", need_weights=True", ", add_bias_kv=True, add_zero_attn=True"),
    "attn = nn.MultiheadAttention(8, 2)\nx = torch.randn(5, 2, 8)\nreturn attn(query=x, key=torch.randn(3, 2, 8), value=torch.randn(3, 2, 8))[0]",
    "b = nn.Bilinear(3, 4, 5)\nreturn b(torch.randn(2, 3), torch.randn(2, 4))",
    "b = nn.Bilinear(3, 4, 5)\nreturn b(torch.randn(2, 7, 3), torch.randn(2, 7, 4))",
    "b = nn.Bilinear(3, 4, 5)\nreturn b(torch.randn(3), torch.randn(4))",
    "b = nn.Bilinear(3, 4, 5)\nreturn b(torch.randn(2, 3), torch.randn(1, 4))",
    "b = nn.Bilinear(3, 4, 5)\nreturn b(torch.randn(2, 7, 3), torch.randn(14, 4))",
    "b = nn.Bilinear(3, 4, 5)\nreturn b(torch.randn(2, 3), torch.randn(2, 5))",
    "b = nn.Bilinear(3, 4, 5)\nreturn b(input1=torch.randn(2, 4), input2=torch.randn(2, 4))",
]


def test_layers_of_several_inputs_agree_with_torch() -> None:
    assert_agree(SEVERAL_INPUTS)


def test_cross_attention_error_names_the_layer_and_the_shapes() -> None:
    source = snippet("---\n".join([
        "class Cross(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.attn = nn.MultiheadAttention(8, 2, kdim=4, vdim=6)\n\n    def forward(self, q, k, v):\n        return self.attn(q, k, v)[0]\n",
        "return Cross()(torch.randn(5, 2, 8), torch.randn(7, 2, 4), torch.randn(6, 2, 6))",
    ]))
    lines = source.splitlines()
    (finding,) = analyze_source(source, "<snippet>").findings
    assert finding.message == "key's sequence and batch dims (7, 2, 4) do not match value's (6, 2, 6)"
    assert finding.line == lines.index("        return self.attn(q, k, v)[0]") + 1
    built = lines.index("        self.attn = nn.MultiheadAttention(8, 2, kdim=4, vdim=6)") + 1
    assert finding.notes[0] == f"in self.attn = MultiheadAttention(8, 2, kdim=4, vdim=6), defined at line {built}"


# -- more ops real models call ------------------------------------------------------------------------
MORE_OPS = [
    # U-Net: pad the upsampled map by the size difference (symbolic in a forward, concrete here)
    "x1 = torch.randn(2, 4, 7, 9)\nx2 = torch.randn(2, 4, 10, 12)\ndy = x2.size()[2] - x1.size()[2]\ndx = x2.size()[3] - x1.size()[3]\nx1 = F.pad(x1, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2])\nreturn torch.cat([x2, x1], dim=1)",
    "x1 = torch.randn(2, 4, 7, 9)\nx2 = torch.randn(2, 4, 10, 12)\ndy = x2.size()[2] - x1.size()[2]\nx1 = F.pad(x1, [dy // 2, dy - dy // 2, dy // 2, dy - dy // 2])\nreturn torch.cat([x2, x1], dim=1)",
    # global pooling by the map's own size, SENet's squeeze
    "out = torch.randn(2, 8, 6, 6)\nw = F.avg_pool2d(out, out.size(2))\nreturn out * w",
    "out = torch.randn(2, 8, 6, 5)\nreturn F.avg_pool2d(out, out.size()[2:])",
    "out = torch.randn(2, 8, 6, 5)\nreturn F.max_pool2d(out, kernel_size=out.size()[2:], stride=1)",
    "out = torch.randn(2, 8, 6, 5)\nreturn F.max_pool2d(out, kernel_size=out.size(2), stride=1)",
    # layer_norm over the input's own last size
    "x = torch.randn(2, 5, 7)\nreturn F.layer_norm(x, x.shape[-1:])",
    "x = torch.randn(2, 5, 7)\nreturn F.layer_norm(x, x.shape[-2:])",
    "x = torch.randn(2, 5, 7)\nreturn F.layer_norm(x, (5,))",
    # position grids
    "h, w = 3, 4\ny, x = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')\nreturn torch.stack((y.flatten(), x.flatten()), dim=-1)",
    "y, x = torch.meshgrid(torch.arange(3), torch.arange(4), indexing='xy')\nreturn y",
    "z, y, x = torch.meshgrid(torch.arange(2), torch.arange(3), torch.arange(4), indexing='ij')\nreturn x",
    "g = torch.stack(torch.meshgrid([torch.arange(3), torch.arange(4)], indexing='ij'))\nreturn g",
    "y, x = torch.meshgrid(torch.arange(3), torch.zeros(2, 2, dtype=torch.long), indexing='ij')\nreturn y",
    # diagonals, interleaving, complex rotary embeddings (llama)
    "return torch.diag(torch.randn(3), 1)",
    "return torch.diag(torch.randn(3, 5), -1)",
    "return torch.diag(torch.randn(3, 5), 2)",
    "return torch.randn(3, 4, 5).diag()",
    "return torch.randn(3, 4).repeat_interleave(2, dim=1)",
    "return torch.randn(3, 4).repeat_interleave(3)",
    "return torch.arange(6).repeat_interleave(2, dim=-1)",
    "freqs = torch.outer(torch.arange(8).float(), torch.randn(4))\nf = torch.polar(torch.ones_like(freqs), freqs)\nx = torch.view_as_complex(torch.randn(2, 8, 4, 2))\nreturn torch.view_as_real(x * f).flatten(2)",
    "return torch.view_as_complex(torch.randn(2, 8, 3))",
    # what a tensor holds is not a shape: no gap, no error
    "x = torch.randn(3)\nrates = [v.item() for v in torch.linspace(0, 0.1, 4)]\nreturn x * rates[1] + x",
    "x = torch.randn(2, 3)\nwith torch.no_grad():\n    y = x * 2\nreturn y.masked_fill(y > 0, -torch.finfo(y.dtype).max)",
    "x = torch.randn(2, 3)\nif torch.jit.is_scripting() or not torch.is_tensor(x):\n    return x.t()\nreturn x + x",
    "return F.one_hot(torch.tensor([[1, 2], [0, 1]]), 5).t()",
    # ViT patch dropout: the kept patches' indices from topk, by name
    "x = torch.randn(2, 9, 16)\nb = torch.arange(2)[:, None]\nkeep = torch.randn(2, 9).topk(4, dim=-1).indices\nreturn x[b, keep]",
    "x = torch.randn(2, 9, 16)\nreturn x.max(dim=1).values + x.sort(dim=1).values[:, 0]",
    # several index tensors broadcast together: in place when adjacent, else first
    "x = torch.randn(2, 9, 16)\nreturn x[torch.arange(2)[:, None], :, torch.zeros(2, 4, dtype=torch.long)]",
    "x = torch.randn(2, 9, 16)\nreturn x[:, torch.zeros(3, 1, dtype=torch.long), torch.zeros(5, dtype=torch.long)]",
    "x = torch.randn(2, 9, 16)\nreturn x[:, torch.zeros(3, 2, dtype=torch.long), torch.zeros(5, dtype=torch.long)]",
    "x = torch.randn(2, 9, 16)\nreturn x[0, :, torch.tensor([1, 0, 1, 0])]",
    "p = float(torch.rand(1).item())\nreturn torch.randn(2, 3).t() * (1 - p)",
    # creation and the rest
    "return torch.arange(0, 8, step=2)[:, None] * torch.ones(4)",
    "return torch.arange(start=2, end=9).float() @ torch.ones(7)",
    "return torch.arange(end=5).float() @ torch.ones(5)",
    "return torch.arange(1, 8, 2).float() @ torch.ones(4)",
    "q = torch.arange(0, 8, step=2)\nk = torch.arange(8)\nreturn torch.stack(torch.meshgrid(q, k, indexing='ij'), dim=-1) + torch.zeros(4, 8, 2)",
    "return torch.Tensor(2, 3).t()",
    "return torch.FloatTensor([[1, 2, 3]]).t()",
    "return torch.empty(size=(2, 3)).t()",
    "return torch.tensor(torch.randn(2, 3)).t()",
    "return torch.randperm(5)[:3].float() @ torch.randn(3, 2)",
    "return torch.bucketize(torch.randn(2, 3), torch.arange(4.0)).t()",
    "return torch.searchsorted(torch.arange(4.0), torch.randn(2, 3)).t()",
    "return torch.special.expm1(torch.randn(2, 3)).t()",
    "return torch.nn.utils.rnn.pad_sequence([torch.randn(3, 4), torch.randn(5, 4)]).t()",
    "return torch.nn.utils.rnn.pad_sequence([torch.randn(3, 4), torch.randn(5, 4)], batch_first=True).transpose(0, 2)",
    "return torch.nn.utils.rnn.pad_sequence([torch.randn(3, 4), torch.randn(5, 3)])",
    "return torch.fft.fft2(torch.randn(2, 3, 8, 6)).abs() + torch.randn(8, 6)",
    "return torch.fft.rfft2(torch.randn(2, 3, 8, 6)).abs() + torch.randn(8, 4)",
    "return torch.fft.rfft2(torch.randn(2, 3, 8, 6)).abs() + torch.randn(8, 6)",
    "return torch.fft.irfft(torch.fft.rfft(torch.randn(2, 7))) + torch.randn(2, 6)",
    "return F.one_hot(torch.tensor([[1, 2], [0, 1]]), 5).T",
    "return torch.randn(3, 4).T @ torch.randn(3, 5)",
    "return torch.randn(3, 4).mT @ torch.randn(4, 5)",
    "return torch.randn(3).mT",
    "x = torch.randn(2, 7)\nlengths = torch.tensor([x.shape[1], x.shape[0]])\nreturn torch.stack([lengths, lengths])",
    # DLA: levels set and read by name
    """
class Tree(nn.Module):
    def __init__(self, levels):
        super().__init__()
        self.levels = levels
        for i in range(1, levels):
            self.__setattr__('level_%d' % i, nn.Conv2d(4, 4, 3, padding=i % 2))

    def forward(self, x):
        for i in range(1, self.levels):
            x = self.__getattr__('level_%d' % i)(x)
        return x
---
return Tree(4)(torch.randn(2, 4, 8, 8))
""",
]


def test_more_ops_agree_with_torch() -> None:
    assert_agree(MORE_OPS)


def test_symbolic_pads_and_windows_follow_the_sizes() -> None:
    """U-Net's padding by a size difference and SENet's squeeze, on sizes the forward leaves free."""
    source = PRELUDE + textwrap.dedent(
        """
        class Up(nn.Module):
            def __init__(self):
                super().__init__()
                self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
                self.skip = nn.Conv2d(4, 4, 3, padding=1)

            def forward(self, x1, x2):
                x1 = self.up(x1)
                x2 = self.skip(x2)
                dy = x2.size()[2] - x1.size()[2]
                dx = x2.size()[3] - x1.size()[3]
                x1 = F.pad(x1, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2])
                x = torch.cat([x2, x1], dim=1)
                return x * F.avg_pool2d(x, x.size()[2:])
        """
    )
    report = analyze_source(source, "<snippet>")
    (model,) = report.models
    assert not report.findings and not model.gaps
    assert model.output == "(B, 8, H2, W2)"


EINOPS_MORE = [
    # einsum, torch's and einops' (words for axes, the tensors first), with ellipses
    "return torch.einsum('...ij,...jk->...ik', torch.randn(2, 3, 4), torch.randn(4, 5))",
    "return torch.einsum('...ij,...jk', torch.randn(2, 3, 4), torch.randn(4, 5))",
    "return torch.einsum('i...j,j...k->...ik', torch.randn(3, 2, 4), torch.randn(4, 2, 5))",
    "return torch.einsum('...ij,...jk->...ik', torch.randn(2, 3, 4), torch.randn(3, 4, 5))",
    "return torch.einsum('...ij,...jk->...iz', torch.randn(2, 3, 4), torch.randn(4, 5))",
    "return torch.einsum('...ijk,...jk->...i', torch.randn(4), torch.randn(4, 5))",
    "return torch.einsum('b h i d, b h j d -> b h i j', torch.randn(2, 4, 5, 8), torch.randn(2, 4, 7, 8))",
    "return einops.einsum(torch.randn(2, 3, 4), torch.randn(2, 5, 4), 'batch i dim, batch j dim -> batch i j')",
    "return einops.einsum(torch.randn(2, 3, 4), torch.randn(2, 5, 3), 'batch i dim, batch j dim -> batch i j')",
    "return einops.einsum(torch.randn(7, 3, 4), torch.randn(4, 5), '... i d, d j -> ... i j')",
    # pack and unpack
    "packed, ps = einops.pack([torch.randn(2, 3, 5), torch.randn(2, 3, 7, 5)], 'i j * k')\nreturn packed",
    "packed, ps = einops.pack([torch.randn(2, 3, 5), torch.randn(2, 4, 7, 5)], 'i j * k')\nreturn packed",
    "packed, ps = einops.pack([torch.randn(2, 3, 5)], 'i j * k l')\nreturn packed",
    "cls = torch.randn(2, 16)\nx = torch.randn(2, 9, 16)\npacked, ps = einops.pack([cls, x], 'b * d')\ncls, x = einops.unpack(packed, ps, 'b * d')\nreturn x",
    "xs = einops.unpack(torch.randn(2, 3, 71, 5), [(), (7,), (7, 9)], 'i j * k')\nreturn xs[2]",
    "xs = einops.unpack(torch.randn(2, 3, 72, 5), [(), (7,), (7, 9)], 'i j * k')\nreturn xs[2]",
    "xs = einops.unpack(torch.randn(2, 3, 71, 5), [(), (7,), (7, -1)], 'i j * k')\nreturn xs[2]",
    "xs = einops.unpack(torch.randn(2, 3, 70, 5), [(), (7,), (7, -1)], 'i j * k')\nreturn xs[2]",
    "shape = einops.parse_shape(torch.randn(2, 3, 4), 'b _ h')\nreturn torch.zeros(shape['b'], shape['h']).t()",
]


def test_more_einops_agree_with_torch() -> None:
    assert_agree(EINOPS_MORE)


def test_shapes_compared_as_tuples_decide_only_what_holds_for_every_size() -> None:
    """llama's ``assert freqs_cis.shape == (x.shape[1], x.shape[-1])``: sizes that may differ make the
    comparison unknown (an input condition), not false; sizes that cannot be equal make it false."""
    source = PRELUDE + textwrap.dedent(
        """
        from jaxtyping import Float
        from torch import Tensor

        class Rotary(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(8, 8)
                self.register_buffer("freqs", torch.randn(16, 4))

            def forward(self, x: Float[Tensor, "B T 8"]):
                x = self.proj(x)
                freqs = self.freqs[: x.shape[1]]
                assert freqs.shape == (x.shape[1], x.shape[-1] // 2)
                assert x.shape != (x.shape[0], x.shape[1], 9)
                return x * 2
        """
    )
    report = analyze_source(source, "<snippet>")
    assert not report.findings
    failing = analyze_source(source.replace("x.shape[-1] // 2)", "x.shape[-1])"), "<snippet>")
    assert [f.line for f in failing.findings] == [source.splitlines().index("        assert freqs.shape == (x.shape[1], x.shape[-1] // 2)") + 1]


def test_sizes_of_an_input_of_unknown_rank_are_never_none() -> None:
    """timm's ``get_embed(x.shape[2:])`` then ``if shape is not None``: the other arm never runs, so an
    assertion in it is no finding (the input's rank is not known, but its sizes are a tuple)."""
    source = PRELUDE + textwrap.dedent(
        """
        class Rope(nn.Module):
            def __init__(self, feat_shape=None):
                super().__init__()
                self.feat_shape = feat_shape

            def embed(self, shape=None):
                if shape is not None:
                    return torch.zeros(len(shape), 4)
                assert self.feat_shape is not None, 'feature shape must be cached on create'
                return torch.zeros(2, 4)

            def forward(self, x):
                return self.embed(x.shape[2:]) * 2
        """
    )
    assert not analyze_source(source, "<snippet>").findings
