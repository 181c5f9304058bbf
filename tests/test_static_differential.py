"""Differential test: PyTorch is the oracle of the forward interpreter (``shapecheck.static``).

Every program of ``tests/_programs.py`` is a whole model file (an ``nn.Module`` class, helpers, blocks,
loops, ``F.*``, tensor methods...) with a ``test()`` that builds the model (sometimes with constructor
arguments) and calls it on a tensor of a stated size. Torch runs it (CPU, ``no_grad``): it succeeds with
an output shape or fails at a line of the file (the deepest frame of the traceback in the file). Torch
also runs ``Net()`` (the constructor's defaults) on the stated size and on other sizes (the free dims
changed: batch, spatial, time). The interpreter reads the same text twice:

* concrete: the file as it is, so ``test()`` is followed with the stated size;
* symbolic: the file without ``test()``, so ``Net()``'s input sizes are symbols (``B``, ``H``...).

What must hold:

* no false positives: when torch runs ``test()``, the concrete mode reports nothing; when it runs
  ``Net()`` on the stated size, the symbolic mode reports nothing;
* a symbolic finding claims that the model fails for every input size: torch fails on every size tried;
* when torch succeeds, the output shape the interpreter gives ``out = net(x)`` is torch's; wherever
  ``Net()`` runs, the symbolic output bound to that size is torch's and the input conditions hold;
* recall: of the programs torch rejects, the concrete mode reports (almost) all, at the line torch
  fails at, the definition of a layer used there, or the line the bug was written on; any other
  finding is a symbolic one too or at a line torch did not reach (never one torch ran through).

A failure names its seed: ``python -m tests._programs SEED`` prints the program; ``python -m
tests.test_static_differential`` prints the table of counts (``-v``: and the programs missed).
"""

from __future__ import annotations

import ast
import re
import sys
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import FrameType

import pytest
import torch

from shapecheck.static import FileReport, analyze_source
from tests._programs import Program, generate_program, one_thread

PROGRAMS = 400
RECALL_FLOOR = 0.95
SHOWN_FAILURES = 6


# -- torch ---------------------------------------------------------------------------------------
@dataclass
class TorchOutcome:
    ok: bool
    shape: tuple[int, ...] | None = None
    error: str = ""
    line: int | None = None
    """The deepest line of the program in the traceback."""
    passed: set[int] = field(default_factory=set)
    """The lines of the program run exactly once, in a function called once, to their end (not in the
    traceback), when traced: a line run several times (a loop's body, the forward of a block used
    twice) may have failed on a later run."""

    def __str__(self) -> str:
        return f"output {self.shape}" if self.ok else f"fails at line {self.line}: {self.error}"


def _filename(program: Program) -> str:
    return f"program_{program.seed}.py"


@cache
def _namespace(seed: int) -> dict[str, object]:
    program = generate_program(seed)
    ns: dict[str, object] = {"__name__": f"program_{seed}"}
    exec(compile(program.source, _filename(program), "exec"), ns)
    return ns


def run_torch(program: Program, shape: tuple[int, ...] | None = None, trace: bool = False) -> TorchOutcome:
    """``test()`` (the stated size and ``test()``'s constructor arguments), or ``Net()`` on an input of
    ``shape``; ``trace``: record the lines run."""
    ns = _namespace(program.seed)
    torch.manual_seed(program.seed)
    ran: Counter[object] = Counter()
    outer = sys.gettrace()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if trace:
                sys.settrace(_line_tracer(_filename(program), ran))
            try:
                if shape is None:
                    out = ns["test"]()  # type: ignore[operator]
                else:
                    out = ns["Net"]()(program.input(shape))  # type: ignore[operator]
            finally:
                sys.settrace(outer)
    except Exception as err:  # torch raises RuntimeError, ValueError, IndexError, TypeError...
        frames = [f.lineno for f in traceback.extract_tb(err.__traceback__) if f.filename == _filename(program)]
        text = " ".join(str(err).split())[:160]
        once = {key[1] for key, count in ran.items() if count == 1 and isinstance(key, tuple) and ran[key[0]] == 1}
        return TorchOutcome(False, error=f"{type(err).__name__}: {text}", line=frames[-1] if frames else None, passed=once - set(frames))
    return TorchOutcome(True, tuple(out.shape) if isinstance(out, torch.Tensor) else None)


def _line_tracer(filename: str, runs: Counter[object]) -> Callable[[FrameType, str, object], object]:
    """Counts the calls of each function of ``filename`` (by code object) and the runs of each of its
    lines (by (code, line))."""

    def trace(frame: FrameType, event: str, arg: object) -> object:
        if frame.f_code.co_filename != filename:
            return None
        if event == "call":
            runs[frame.f_code] += 1
        elif event == "line":
            runs[frame.f_code, frame.f_lineno] += 1
        return trace

    return trace


def other_sizes(program: Program) -> list[tuple[int, ...]]:
    """Input sizes besides the stated one: the free dims (batch, spatial, time) changed, the rest kept;
    mostly larger (a symbolic finding must fail for them too), two smaller (conditions get tested)."""
    out = []
    sizes: list[tuple[int, Callable[[int], int]]] = [
        (3, lambda d: d + 1),
        (2, lambda d: 2 * d),
        (4, lambda d: d + 5),
        (2, lambda d: 3 * d + 2),
        (1, lambda d: max(1, d - 1)),
        (2, lambda d: max(1, d // 2)),
    ]
    for batch, grow in sizes:
        dims = list(program.shape)
        for i in program.free:
            dims[i] = batch if i == 0 else grow(dims[i])
        out.append(tuple(dims))
    return out


# -- the interpreter -----------------------------------------------------------------------------
@dataclass
class Result:
    program: Program
    torch: TorchOutcome
    concrete: FileReport
    symbolic: FileReport
    crashes: list[str] = field(default_factory=list)
    others: list[tuple[tuple[int, ...], TorchOutcome]] = field(default_factory=list)
    """``Net()`` (the constructor's defaults, as the symbolic mode builds it) on the stated size, then
    on other sizes: what the symbolic findings, shapes and conditions are checked against."""

    @property
    def accepted_lines(self) -> set[int]:
        """Where a finding for torch's failure may be: the failing line, the definitions of the layers
        it uses (``self.fc1`` -> ``self.fc1 = nn.Linear(...)``), the lines the bug was written on."""
        lines = set(self.program.bad_lines)
        if self.torch.line is not None:
            lines.add(self.torch.line)
            lines |= definition_lines(self.program.source, self.torch.line)
        return lines

    @property
    def caught(self) -> bool:
        return any(f.line in self.accepted_lines for f in self.concrete.findings)

    def describe(self, problem: str) -> str:
        p = self.program
        def findings(report: FileReport) -> str:
            return "".join(f"\n      line {f.line}: {f.message}" + "".join(f"\n        {n}" for n in f.notes) for f in report.findings) or " none"
        others = "".join(f"\n    {shape}: {outcome}" for shape, outcome in self.others)
        return (
            f"seed {p.seed} ({p.perturbed or 'unperturbed'}): {problem}\n"
            f"  input {p.shape}; torch: {self.torch}{others}\n"
            f"  concrete findings:{findings(self.concrete)}\n"
            f"  symbolic findings:{findings(self.symbolic)}\n"
            f"  reproduce: python -m tests._programs {p.seed}"
        )


def definition_lines(source: str, line: int) -> set[int]:
    """The lines that assign ``self.NAME`` in the class of ``line``, for each ``self.NAME`` read there."""
    tree = ast.parse(source)
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        if not cls.lineno <= line <= (cls.end_lineno or 0):
            continue
        used = {n.attr for n in ast.walk(cls) if _self_attribute(n) and getattr(n, "lineno", 0) == line}
        out: set[int] = set()
        for node in ast.walk(cls):
            if isinstance(node, ast.Assign) and any(_self_attribute(t) and t.attr in used for t in node.targets):  # type: ignore[attr-defined]
                out.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        return out
    return set()


def _self_attribute(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


@cache
def result(seed: int) -> Result:
    program = generate_program(seed)
    outcome = run_torch(program)
    if not outcome.ok:
        outcome = run_torch(program, trace=True)
    crashes = []
    reports = []
    for source in (program.source, program.symbolic_source):
        try:
            reports.append(analyze_source(source, _filename(program)))
        except Exception:  # the interpreter must never crash; test_interpreter_never_crashes shows it
            crashes.append(traceback.format_exc(limit=-4))
            reports.append(FileReport(_filename(program), error="crashed"))
    res = Result(program, outcome, *reports, crashes=crashes)
    res.others = [(shape, run_torch(program, shape)) for shape in [program.shape, *other_sizes(program)]]
    return res


@cache
def results() -> list[Result]:
    with one_thread():
        return [result(seed) for seed in range(PROGRAMS)]


def _fail(failures: Sequence[str], total: int, what: str) -> None:
    if failures:
        shown = "\n\n".join(failures[:SHOWN_FAILURES])
        more = f"\n\n... and {len(failures) - SHOWN_FAILURES} more" if len(failures) > SHOWN_FAILURES else ""
        pytest.fail(f"{len(failures)} of {total} programs: {what}\n\n{shown}{more}", pytrace=False)


# -- reading shapes out of the reports -----------------------------------------------------------
def parse_dims(text: str) -> tuple[bool, list[str]] | None:
    """``(B, 3, (H - 4)//2)`` -> (prefix?, dim texts); None when not a shape."""
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        return None
    dims, depth, current = [], 0, ""
    for ch in text[1:-1]:
        if ch == "," and depth == 0:
            dims.append(current.strip())
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    if current.strip():
        dims.append(current.strip())
    prefix = bool(dims) and dims[0] == "..."
    return prefix, dims[1:] if prefix else dims


def shape_agrees(text: str, actual: tuple[int, ...], binding: Mapping[str, int] | None = None) -> bool | None:
    """Whether a shape the interpreter printed is ``actual`` (its symbols bound by ``binding``): None
    when nothing of it is known; unknown dims (``?``) agree with anything."""
    parsed = parse_dims(text)
    if parsed is None:
        return None
    prefix, dims = parsed
    if not prefix and len(dims) != len(actual) or prefix and len(dims) > len(actual):
        return False
    known = 0
    for d, a in zip(reversed(dims), reversed(actual)):
        if "?" in d:
            continue
        try:
            value = eval(d, {"__builtins__": {}}, dict(binding or {}))  # noqa: S307 - our own dim texts
        except NameError:
            continue
        known += 1
        if value != a:
            return False
    return True if known or not prefix else None


def binding_of(inputs: str, shape: tuple[int, ...]) -> dict[str, int] | None:
    """The sizes ``x: (B, 3, H, W)`` (or ``x: (..., 8)``) gives its symbols for an input of ``shape``."""
    head, _, text = inputs.partition(": ")
    parsed = parse_dims(text) if head == "x" else None
    if parsed is None or len(parsed[1]) > len(shape) or not parsed[0] and len(parsed[1]) != len(shape):
        return None
    out: dict[str, int] = {}
    for d, a in zip(reversed(parsed[1]), reversed(shape)):
        if re.fullmatch(r"[A-Za-z_]\w*", d):
            out[d] = a
        elif d.isdigit() and int(d) != a:
            return None  # the model's first layer fixes this dim otherwise: not an input it takes
    return out


def symbolic_model(res: Result) -> tuple[str, str, list[str]] | None:
    """(inputs, output, conditions) of the symbolic mode's ``Net``."""
    for m in res.symbolic.models:
        if m.name == "Net" and m.followed:
            return m.inputs, m.output, m.conditions
    return None


def concrete_output(res: Result) -> str | None:
    return res.concrete.shapes.get((res.program.call_line, 4))


def _holds(condition: str, binding: Mapping[str, int]) -> bool | None:
    try:
        return bool(eval(condition, {"__builtins__": {}}, dict(binding)))  # noqa: S307 - our own condition texts
    except Exception:  # an assumption from an assert, in the source's own words
        return None


# -- the properties ------------------------------------------------------------------------------
def test_interpreter_never_crashes() -> None:
    failures = [r.describe("the interpreter crashed:\n" + "\n".join(r.crashes)) for r in results() if r.crashes]
    _fail(failures, PROGRAMS, "crashes")


def test_no_false_positives() -> None:
    """Torch runs the program: the interpreter reports nothing, with the stated size or without."""
    rs = results()
    failures = [r.describe("torch runs test(), the interpreter reports an error") for r in rs if r.torch.ok and r.concrete.findings]
    failures += [r.describe("torch runs Net() on the stated size, the symbolic mode reports an error") for r in rs if r.others[0][1].ok and r.symbolic.findings]
    _fail(failures, sum(r.torch.ok for r in rs), "false positives")


def test_symbolic_findings_fail_for_other_sizes() -> None:
    """A symbolic finding says the model fails for every input size: torch fails on every size tried."""
    flagged = [r for r in results() if r.symbolic.findings]
    failures = []
    for r in flagged:
        accepted = [shape for shape, outcome in r.others if outcome.ok]
        if accepted:
            failures.append(r.describe(f"a symbolic finding, yet torch accepts the sizes {accepted}"))
    _fail(failures, len(flagged), "symbolic findings torch contradicts")
    assert len(flagged) >= 20, f"only {len(flagged)} programs have symbolic findings: the test checks little"


def test_output_shapes_agree() -> None:
    """Torch runs the program: the shape the interpreter gives ``out = net(x)`` is torch's output shape."""
    ok = [r for r in results() if r.torch.ok and r.torch.shape is not None]
    failures, known = [], 0
    for r in ok:
        text = concrete_output(r)
        agrees = shape_agrees(text, r.torch.shape) if text is not None else None  # type: ignore[arg-type]
        if agrees is False:
            failures.append(r.describe(f"the interpreter's output {text} is not torch's {r.torch.shape}"))
        known += agrees is True
    _fail(failures, len(ok), "output shapes differ")
    assert known >= 0.9 * len(ok), f"the output shape is known for only {known} of {len(ok)} valid programs"


def test_symbolic_shapes_and_conditions_agree() -> None:
    """Wherever torch accepts an input (the stated size, other sizes), the symbolic model's output bound
    to it is torch's output, and its input conditions hold there."""
    runs = [(r, shape, outcome) for r in results() for shape, outcome in r.others if outcome.ok and outcome.shape]
    failures, known = [], 0
    for r, shape, outcome in runs:
        model = symbolic_model(r)
        binding = binding_of(model[0], shape) if model else None
        if model is None or binding is None:
            continue
        _, output, conditions = model
        agrees = shape_agrees(output, outcome.shape, binding)  # type: ignore[arg-type]
        if agrees is False:
            failures.append(r.describe(f"the symbolic output {output} at {binding} is not torch's {outcome.shape}"))
        known += agrees is True
        broken = [c for c in conditions if _holds(c, binding) is False]
        if broken:
            failures.append(r.describe(f"torch accepts {shape}, yet the input conditions {broken} fail at {binding}"))
    _fail(failures, len(runs), "symbolic shapes or conditions disagree")
    assert known >= 0.6 * len(runs), f"the symbolic output is known for only {known} of {len(runs)} accepted inputs"


def complete_but_rejected(r: Result) -> list[tuple[tuple[int, ...], str]]:
    """The sizes torch rejects although the symbolic model, followed in full, holds every condition there."""
    model = next((m for m in r.symbolic.models if m.name == "Net" and m.complete), None)
    if model is None or r.symbolic.findings or "?" in model.output:
        return []
    out = []
    for shape, outcome in r.others:
        binding = binding_of(model.inputs, shape)
        if not outcome.ok and binding is not None and all(_holds(c, binding) for c in model.conditions):
            out.append((shape, outcome.error))
    return out


def test_recall() -> None:
    """Of the programs torch rejects, the concrete mode reports almost every one, at the right line."""
    rejected = [r for r in results() if not r.torch.ok]
    missed = [r for r in rejected if not r.caught]
    recall = 1 - len(missed) / len(rejected)
    print(table())
    if recall < RECALL_FLOOR:
        _fail([r.describe("torch rejects the program, the interpreter does not report it there") for r in missed], len(rejected), f"missed (recall {recall:.1%})")


def test_findings_elsewhere_are_symbolic_or_unreached() -> None:
    """Of the programs torch rejects, a concrete finding away from the failing line is one the symbolic
    mode makes too (the model fails for every size: checked by test_symbolic_findings_fail_for_other_sizes)
    or at a line torch never reached (a second error: ``self.shortcut(x)`` after ``self.conv_a(x)``
    failed on the same ``x``); never at a line torch ran through."""
    rejected = [r for r in results() if not r.torch.ok]
    failures = []
    for r in rejected:
        wrong = sorted(line for line, _ in elsewhere(r) if line in r.torch.passed)
        if wrong:
            failures.append(r.describe(f"findings at lines {wrong} that torch ran through; it fails at {sorted(r.accepted_lines)}"))
    _fail(failures, len(rejected), "misplaced findings")


def elsewhere(r: Result) -> set[tuple[int, str]]:
    """The concrete findings away from torch's failure and not made by the symbolic mode."""
    symbolic = {(f.line, f.message) for f in r.symbolic.findings}
    return {(f.line, f.message) for f in r.concrete.findings if f.line not in r.accepted_lines} - symbolic


def test_generator_is_reproducible_and_mixed() -> None:
    assert generate_program(12345).source == generate_program(12345).source
    rejected = sum(not r.torch.ok for r in results()) / PROGRAMS
    assert 0.25 <= rejected <= 0.45, f"torch rejects {rejected:.0%} of the programs; aim for about a third"


# -- the table -----------------------------------------------------------------------------------
def table() -> str:
    rs = results()
    ok = [r for r in rs if r.torch.ok]
    bad = [r for r in rs if not r.torch.ok]
    fp_concrete = sum(bool(r.concrete.findings) for r in ok)
    fp_symbolic = sum(bool(r.symbolic.findings) for r in rs if r.others[0][1].ok)
    outputs = [shape_agrees(concrete_output(r) or "", r.torch.shape) for r in ok if r.torch.shape is not None]  # type: ignore[arg-type]
    lines = [
        f"programs {len(rs)}: torch accepts {len(ok)}, rejects {len(bad)}",
        f"false positives: concrete {fp_concrete} of {len(ok)} programs torch accepts; symbolic {fp_symbolic} of "
        f"{sum(r.others[0][1].ok for r in rs)} torch accepts with the constructor's defaults",
        f"output shape (concrete): {outputs.count(True)} agree, {outputs.count(False)} differ, {outputs.count(None)} unknown",
        f"symbolic findings: {sum(bool(r.symbolic.findings) for r in rs)} programs; torch accepts a size in "
        f"{sum(any(o.ok for _, o in r.others) for r in rs if r.symbolic.findings)}",
        f"recall (concrete, at the right line): {sum(r.caught for r in bad)} of {len(bad)}; "
        f"reported elsewhere {sum(bool(r.concrete.findings) and not r.caught for r in bad)}; "
        f"symbolic mode reports {sum(bool(r.symbolic.findings) for r in bad)}; "
        f"with a second finding at a line torch did not reach {sum(bool(elsewhere(r)) for r in bad)}",
        f"symbolic model followed in full, yet torch rejects a size meeting its conditions (silence, not an error): "
        f"{sum(bool(complete_but_rejected(r)) for r in rs)} programs",
        "",
        f"{'family':<14}{'rejected':>9}{'caught':>8}{'symbolic':>9}{'accepted':>9}",
    ]
    families: Counter[str] = Counter()
    for r in rs:
        if r.program.family:
            families[r.program.family] += 1
    for family in sorted(families):
        of = [r for r in rs if r.program.family == family]
        rejected = [r for r in of if not r.torch.ok]
        lines.append(
            f"{family:<14}{len(rejected):>9}{sum(r.caught for r in rejected):>8}{sum(bool(r.symbolic.findings) for r in rejected):>9}{len(of) - len(rejected):>9}"
        )
    return "\n".join(lines)


def _iter_missed() -> Iterator[str]:
    for r in results():
        if not r.torch.ok and not r.caught:
            yield r.describe("missed")


if __name__ == "__main__":
    import sys

    print(table())
    if "-v" in sys.argv:
        for text in _iter_missed():
            print("\n" + text)
