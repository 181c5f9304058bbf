"""Combinators: branches applied to the same input, merged by ``+``, ``*`` or ``torch.cat``.

``Add(Sequential(Conv2d(64, 64, 3, padding=1), BatchNorm2d(64)), Identity())`` is ResNet's residual
sum. Branches are numbered, or named by passing one mapping as ``Sequential`` takes it:
``Concat({"branch1": conv, "branch2": pool}, dim=1)``. Each branch is traced on the combinator's input
under the path ``<path>.<name>`` (``<path>.<i>``), so an error inside a branch names that layer; a
disagreement between the branches' outputs is raised at the combinator and names every branch and its shape. The merge itself is one step of the chain (no parameters, no
MACs, as torchvision counts an elementwise sum).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from shapecheck.checker import Checker
from shapecheck.dims import Dim, evaluate, find_witness, is_unknown, unknown
from shapecheck.rules.pad import crop_bound
from shapecheck.errors import RuleError
from shapecheck.nn._args import UNBOUNDED, check_int
from shapecheck.nn._names import MODULE_ATTRIBUTES, items_of
from shapecheck.nn.module import Module, not_a_layer
from shapecheck.rules.broadcast import broadcast
from shapecheck.rules.reshape import normalize_dim
from shapecheck.shape import Shape
from shapecheck.trace import Tracer

__all__ = ["Add", "Concat", "Mul"]

Outputs = Sequence[tuple[str, Shape]]
"""The branches' outputs: ``(path, shape)`` in branch order."""


def _label(path: str) -> str:
    """How a message names the branch at ``path`` (the path's last part): its number, or its name quoted."""
    last = path.rpartition(".")[2]
    return last if last.isdigit() else repr(last)


class _Merge(Module):
    """The step that merges the branches' outputs; it belongs to (and is located at) its combinator.

    Each combinator class has its own subclass of the same name, so a chain's trail reads ``[6] Add``.
    """

    def __init__(self, owner: _Branches) -> None:
        super().__init__()
        self.owner = owner
        self.where = owner.where

    def __repr__(self) -> str:
        owner = self.owner
        extra = owner.merge_repr()
        return f"{type(owner).__name__}({len(owner.branches)} branches{', ' + extra if extra else ''})"


class _Branches(Module):
    """A container whose branches all take its input; subclasses merge their outputs. The branches are
    layers, or one mapping of name -> layer (names as torch's, not the names of the options)."""

    _least = 1
    _merge_type: type[_Merge] = _Merge
    _options: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._merge_type = type(cls.__name__, (_Merge,), {"__module__": cls.__module__, "__doc__": _Merge.__doc__})

    def __init__(self, *branches: Module | Mapping[str, Module]) -> None:
        super().__init__()
        name = type(self).__name__
        _, items = items_of(name, branches, MODULE_ATTRIBUTES | self._options)
        if len(items) < self._least:
            raise TypeError(f"{name} needs at least {self._least} branches, got {len(items)}")
        self._named: list[tuple[str, Module]] = []
        for label, branch in items:
            if not isinstance(branch, Module):
                raise TypeError(not_a_layer(f"{name}: branch {_label(label)}", branch))
            self._named.append((label, branch))
        self._merge = self._merge_type(self)

    @property
    def branches(self) -> list[Module]:
        return [branch for _, branch in self._named]

    def trace(self, x: Shape, tracer: Tracer, path: str) -> Shape:
        outs: list[tuple[str, Shape]] = []
        for name, branch in self._named:
            where = f"{path}.{name}" if path else name
            outs.append((where, branch.trace(x, tracer, where)))
        try:
            y = self.merge(outs, tracer.check)
        except RuleError as err:
            raise tracer.locate(err, self._merge, x, path) from None
        tracer.record(self._merge, path, x, y)
        return y

    def merge(self, outs: Outputs, check: Checker) -> Shape:
        """The combined output of the branches' outputs ``outs``."""
        raise NotImplementedError

    def merge_repr(self) -> str:
        return ""

    def children(self) -> list[tuple[str, Module]]:
        return list(self._named)

    def listing(self) -> tuple[str, list[tuple[str, Module]]]:
        return f"{type(self).__name__}({self.merge_repr()}", self.children()


class _Listing:
    """The branches' outputs as a message lists them, written only when a check fails (a merge of many
    branches is checked far more often than it fails)."""

    __slots__ = ("outs",)

    def __init__(self, outs: Outputs) -> None:
        self.outs = outs

    def __str__(self) -> str:
        return "; ".join(f"branch {_label(p)} ({p}) gives {s}" for p, s in self.outs)

    __format__ = lambda self, spec: format(str(self), spec)  # noqa: E731


def _column(s: Shape, j: int) -> Dim | None:
    """Dim ``-j`` of ``s`` (1-based from the right); None if ``s`` has fewer dims, unknown if they are unknown."""
    if j <= len(s):
        return s[-j]
    return unknown() if s.prefix else None


def _index(j: int, width: int, prefix: bool) -> int:
    """Column ``j`` (1-based from the right) as torch numbers a dim: from the left when the rank is known."""
    return -j if prefix else width - j


def _broadcasts(check: Checker, d: Dim, want: Dim, what: str, *args: object) -> None:
    """Require ``d == want`` (neither is the int 1); a symbolic counterexample must have both sides >= 2,
    since torch broadcasts a side that happens to be 1. Without one, the two always broadcast.
    ``what`` is the message, a template filled with ``args`` on failure.
    """
    try:
        check.equal(d, want, what, *args, kind="broadcast")
    except RuleError as err:
        if err.witness is None or all(evaluate(e, err.witness) >= 2 for e in (d, want)):
            raise
        err.witness = find_witness([(d, want)], [*check.conditions(), (d, 2), (want, 2)], check.lower, check.upper)
        if err.witness is not None:
            raise


class _Broadcast(_Branches):
    """Elementwise ``+``/``*`` of the branches under torch's broadcasting.

    Shapes are aligned from the right; a missing dim counts as 1; in each column the dims other than
    ``1`` must all be equal and the output takes that dim (``1`` when there is none). A symbolic dim
    broadcasts only against itself: named dims hold for every value, including those other than 1.
    """

    _least = 2

    def merge(self, outs: Outputs, check: Checker) -> Shape:
        name = type(self).__name__
        shapes = [s for _, s in outs]
        width = max(len(s) for s in shapes)
        prefix = any(s.prefix for s in shapes)

        def agree(d: Dim, want: Dim, j: int, i: int, first: int) -> None:
            _broadcasts(
                check,
                d,
                want,
                "{}: the branches' outputs do not broadcast at dim {}: branch {} has {}, branch {} has {} ({})",
                name,
                _index(j, width, prefix),
                _label(outs[first][0]),
                want,
                _label(outs[i][0]),
                d,
                _Listing(outs),
            )

        return broadcast(shapes, agree)


class Add(_Broadcast):
    """The sum of the branches' outputs, broadcast as torch: ``Add(residual, Identity())``."""


class Mul(_Broadcast):
    """The product of the branches' outputs, broadcast as torch: ``Mul(Identity(), gate)`` (squeeze-excitation)."""


class Concat(_Branches):
    """``torch.cat`` of the branches' outputs along ``dim``.

    All outputs have the same rank; dims other than ``dim`` are equal; the output's ``dim`` is the sum
    of the branches' ``dim``. With unknown leading dims, a non-negative ``dim`` cannot be located
    and the output is unknown. With ``crop=True`` the dims after ``dim`` of every branch are first
    center-cropped to the last branch's (U-Net's skip connections: ``Concat(skip, up, crop=True)``);
    each must be at least as large.
    """

    _options = frozenset({"dim", "crop"})

    def __init__(self, *branches: Module | Mapping[str, Module], dim: int = 1, crop: bool = False) -> None:
        super().__init__(*branches)
        self.dim = check_int("Concat", "dim", dim, minimum=UNBOUNDED)
        if not isinstance(crop, bool):
            raise TypeError(f"Concat: crop must be a bool, got {type(crop).__name__} {crop!r}")
        self.crop = crop

    def merge(self, outs: Outputs, check: Checker) -> Shape:
        if self.crop:
            outs = self._cropped(outs, check)
        shapes = [s for _, s in outs]
        ranks = {s.rank for s in shapes if s.rank is not None}
        longest = max(len(s) for s in shapes)
        if len(ranks) > 1 or ranks and longest > min(ranks):
            raise RuleError(
                f"Concat: the branches' outputs have different ranks ({_Listing(outs)})",
                kind="rank",
            )
        rank = next(iter(ranks), None)
        if rank is None:
            if self.dim >= 0 or -self.dim > min(len(s) for s in shapes):
                return Shape.unknown()
            width, at = min(len(s) for s in shapes), -self.dim
        else:
            width, at = rank, rank - normalize_dim(self.dim, rank, "Concat")
        dims: list[Dim] = []
        for j in range(width, 0, -1):
            column = [(_label(p), d) for p, s in outs if (d := _column(s, j)) is not None]
            if j == at:
                total: Dim = 0
                for _, d in column:
                    total = total + d
                dims.append(total)
                continue
            known = [(label, d) for label, d in column if not is_unknown(d)]
            for i, d in known[1:]:
                first, want = known[0]
                check.equal(
                    d,
                    want,
                    "Concat: sizes must match except in dim {}, but at dim {} branch {} has {}, branch {} has {} ({})",
                    self.dim,
                    _index(j, width, rank is None),
                    first,
                    want,
                    i,
                    d,
                    _Listing(outs),
                    kind="concat",
                )
            dims.append(known[0][1] if known else column[0][1])
        return Shape(dims, rank is None)

    def _cropped(self, outs: Outputs, check: Checker) -> Outputs:
        """Each branch's dims after ``dim`` center-cropped to the last branch's (known ranks only)."""
        target = outs[-1][1]
        if target.rank is None or any(s.rank != target.rank for _, s in outs):
            return outs
        start = normalize_dim(self.dim, target.rank, "Concat") + 1
        out: list[tuple[str, Shape]] = []
        for where, s in outs:
            for j in range(start, target.rank):
                expr, bound, why = crop_bound(s[j], target[j])
                check.at_least(expr, bound, "Concat: branch {} ({}) {} at dim {}", _label(where), where, why, j)
            out.append((where, s.with_tail(start, target.dims[start:])))
        return out

    def merge_repr(self) -> str:
        return f"dim={self.dim}" + (", crop=True" if self.crop else "")
