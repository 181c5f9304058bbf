"""einops patterns on symbolic shapes: ``rearrange``, ``reduce`` and ``repeat`` as einops computes them.

A pattern is parsed as ``einops/parsing.py`` parses it (named axes, parenthesised groups, ``1`` and
``()`` for a unit axis, ``...``, anonymous axes such as ``2``) and checked in the order of
``einops.einops._prepare_transformation_recipe``; sizes are inferred as ``_reconstruct_from_shape``
infers them: an input dim ``(h p1)`` with ``p1=16`` known gives ``h = L // 16`` and requires
``L % 16 == 0`` (written ``16*(L//16) == L``, so the checker decides it: an error if no size satisfies
it, an input condition if some do). The output dim of a group is the product of its axes.

Errors read as einops' own: the pattern, the input shape, the axes given, and einops' sentence for
what went wrong. Nothing here imports einops.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from math import prod
from typing import Final, Union

from shapecheck.checker import Checker
from shapecheck.dims import Dim, floor_div, is_unknown, unknown
from shapecheck.errors import RuleError
from shapecheck.rules.tensor_ops import exact_quotient
from shapecheck.shape import Shape

__all__ = ["Anonymous", "EinopsPattern", "Expression", "einsum_equation", "pack_pattern", "parse_expression"]

ELLIPSIS: Final = "…"
"""What ``...`` becomes while parsing (one character, as in einops)."""
REDUCTIONS: Final = ("min", "max", "sum", "mean", "prod", "any", "all")
OPERATIONS: Final = ("rearrange", "repeat", *REDUCTIONS)


class Anonymous:
    """An anonymous axis (``2`` in ``(h 2)``): a length, and unequal to every other axis."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"{self.value}-axis"


Axis = Union[str, Anonymous]


@dataclass
class Expression:
    """One side of a pattern: ``composition`` lists each dim's axes (``[]`` for a unit dim), or
    ``ELLIPSIS`` for ``...`` outside parentheses; ``...`` inside them is an axis ``ELLIPSIS`` of its group."""

    composition: list[list[Axis] | str]
    identifiers: set[Axis]
    has_ellipsis: bool
    has_ellipsis_parenthesized: bool | None
    has_non_unitary_anonymous_axes: bool


def _fail(problem: str) -> RuleError:
    return RuleError(problem, kind="einops")


def _axis_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid axis name, or None (einops: a Python identifier not starting or ending with ``_``)."""
    if not name.isidentifier():
        return "not a valid python identifier"
    if name[0] == "_" or name[-1] == "_":
        return "axis name should should not start or end with underscore"
    return None


def parse_expression(text: str) -> Expression:
    """One side of a pattern, as ``einops.parsing.ParsedExpression`` reads it; ``RuleError`` with its message."""
    has_ellipsis = False
    if "." in text:
        if "..." not in text:
            raise _fail("Expression may contain dots only inside ellipsis (...)")
        if text.count("...") != 1 or text.count(".") != 3:
            raise _fail("Expression may contain dots only inside ellipsis (...); only one ellipsis for tensor ")
        text = text.replace("...", ELLIPSIS)
        has_ellipsis = True
    out = Expression([], set(), has_ellipsis, None, False)
    group: list[Axis] | None = None

    def add(name: str) -> None:
        if name in out.identifiers:
            raise _fail(f'Indexing expression contains duplicate dimension "{name}"')
        if name == ELLIPSIS:
            out.identifiers.add(ELLIPSIS)
            if group is None:
                out.composition.append(ELLIPSIS)
                out.has_ellipsis_parenthesized = False
            else:
                group.append(ELLIPSIS)
                out.has_ellipsis_parenthesized = True
            return
        if name.isdecimal() and int(name) == 1:
            if group is None:
                out.composition.append([])
            return
        axis: Axis = name
        if name.isdecimal():
            value = int(name)
            if value < 1:
                raise _fail(f"Anonymous axis should have positive length, not {value}")
            axis = Anonymous(value)
            out.has_non_unitary_anonymous_axes = True
        else:
            problem = _axis_name_problem(name)
            if problem is not None:
                raise _fail(f"Invalid axis identifier: {name}: {problem}")
        out.identifiers.add(axis)
        if group is None:
            out.composition.append([axis])
        else:
            group.append(axis)

    current: str | None = None
    for char in text:
        if char in "() ":
            if current is not None:
                add(current)
            current = None
            if char == "(":
                if group is not None:
                    raise _fail("Axis composition is one-level (brackets inside brackets not allowed)")
                group = []
            elif char == ")":
                if group is None:
                    raise _fail("Brackets are not balanced")
                out.composition.append(group)
                group = None
        elif char.isalnum() or char in ("_", ELLIPSIS):
            current = char if current is None else current + char
        else:
            raise _fail(f"Unknown character '{char}'")
    if group is not None:
        raise _fail(f'Imbalanced parentheses in expression: "{text}"')
    if current is not None:
        add(current)
    return out


@lru_cache(maxsize=256)
def _parse_pattern(pattern: str) -> tuple[Expression, Expression]:
    sides = pattern.split("->")
    if len(sides) != 2:
        raise _fail(f'the pattern must have one "->" between its input and output axes, got {pattern!r}')
    return parse_expression(sides[0]), parse_expression(sides[1])


def _names(axes: Iterable[Axis]) -> str:
    """A set of axes as einops prints one (sorted, so the message does not vary between runs)."""
    return "{" + ", ".join(sorted(repr(a) for a in axes)) + "}"


class EinopsPattern:
    """``operation`` (``"rearrange"``, ``"repeat"`` or a reduction) by ``pattern`` with ``axes_lengths``.

    :meth:`prepare` raises what einops raises before it looks at a tensor; :meth:`output` gives the
    output shape for an input shape (dims may be symbolic), checking what einops checks.
    ``context`` is how errors name the operation (the call or the layer, as einops does).
    """

    def __init__(self, pattern: str, operation: str, axes_lengths: Mapping[str, Dim], context: str | None = None) -> None:
        self.pattern = pattern
        self.operation = operation
        self.axes_lengths = dict(axes_lengths)
        self.context = context

    def _axes_text(self) -> str:
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in self.axes_lengths.items()) + "}"

    def _error(self, problem: str, shape: Shape | None) -> str:
        if self.context is not None:
            head = f"Error while {'processing' if shape is not None else 'preparing'} {self.context}."
        else:
            head = f'Error while processing {self.operation}-reduction pattern "{self.pattern}".'
        seen = f" Input tensor shape: {shape}." if shape is not None else ""
        info = f" Additional info: {self._axes_text()}." if self.context is None else ""
        return f"{head}{seen}{info} {problem}"

    def prepare(self, shape: Shape | None = None) -> tuple[Expression, Expression]:
        """The two sides, after einops' checks of the pattern against the operation and the axes given."""
        try:
            return self._prepare()
        except RuleError as err:
            raise self._located(err, shape) from None

    def _prepare(self) -> tuple[Expression, Expression]:
        left, right = _parse_pattern(self.pattern)
        op = self.operation
        if not left.has_ellipsis and right.has_ellipsis:
            raise _fail(f"Ellipsis found in right side, but not left side of a pattern {self.pattern}")
        if left.has_ellipsis and left.has_ellipsis_parenthesized:
            raise _fail(f"Ellipsis inside parenthesis in the left side is not allowed: {self.pattern}")
        if op == "rearrange":
            if left.has_non_unitary_anonymous_axes or right.has_non_unitary_anonymous_axes:
                raise _fail("Non-unitary anonymous axes are not supported in rearrange (exception is length 1)")
            difference = left.identifiers ^ right.identifiers
            if difference:
                raise _fail(f"Identifiers only on one side of expression (should be on both): {_names(difference)}")
        elif op == "repeat":
            difference = left.identifiers - right.identifiers
            if difference:
                raise _fail(f"Unexpected identifiers on the left side of repeat: {_names(difference)}")
            without_size = {a for a in right.identifiers if not isinstance(a, Anonymous)} - left.identifiers - set(self.axes_lengths)
            if without_size:
                raise _fail(f"Specify sizes for new axes in repeat: {_names(without_size)}")
        elif op in REDUCTIONS:
            difference = right.identifiers - left.identifiers
            if difference:
                raise _fail(f"Unexpected identifiers on the right side of reduce {op}: {_names(difference)}")
        else:
            raise _fail(f"Unknown reduction {op}. Expect one of {REDUCTIONS}.")
        return left, right

    def _check_axes(self, left: list[list[Axis]], right_identifiers: set[Axis]) -> None:
        """The axes given by name, and that each input dim has at most one axis of unknown length."""
        on_left = {a for group in left for a in group}
        for name in self.axes_lengths:
            if _axis_name_problem(name) is not None:
                raise _fail(f"('Invalid name for an axis', {name!r})")
            if name not in on_left and name not in right_identifiers:
                raise _fail(f"Axis {name} is not used in transform")
        for group in left:
            free = [a for a in group if isinstance(a, str) and a not in self.axes_lengths]
            if len(free) > 1:
                raise _fail(f"Could not infer sizes for {_names(free)}")

    def output(self, shape: Shape, check: Checker) -> Shape:
        """The output shape for an input of ``shape``; ``RuleError`` (einops' message) when einops raises,
        conditions on the symbols through ``check``."""
        left, right = self.prepare(shape)
        try:
            return self._output(left, right, shape, check)
        except RuleError as err:
            raise self._located(err, shape) from None

    def _located(self, err: RuleError, shape: Shape | None) -> RuleError:
        """``err`` (einops' sentence) with what einops adds: the pattern, the input shape, the axes given."""
        err.problem = self._error(err.problem, shape)
        err.args = (err.problem,)
        err.kind = "einops"
        return err

    def _output(self, left: Expression, right: Expression, shape: Shape, check: Checker) -> Shape:
        others = len(left.composition) - left.has_ellipsis
        rank = len(shape.dims)
        if left.has_ellipsis and rank < others and not shape.prefix:
            raise _fail(f"Wrong shape: expected >={others} dims. Received {rank}-dim tensor.")
        if not left.has_ellipsis and (rank > others or rank != others and not shape.prefix):
            raise _fail(f"Wrong shape: expected {others} dims. Received {rank}-dim tensor.")
        groups, ellipsis = _expand_left(left, shape, others)
        outputs = _expand_right(right, ellipsis)
        self._check_axes([g for g, _ in groups], right.identifiers)
        lengths: dict[Axis, Dim] = {a: a.value for a in [*right.identifiers, *(a for g, _ in groups for a in g)] if isinstance(a, Anonymous)}
        lengths.update(self.axes_lengths)
        for i, (group, length) in enumerate(groups):
            self._infer(group, length, lengths, check, i - len(groups))
        dims = [self._product(g, lengths) for g in outputs]
        if [_OPEN] in outputs:  # the unknown leading dims stay leading: what comes before them joins them
            return Shape.of(tuple(dims[outputs.index([_OPEN]) + 1 :]), True)
        return Shape.of(tuple(dims))

    @staticmethod
    def _product(group: list[Axis], lengths: Mapping[Axis, Dim]) -> Dim:
        return prod((lengths.get(a, unknown()) for a in group), start=1)

    def _infer(self, group: list[Axis], length: Dim, lengths: dict[Axis, Dim], check: Checker, index: int) -> None:
        """One input dim of ``length`` made of ``group``: the one axis of unknown length gets what is left."""
        known = [a for a in group if a in lengths]
        free = [a for a in group if a not in lengths]
        if not known and len(free) == 1:
            lengths[free[0]] = length
            return
        product: Dim = prod((lengths[a] for a in known), start=1)
        if not free:
            if isinstance(length, int) and isinstance(product, int):
                if length != product:
                    raise RuleError(f"Shape mismatch, {length} != {product}", expected=product, actual=length, index=index)
                return
            check.equal(length, product, f"Shape mismatch, {length} != {product}", index=index)
            return
        if isinstance(length, int) and isinstance(product, int):
            if product == 0 or length % product:
                raise RuleError(f"Shape mismatch, can't divide axis of length {length} in chunks of {product}", index=index)
            lengths[free[0]] = length // product
            return
        if is_unknown(length) or is_unknown(product):
            lengths[free[0]] = unknown()
            return
        quotient = floor_div(length, product) if isinstance(product, int) and product > 0 else exact_quotient([length], [product])[0]
        lengths[free[0]] = quotient
        if not is_unknown(quotient):
            check.equal(quotient * product, length, f"Shape mismatch, can't divide axis of length {length} in chunks of {product}", index=index)

    def __repr__(self) -> str:
        axes = "".join(f", {k}={v}" for k, v in self.axes_lengths.items())
        return f"{self.operation}({self.pattern!r}{axes})"


_OPEN: Final = ELLIPSIS + "?"
"""The axis standing for the unknown leading dims of a shape of unknown rank, first inside ``...``."""


def _expand_left(left: Expression, shape: Shape, others: int) -> tuple[list[tuple[list[Axis], Dim]], list[Axis]]:
    """The left side's groups, each with the input dim it stands for, and the axes of ``...`` (one per dim).

    For a shape of unknown rank, its known dims are the last ones: ``...`` then starts with ``_OPEN``
    (the unknown leading dims), and a group whose dim is not known gets ``?``.
    """
    dims = list(shape.dims)
    comp = left.composition
    if not left.has_ellipsis:
        padded = [unknown()] * (others - len(dims)) + dims
        return [(list(g), d) for g, d in zip(comp, padded) if not isinstance(g, str)], []
    at = comp.index(ELLIPSIS)
    before = [list(g) for g in comp[:at] if not isinstance(g, str)]
    after = [list(g) for g in comp[at + 1 :] if not isinstance(g, str)]
    if shape.prefix:
        tail = ([unknown()] * len(after) + dims)[-len(after) :] if after else []
        middle = dims[: max(len(dims) - len(after), 0)] if not before else []
        head: list[Dim] = [unknown()] * len(before)
        ellipsis: list[Axis] = [_OPEN, *(f"{ELLIPSIS}{i}" for i in range(len(middle)))]
        middle = [unknown(), *middle]
    else:
        head, tail = dims[: len(before)], dims[len(dims) - len(after) :]
        middle = dims[len(before) : len(dims) - len(after)]
        ellipsis = [f"{ELLIPSIS}{i}" for i in range(len(middle))]
    groups = [*zip(before, head), *(([a], d) for a, d in zip(ellipsis, middle)), *zip(after, tail)]
    return groups, ellipsis


def _expand_right(right: Expression, ellipsis: list[Axis]) -> list[list[Axis]]:
    """The right side's groups with ``...`` expanded: one dim per axis outside parentheses, inside them its axes."""
    out: list[list[Axis]] = []
    for g in right.composition:
        if isinstance(g, str):
            out.extend([a] for a in ellipsis)
        else:
            out.append([x for a in g for x in (ellipsis if a == ELLIPSIS else [a])])
    return out


def pack_pattern(pattern: str, op: str) -> tuple[int, int]:
    """``pack``/``unpack``'s ``"i j * k"``: the axes before and after ``*`` (``einops.packing.analyze_pattern``)."""
    axes = pattern.split()
    if len(axes) != len(set(axes)):
        raise _fail(f'Duplicates in axes names in {op}(..., "{pattern}")')
    if "*" not in axes:
        raise _fail(f'No *-axis in {op}(..., "{pattern}")')
    for axis in axes:
        if axis != "*" and _axis_name_problem(axis) is not None:
            raise _fail(f'Invalid axis name {axis} in {op}(..., "{pattern}")')
    before = axes.index("*")
    return before, len(axes) - before - 1


def einsum_equation(pattern: str) -> str | None:
    """``einops.einsum``'s ``"b i d, b j d -> b i j"`` as torch's ``"abc,adc->abd"`` (``...`` kept), or None
    for what einops itself does not support (compositions, anonymous axes) or rejects."""
    if "->" not in pattern or pattern.count("->") != 1:
        return None
    left, right = pattern.split("->")
    letters: dict[str, str] = {}
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def side(text: str, new: bool) -> str | None:
        out = ""
        for token in text.replace("...", " ... ").split():
            if token == "...":
                out += "..."
            elif not token.isidentifier() or len(letters) >= len(alphabet) and token not in letters:
                return None
            elif token not in letters:
                if not new:
                    return None
                letters[token] = alphabet[len(letters)]
                out += letters[token]
            else:
                out += letters[token]
        return out

    terms = [side(term, True) for term in left.split(",")]
    result = side(right, False)
    if result is None or any(t is None for t in terms):
        return None
    return ",".join(t for t in terms if t is not None) + "->" + result
