"""Validating constructor arguments the way a torch user expects to read about them."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["UNBOUNDED", "check_int", "check_prob", "check_choice", "ntuple"]

UNBOUNDED = -(1 << 62)
"""``minimum`` for an int that may be negative (a cropping pad)."""


def check_int(layer: str, name: str, value: object, *, minimum: int = 0) -> int:
    """``value`` as an int ``>= minimum``: TypeError for a non-int, ValueError below the minimum."""
    if type(value) is int and value >= minimum:  # the usual case, decided in one test
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{layer}: {name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        rule = "positive" if minimum == 1 else f">= {minimum}" if minimum else "non-negative"
        raise ValueError(f"{layer}: {name} must be {rule}, got {value}")
    return value


def ntuple(layer: str, name: str, value: object, n: int, *, minimum: int = 0) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints, as ``torch.nn.modules.utils._ntuple`` reads it, validated."""
    if type(value) is int and value >= minimum:  # the usual case first: an ABC check (Sequence) is slow
        return (value,) * n
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != n:
            raise ValueError(f"{layer}: {name} must be an int or a tuple of {n} ints, got {value!r}")
        return tuple(check_int(layer, name, v, minimum=minimum) for v in value)
    return (check_int(layer, name, value, minimum=minimum),) * n


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
