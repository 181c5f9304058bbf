"""Validating constructor arguments the way torch reads them, with errors a torch user expects to read.

A value must fit in an int64 (some kernels take int32: pooling). A bool is an int to Python, and torch
takes it as 0 or 1 in a few places only: where ``isinstance(value, int)`` is the check (``num_heads``),
and in a weight's shape after its first dim (``torch.empty((out, True))`` works, ``torch.empty((True,
out))`` does not: the argument parser looks at the first entry's type). Its functional ops refuse bools
(``F.conv2d``'s stride). Per-axis arguments of the functional ops take an int, or a sequence of ``n`` ints
or of one, which they repeat for every axis.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "INT32_MAX",
    "INT64_MAX",
    "UNBOUNDED",
    "as_ntuple",
    "check_choice",
    "check_int",
    "check_prob",
    "check_size",
    "is_sequence",
    "ntuple",
]

INT64_MAX = (1 << 63) - 1
"""The largest size torch can hold."""

INT32_MAX = (1 << 31) - 1
"""The largest value a kernel that takes int32 can hold (pooling)."""

UNBOUNDED = -(1 << 63)
"""``minimum`` for an int that may be negative (a cropping pad, a dim index): the least int64."""

_TYPES = {INT64_MAX: "an int64", INT32_MAX: "an int32"}


def is_sequence(value: object) -> bool:
    """A tuple or list (any sequence but a string), as torch's ``_ntuple`` tells a tuple from an int."""
    return isinstance(value, Sequence) and not isinstance(value, str)


def check_int(layer: str, name: str, value: object, *, minimum: int = 0, maximum: int = INT64_MAX, bools: bool = False) -> int:
    """``value`` as an int in ``[minimum, maximum]``: TypeError for a non-int, ValueError out of range.

    ``bools``: ``True`` and ``False`` count as 1 and 0 (where torch takes them, see above); else a bool is refused.
    """
    if type(value) is int and minimum <= value <= maximum:  # the usual case, decided in one test
        return value
    if isinstance(value, bool) and bools:
        value = int(value)
    elif isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{layer}: {name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        rule = "positive" if minimum == 1 else f">= {minimum}" if minimum else "non-negative"
        if minimum == UNBOUNDED:
            rule = f">= {minimum} (torch holds it as an int64)"
        raise ValueError(f"{layer}: {name} must be {rule}, got {value}")
    if value > maximum:
        held = _TYPES.get(maximum)
        raise ValueError(f"{layer}: {name} must be at most {maximum}{f' (torch holds it as {held})' if held else ''}, got {value}")
    return value


def check_size(layer: str, name: str, value: object, *, minimum: int = 0) -> int:
    """A size that torch hands to ``torch.empty`` as it is (``num_features``): an int, or a sequence of one."""
    if is_sequence(value) and len(value) == 1:  # type: ignore[arg-type]
        value = value[0]  # type: ignore[index]
    return check_int(layer, name, value, minimum=minimum)


def ntuple(
    layer: str,
    name: str,
    value: object,
    n: int,
    *,
    minimum: int = 0,
    maximum: int = INT64_MAX,
    lengths: tuple[int, ...] = (),
    bools: bool = False,
) -> tuple[int, ...]:
    """``n`` ints from an int or a sequence whose length is in ``lengths`` (default: ``n`` or 1, a sequence
    of one being repeated for every axis, as torch's functional ops read it).
    """
    if type(value) is int and minimum <= value <= maximum:  # the usual case first: an ABC check (Sequence) is slow
        return (value,) * n
    if is_sequence(value):
        assert isinstance(value, Sequence)
        allowed = lengths or (1, n)
        if len(value) not in allowed:
            counts = " or ".join(str(k) for k in sorted(set(allowed)))
            raise ValueError(f"{layer}: {name} must be an int or a sequence of {counts} ints, got {value!r}")
        items = tuple(check_int(layer, name, v, minimum=minimum, maximum=maximum, bools=bools) for v in value)
        return items * n if len(items) == 1 and n != 1 else items
    return (check_int(layer, name, value, minimum=minimum, maximum=maximum, bools=bools),) * n


def as_ntuple(value: object, n: int) -> tuple[int, ...]:
    """A validated argument as torch's ``_ntuple`` keeps it (what its repr prints): a sequence as a tuple, else ``n`` copies."""
    return tuple(value) if is_sequence(value) else (value,) * n  # type: ignore[arg-type,return-value]


def check_prob(layer: str, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{layer}: {name} must be a number, got {type(value).__name__} {value!r}")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{layer}: {name} has to be between 0 and 1, but got {value}")
    return float(value)


def check_choice(layer: str, name: str, value: object, choices: Sequence[object]) -> object:
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{layer}: {name} must be one of {allowed}, got {value!r}")
    return value
