"""Checks on inputs whose sizes the source does not fix: an equality fails only if no size satisfies it.

A ``forward()`` read from source has inputs of unknown size (``B``, ``H``, ``W`` invented for them).
``Linear(1024)`` after ``1280*((H//32)*(W//32))`` features fails for every ``H`` and ``W`` (1024 is
not a multiple of 1280): that is an error. ``Linear(25088)`` after ``512*((H//32)*(W//32))`` holds
for a 224x224 input: that is the model's input condition, shown, never an error. What cannot be
decided either way is a condition too: silence beats a false positive.

An equality is proven impossible by one of two arguments:

* divisibility: every term of ``a - b`` but the constant is a multiple of ``g``, the constant is not;
* monotonicity: ``a - b`` cannot decrease as any size grows, and is already positive at the least
  sizes allowed (or the mirror image).

Some checks leave a size only finitely many values on the path that goes on: ``assert h == 224``,
``Linear(64)`` on ``C`` features (``C == 64``), ``H//32 == 7`` (``H`` in 224..255), a broadcast of
``(H+3)//4 - 3`` with ``(H+3)//4 - 5`` (never equal: it runs only where the smaller is 1, ``H`` in
21..24). Such a size is *pinned* (:class:`Pin`) and every later check is decided value by value: it
fails when it fails for every value left. A failure that only a broadcast's size-1 case allowed to
get that far is reported at that broadcast, where torch fails for every other size. Likewise an
equation that the lower bounds learnt later leave no size is reported where it was required.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from shapecheck.checker import Checker, _holds_when, _text
from shapecheck.dims import Dim, Expr, Floor, Symbol, as_dim, content, evaluate, is_nondecreasing, is_unknown, least_value, substitute, symbols_of, unknown
from shapecheck.errors import RuleError

__all__ = ["Pin", "Solver", "never_equal"]

_MAX_VALUES: Final = 4096
"""The most values a pin keeps (a wider solution set is left free)."""
_MAX_CASES: Final = 4096
"""The most combinations of pinned values a check is decided over."""


def never_equal(a: Dim, b: Dim, lower: dict[str, int]) -> str | None:
    """Why ``a == b`` holds for no sizes (each at least ``lower``, else 1), or None if it may hold."""
    d = a - b
    if isinstance(d, int):
        return None if d == 0 else f"{a} != {b}"
    if is_unknown(d):
        return None
    g = content(d)
    if g > 1 and d.const % g:
        return f"{_without_const(d)} is a multiple of {g}, {-d.const} is not"
    cancelled = _cancelled(a, b, lower)
    if cancelled is not None:
        why = never_equal(*cancelled, lower)
        if why is not None:
            return f"{why} (both sides divided by their common factor, at least 1)"
    zeros = _periodic_zeros(d, lower)
    if zeros is not None and not zeros:
        return f"{a} - ({b}) is linear in {next(iter(symbols_of(d)))} plus a periodic part, and zero for no size"
    least = {s.name: lower.get(s.name, 1) for s in symbols_of(d)}
    if is_nondecreasing(d, least) and evaluate(d, least) > 0:
        return f"{a} > {b} for every input size (at the least sizes {_sizes(least)}: {evaluate(a, least)} > {evaluate(b, least)})"
    if is_nondecreasing(-d, least) and evaluate(-d, least) > 0:
        return f"{a} < {b} for every input size (at the least sizes {_sizes(least)}, {evaluate(a, least)} < {evaluate(b, least)}, and the gap only grows)"
    return None


def _cancelled(a: Dim, b: Dim, lower: dict[str, int]) -> tuple[Dim, Dim] | None:
    """``a`` and ``b``, two products of sizes, without the factors they share when those are at least 1
    for every size allowed (``(H//16)*(W//16)`` and ``(H//8)*(W//16)``: ``H//16`` and ``H//8``)."""
    if isinstance(a, int) or isinstance(b, int) or len(a.terms) != 1 or len(b.terms) != 1 or a.const or b.const:
        return None
    (mono_a, coeff_a), (mono_b, coeff_b) = a.terms[0], b.terms[0]
    rest_a, rest_b = list(mono_a), list(mono_b)
    common = []
    for atom in mono_a:
        if atom in rest_b:
            rest_b.remove(atom)
            common.append(atom)
    least = {s.name: lower.get(s.name, 1) for s in symbols_of(a) | symbols_of(b)}
    factors = [_atom(atom) for atom in common]
    if not factors or not all(is_nondecreasing(f, least) and evaluate(f, least) >= 1 for f in factors):
        return None
    for atom in common:
        rest_a.remove(atom)
    return _product(coeff_a, rest_a), _product(coeff_b, rest_b)


def _atom(atom: Symbol | Floor) -> Dim:
    return Expr((((atom,), 1),), 0)


def _product(coeff: int, atoms: Sequence[Symbol | Floor]) -> Dim:
    out: Dim = coeff
    for atom in atoms:
        out = out * _atom(atom)
    return out


def _without_const(d: Dim) -> Dim:
    return d - d.const if not isinstance(d, int) else 0


def _sizes(values: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(values.items()))


@dataclass(frozen=True)
class Pin:
    """The values a size (a symbol, or an expression of several) can still have, and why."""

    expr: Dim
    values: Sequence[int]
    why: str
    """The condition that pinned it (``(H + 3)//4 - 5 == 1``)."""
    line: int = 0
    """The broadcast that pinned it (0 for an equality or an assertion)."""
    problem: str = ""
    """The broadcast's problem when it runs only on a size 1 there: a later failure is reported at ``line`` as that."""


Cases = list[tuple[list[Dim], list[Pin]]]


class Solver(Checker):
    """A :class:`Checker` for sizes the source leaves free: an equality that some sizes satisfy is
    recorded as a condition on the input (``equations``), one that none satisfies is an error."""

    __slots__ = ("equations", "assumptions", "pins", "blame", "line", "written")

    def __init__(self) -> None:
        super().__init__()
        self.equations: dict[object, tuple[Dim, Dim]] = {}
        self.line = 0
        """The line of the statement being checked (the interpreter sets it)."""
        self.written: dict[object, tuple[int, str]] = {}
        """Where each equation was required, and the check's problem should it fail."""
        self.assumptions: list[str] = []
        """Asserted conditions the interpreter cannot decide (``t <= self.block_size``), as written."""
        self.pins: dict[object, Pin] = {}
        """Sizes left finitely many values, by the key of their expression."""
        self.blame: Pin | None = None
        """The broadcast a failure just raised belongs to, when it let only sizes through that fail later."""

    def fix(self, name: str, value: int) -> None:
        """The source asserts that the size ``name`` is ``value`` (on the path that goes on)."""
        self._pin(as_dim(name), (value,), f"{name} == {value}")

    @contextmanager
    def branch(self, everything: bool = False) -> Iterator[None]:
        """An arm of a branch that may not be taken: what it pins holds only inside it; with
        ``everything`` (a loop body that may run no time) the conditions it adds are forgotten too."""
        saved = (dict(self.pins), dict(self.lower), dict(self.others), dict(self.equations), dict(self.written))
        try:
            yield
        finally:
            self.pins = saved[0]
            if everything:
                self.lower, self.others, self.equations, self.written = saved[1:]

    def implied(self, d: Dim, bound: int) -> bool:
        if super().implied(d, bound):
            return True
        cases = self._cases([d])
        if not cases or not cases[0][1]:
            return False
        return all(v >= bound if isinstance(v, int) else Checker.implied(self, v, bound) for (v,), _ in cases)

    def decide_equal(self, a: Dim, b: Dim) -> bool | None:
        """Whether ``a == b`` holds for every allowed size (True), for none (False), or depends (None)."""
        if a == b:
            return True
        if never_equal(a, b, self.lower) is not None:
            return False
        cases = self._cases([a - b])
        if not cases or not cases[0][1]:
            return None
        if all(gap == 0 for (gap,), _ in cases):
            return True
        if all(never_equal(gap, 0, self.lower) is not None for (gap,), _ in cases):
            return False
        return None

    def at_least(self, d: Dim, bound: int, what: str, *args: object, index: int | None = None, fixes: Sequence[str] = ()) -> None:
        before = dict(self.lower)
        self._at_least(d, bound, what, *args, index=index, fixes=fixes)
        if self.lower != before:
            self._recheck(_text(what, args), d, bound, index)

    def _recheck(self, problem: str, d: Dim, bound: int, index: int | None) -> None:
        """Raised lower bounds may leave an equation required earlier no size: no input runs, and torch
        fails at that equation's line for every size but those the new bound rules out."""
        for key, (a, b) in self.equations.items():
            why = never_equal(a, b, self.lower)
            if why is not None:
                line, text = self.written.get(key, (0, ""))
                if line:
                    self.blame = Pin(a - b, (), f"{a} == {b}", line, text)
                never = f"{a} == {b} (line {line}) holds only for sizes this rules out: {why}"
                raise RuleError(problem, expected=f">= {bound}", actual=d, index=index, never=never, kind="size")

    def _at_least(self, d: Dim, bound: int, what: str, *args: object, index: int | None = None, fixes: Sequence[str] = ()) -> None:
        self.blame = None
        cases = self._cases([d])
        if cases and cases[0][1]:
            kept = [(v, pins) for (v,), pins in cases if not isinstance(v, int) or v >= bound]
            if not kept:
                raise self._failure(cases, _text(what, args), f">= {bound}", d, index, fixes, "size")
            self._restrict(cases, kept)
            if len(cases) == 1:
                d = cases[0][0][0]
        super().at_least(d, bound, what, *args, index=index, fixes=fixes)

    def equal(
        self,
        actual: Dim,
        expected: Dim,
        what: str,
        *args: object,
        index: int | None = None,
        fixes: Sequence[str] = (),
        kind: str = "shape",
    ) -> None:
        self.blame = None
        if actual == expected or is_unknown(actual) or is_unknown(expected):
            return
        why = never_equal(actual, expected, self.lower)
        if why is None:
            cases = self._cases([actual - expected])
            if cases and cases[0][1]:
                kept = [(gap, pins) for (gap,), pins in cases if never_equal(gap, 0, self.lower) is None]
                if not kept:
                    raise self._failure(cases, _text(what, args), expected, actual, index, fixes, kind)
                self._restrict(cases, kept)
            else:
                self._pin_solutions([(actual - expected, 0)], f"{actual} == {expected}")
            key = (_key(actual), _key(expected))
            self.equations.setdefault(key, (actual, expected))
            self.written.setdefault(key, (self.line, _text(what, args)))
            return
        raise RuleError(
            _text(what, args),
            expected=expected,
            actual=actual,
            index=index,
            fixes=fixes,
            never=None if isinstance(actual, int) and isinstance(expected, int) else why,
            kind=kind,
        )

    def broadcast(self, d: Dim, want: Dim, line: int, what: str, *args: object, index: int | None = None) -> Dim | None:
        """Require sizes ``d`` and ``want`` to broadcast (equal, or one of them 1): an error when no
        allowed size does; their sizes pinned when only finitely many do. Returns the size they
        broadcast to (unknown when it differs between the sizes left), None when not decided."""
        self.blame = None
        if not any(_involves(x, p.expr) for x in (d, want) for p in self.pins.values()):
            if not self._may_broadcast(d, want):
                never = f"{d} and {want} are never equal and neither is ever 1"
                raise RuleError(_text(what, args), expected=want, actual=d, index=index, never=never, kind="broadcast")
            if not self._pin_broadcast(d, want, line, _text(what, args)):
                return None
        cases = self._cases([d, want])
        if not cases:
            return None
        kept = [(pair, pins) for pair, pins in cases if self._may_broadcast(*pair)]
        if not kept:
            raise self._failure(cases, _text(what, args), want, d, index, (), "broadcast")
        self._restrict(cases, kept)
        if all(y == 1 or x == y for (x, y), _ in kept):
            return d
        if all(x == 1 or x == y for (x, y), _ in kept):
            return want
        sizes = {_key(y if x == 1 else x): y if x == 1 else x for (x, y), _ in kept}
        return sizes.popitem()[1] if len(sizes) == 1 else unknown()

    def _may_broadcast(self, d: Dim, want: Dim) -> bool:
        if never_equal(d, want, self.lower) is None:
            return True
        return any(not self.implied(side, 2) and never_equal(side, 1, self.lower) is None for side in (d, want))

    def _pin_broadcast(self, d: Dim, want: Dim, line: int, problem: str) -> bool:
        """Pin the sizes under which ``d`` and ``want`` broadcast when finitely many do: where one of
        them is 1 if they are never equal (then a later failure is blamed here), where the symbolic one
        is 1 or the other's constant otherwise. True when pinned."""
        ones = [side for side in (d, want) if not self.implied(side, 2)]
        if never_equal(d, want, self.lower) is not None:
            return self._pin_solutions([(side, 1) for side in ones], " or ".join(f"{side} == 1" for side in ones), line, problem)
        if len(ones) != 1:
            return False
        side, other = ones[0], want if ones[0] is d else d
        return isinstance(other, int) and self._pin_solutions([(side, other), (side, 1)], f"{side} == {other} or {side} == 1", line)

    def _pin_solutions(self, alternatives: Sequence[tuple[Dim, int]], why: str, line: int = 0, problem: str = "") -> bool:
        """Pin the sizes where one of ``expr == target`` holds: their one symbol to its finitely many
        solutions, or (one expression) the expression to the targets. True when pinned."""
        values: set[int] = set()
        names = {s.name for expr, _ in alternatives for s in symbols_of(expr)}
        for expr, target in alternatives:
            found = _solutions(expr - target, self.lower) if len(names) == 1 else None
            if found is None:
                exprs = {_key(e) for e, _ in alternatives}
                if len(exprs) != 1 or not symbols_of(alternatives[0][0]):
                    return False
                self._pin(alternatives[0][0], [t for _, t in alternatives], why, line, problem)
                return True
            values.update(found)
        self._pin(as_dim(names.pop()), sorted(values), why, line, problem)
        return True

    def _pin(self, expr: Dim, values: Sequence[int], why: str, line: int = 0, problem: str = "") -> None:
        old = self.pins.get(_key(expr))
        if old is not None:
            allowed = set(values)
            values, why, line, problem = [v for v in old.values if v in allowed], old.why, old.line, old.problem
        self.pins[_key(expr)] = Pin(expr, values, why, line, problem)

    def _cases(self, dims: list[Dim]) -> Cases:
        """``dims`` under each combination of the pinned values they involve (with the pins used);
        ``[(dims, [])]`` when none is involved, ``[]`` when the combinations are too many."""
        cases: Cases = [(dims, [])]
        for pin in list(self.pins.values()):
            if not any(_involves(d, pin.expr) for d in dims):
                continue
            if not pin.values or len(cases) * len(pin.values) > _MAX_CASES:
                return []
            cases = [([_put(d, pin.expr, v) for d in ds], [*pins, Pin(pin.expr, (v,), pin.why, pin.line, pin.problem)]) for ds, pins in cases for v in pin.values]
        return cases

    def _restrict(self, cases: Cases, kept: Sequence[tuple[object, list[Pin]]]) -> None:
        """Keep only the values of a lone pin under which the check may hold."""
        if len(cases[0][1]) != 1:
            return
        self._pin(cases[0][1][0].expr, [used[0].values[0] for _, used in kept], "")

    def _failure(self, cases: Cases, problem: str, expected: Dim | str, actual: Dim, index: int | None, fixes: Sequence[str], kind: str) -> RuleError:
        """The error of a check that fails for every pinned value (blamed on a broadcast's pin, if any)."""
        pins = {_key(p.expr): p for _, used in cases for p in used}
        blamed = sorted((p for p in pins.values() if p.problem), key=lambda p: p.line)
        self.blame = blamed[0] if blamed else None
        where = f" (line {self.blame.line} broadcasts only for those)" if self.blame else ""
        sizes = "; ".join(p.why for p in pins.values())
        never = f"it fails for every size the earlier checks allow: {sizes}{where}"
        return RuleError(problem, expected=expected, actual=actual, index=index, fixes=fixes, never=never, kind=kind)

    def describe(self) -> list[str]:
        pins = [p.why for p in self.pins.values() if p.line]
        return [*super().describe(), *(_holds_when(a, b) for a, b in self.equations.values()), *pins, *self.assumptions]


def _solutions(d: Dim, lower: dict[str, int]) -> Sequence[int] | None:
    """The finitely many values of the one symbol of ``d`` (from its lower bound) where ``d == 0``;
    None when ``d`` has several symbols, or too many (or infinitely many) zeros, or cannot tell."""
    zeros = _periodic_zeros(d, lower)
    if zeros is not None:
        return zeros if len(zeros) <= _MAX_VALUES else None
    symbols = symbols_of(d)
    if len(symbols) != 1 or is_unknown(d):
        return None
    name = next(iter(symbols)).name
    least = {name: lower.get(name, 1)}
    f = d if is_nondecreasing(d, least) else -d if is_nondecreasing(-d, least) else None
    if f is None:
        return None
    first = least_value(f, name, 0)
    past = least_value(f, name, 1)
    if first is None or past is None:
        return None
    values = range(max(first, least[name]), past)
    return values if len(values) <= _MAX_VALUES else None


def _periodic_zeros(d: Dim, lower: dict[str, int]) -> list[int] | None:
    """Every zero of ``d`` from its symbol's lower bound on, when ``d`` is one symbol's linear form with
    floors (``(H + 1)//4 - (H + 1)//8``): over a period ``p`` of the floors it moves by a constant
    ``step``, so a value ``v`` at ``s`` recurs as ``v + m*step`` at ``s + m*p``. None when ``d`` is not
    such a form, its period is too long, or it has zeros in every period."""
    symbols = symbols_of(d)
    period = _period(d) if len(symbols) == 1 and not is_unknown(d) else None
    if period is None or period > _MAX_VALUES:
        return None
    name = next(iter(symbols)).name
    start = lower.get(name, 1)
    values = [evaluate(d, {name: s}) for s in range(start, start + 2 * period)]
    step = values[period] - values[0]
    if any(values[i + period] - values[i] != step for i in range(period)):
        return None
    zeros = []
    for i, v in enumerate(values[:period]):
        if v == 0 and step == 0:
            return None
        if v == 0 or step and v * step < 0 and v % step == 0:
            zeros.append(start + i + period * (-v // step if step else 0))
    return sorted(zeros)


def _period(d: Dim) -> int | None:
    """A period of the floors of ``d`` when it is linear in its symbols (every term one atom, every
    floor of a linear form), else None."""
    if isinstance(d, int):
        return 1
    period = 1
    for mono, _ in d.terms:
        if len(mono) != 1:
            return None
        atom = mono[0]
        if not isinstance(atom, Symbol):
            inner = _period(atom.num)
            if inner is None:
                return None
            period = math.lcm(period, inner * atom.den)
    return period


def _involves(d: Dim, expr: Dim) -> bool:
    return _split(d, expr) is not None


def _put(d: Dim, expr: Dim, value: int) -> Dim:
    """``d`` with the pinned ``expr`` replaced by ``value``."""
    split = _split(d, expr)
    if split is None:
        return d
    if isinstance(split, str):
        return substitute(d, {split: value})
    times, rest = split
    return times * value + rest


def _split(d: Dim, expr: Dim) -> str | tuple[int, Dim] | None:
    """How ``d`` depends on ``expr``: the name to substitute when ``expr`` is a symbol ``d`` has;
    ``(c, rest)`` with ``d == c*expr + rest`` exactly for an expression; None when it does not."""
    if isinstance(d, int) or isinstance(expr, int) or is_unknown(d):
        return None
    symbols = symbols_of(expr)
    if len(symbols) == 1 and expr == as_dim(next(iter(symbols)).name):
        name = next(iter(symbols)).name
        return name if any(s.name == name for s in symbols_of(d)) else None
    terms = dict(d.terms)
    mono, coeff = expr.terms[0]
    if mono not in terms or terms[mono] % coeff:
        return None
    times = terms[mono] // coeff
    rest = d - times * expr
    if not isinstance(rest, int) and any(m in dict(rest.terms) for m, _ in expr.terms):
        return None
    return times, rest


def _key(d: Dim) -> object:
    return d if isinstance(d, int) else d.key()
