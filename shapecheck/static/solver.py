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
"""

from __future__ import annotations

from collections.abc import Sequence

from shapecheck.checker import Checker, _holds_when, _text
from shapecheck.dims import Dim, content, evaluate, is_nondecreasing, is_unknown, substitute, symbols_of
from shapecheck.errors import RuleError

__all__ = ["Solver", "never_equal"]


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
    least = {s.name: lower.get(s.name, 1) for s in symbols_of(d)}
    if is_nondecreasing(d, least) and evaluate(d, least) > 0:
        return f"{a} > {b} for every input size (at the least sizes {_sizes(least)}: {evaluate(a, least)} > {evaluate(b, least)})"
    if is_nondecreasing(-d, least) and evaluate(-d, least) > 0:
        return f"{a} < {b} for every input size (at the least sizes {_sizes(least)}, {evaluate(a, least)} < {evaluate(b, least)}, and the gap only grows)"
    return None


def _without_const(d: Dim) -> Dim:
    return d - d.const if not isinstance(d, int) else 0


def _sizes(values: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(values.items()))


class Solver(Checker):
    """A :class:`Checker` for sizes the source leaves free: an equality that some sizes satisfy is
    recorded as a condition on the input (``equations``), one that none satisfies is an error."""

    __slots__ = ("equations", "assumptions", "fixed")

    def __init__(self) -> None:
        super().__init__()
        self.equations: dict[object, tuple[Dim, Dim]] = {}
        self.assumptions: list[str] = []
        """Asserted conditions the interpreter cannot decide (``t <= self.block_size``), as written."""
        self.fixed: dict[str, int] = {}
        """Sizes the source asserts (``assert h == self.image_size``): checks hold them to that value."""

    def fix(self, name: str, value: int) -> None:
        """The source asserts that the size ``name`` is ``value`` (on the path that goes on)."""
        self.fixed.setdefault(name, value)

    def at_least(self, d: Dim, bound: int, what: str, *args: object, index: int | None = None, fixes: Sequence[str] = ()) -> None:
        super().at_least(substitute(d, self.fixed) if self.fixed else d, bound, what, *args, index=index, fixes=fixes)

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
        if actual == expected or is_unknown(actual) or is_unknown(expected):
            return
        why = never_equal(actual, expected, self.lower)
        if why is None and self.fixed:
            pinned = never_equal(substitute(actual, self.fixed), substitute(expected, self.fixed), self.lower)
            if pinned is not None:
                sizes = ", ".join(f"{k}={v}" for k, v in sorted(self.fixed.items()))
                why = f"{pinned} for the sizes the code asserts ({sizes})"
        if why is None:
            key = (_key(actual), _key(expected))
            self.equations.setdefault(key, (actual, expected))
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

    def describe(self) -> list[str]:
        return [*super().describe(), *(_holds_when(a, b) for a, b in self.equations.values()), *self.assumptions]


def _key(d: Dim) -> object:
    return d if isinstance(d, int) else d.key()
