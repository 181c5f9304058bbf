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
    "check_int32",
    "check_int_or_bool",
    "check_prob",
    "check_size",
    "is_sequence",
    "ntuple",
    "ntuple32",
    "ntuple_kernel",
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
    kind = type(value)
    if kind is tuple or kind is list:
        return True
    return kind is not int and isinstance(value, Sequence) and not isinstance(value, str)  # an ABC check is slow: ints skip it


def check_int(layer: str, name: str, value: object, *, minimum: int = 0) -> int:
    """``value`` as an int from ``minimum`` to int64's largest: TypeError for a non-int (a bool too), ValueError out of range."""
    if type(value) is int and minimum <= value <= INT64_MAX:  # the usual case, decided in one test
        return value
    return _checked(layer, name, value, minimum, INT64_MAX, False)


def check_int_or_bool(layer: str, name: str, value: object, *, minimum: int = 0) -> int:
    """As :func:`check_int`, but ``True`` and ``False`` count as 1 and 0, where torch takes them (see above)."""
    if type(value) is int and minimum <= value <= INT64_MAX:
        return value
    return _checked(layer, name, value, minimum, INT64_MAX, True)


def check_int32(layer: str, name: str, value: object, *, minimum: int = 0) -> int:
    """As :func:`check_int`, for an int a torch kernel holds as int32 (pooling)."""
    if type(value) is int and minimum <= value <= INT32_MAX:
        return value
    return _checked(layer, name, value, minimum, INT32_MAX, False)


def _checked(layer: str, name: str, value: object, minimum: int, maximum: int, bools: bool) -> int:
    """``value`` as an int in ``[minimum, maximum]``, a bool as 0 or 1 if ``bools``; else the error that says why not."""
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


def ntuple(layer: str, name: str, value: object, n: int, *, minimum: int = 0) -> tuple[int, ...]:
    """``n`` ints from an int, or from a sequence of ``n`` or of one (repeated for every axis), as torch's
    functional ops read a per-axis argument (``F.conv2d``'s stride)."""
    if type(value) is int and minimum <= value <= INT64_MAX:  # the usual case first: an ABC check (Sequence) is slow
        return (value,) * n
    return _per_axis(layer, name, value, n, minimum, INT64_MAX, (1, n), False)


def ntuple32(layer: str, name: str, value: object, n: int, *, minimum: int = 0) -> tuple[int, ...]:
    """As :func:`ntuple`, for an argument a torch kernel holds as int32 (pooling)."""
    if type(value) is int and minimum <= value <= INT32_MAX:
        return (value,) * n
    return _per_axis(layer, name, value, n, minimum, INT32_MAX, (1, n), False)


def ntuple_kernel(layer: str, value: object, n: int) -> tuple[int, ...]:
    """A weight's kernel size, ``n`` positive sizes from an int or a sequence of ``n`` (bools count, after the weight's first dim)."""
    if type(value) is int and 1 <= value <= INT64_MAX:
        return (value,) * n
    return _per_axis(layer, "kernel_size", value, n, 1, INT64_MAX, (n,), True)


def _per_axis(
    layer: str, name: str, value: object, n: int, minimum: int, maximum: int, lengths: tuple[int, ...], bools: bool
) -> tuple[int, ...]:
    if not is_sequence(value):
        return (_checked(layer, name, value, minimum, maximum, bools),) * n
    assert isinstance(value, Sequence)
    if len(value) not in lengths:
        counts = " or ".join(str(k) for k in sorted(set(lengths)))
        raise ValueError(f"{layer}: {name} must be an int or a sequence of {counts} ints, got {value!r}")
    items = tuple(_checked(layer, name, v, minimum, maximum, bools) for v in value)
    return items * n if len(items) == 1 else items


def as_ntuple(value: object, n: int) -> tuple[int, ...]:
    """A validated argument as torch's ``_ntuple`` keeps it (what its repr prints): a sequence as a tuple, else ``n`` copies."""
    if type(value) is not int and is_sequence(value):
        return tuple(value)  # type: ignore[arg-type]
    return (value,) * n  # type: ignore[return-value]


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
