"""The public functions refuse what they cannot use with a TypeError or ValueError that says what they
expect, never an AttributeError or a wrong answer from inside."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

import shapecheck as sc
from shapecheck import nn

MODEL = nn.Sequential(nn.Input("B", 3, "H", "W"), nn.Conv2d(3, 8, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))

BAD: dict[str, tuple[Callable[[], Any], type[Exception], str]] = {
    "count_params(42)": (lambda: sc.count_params(42), TypeError, "^count_params: model must be a shapecheck.nn layer, got int 42$"),  # type: ignore[arg-type]
    "count_buffers(torch module)": (
        lambda: sc.count_buffers(torch.nn.Linear(2, 3)),  # type: ignore[arg-type]
        TypeError,
        r"^count_buffers: model is a torch module \(Linear\); use the same class from shapecheck.nn, or shapecheck.from_torch",
    ),
    "count_macs(42)": (lambda: sc.count_macs(42), TypeError, "^count_macs: model must be a shapecheck.nn layer, got int 42$"),  # type: ignore[arg-type]
    "count_macs(bias='no')": (lambda: sc.count_macs(MODEL, bias="no"), TypeError, "^count_macs: bias must be a bool, got str 'no'$"),  # type: ignore[arg-type]
    "count_macs(H=10**100)": (lambda: sc.count_macs(MODEL, H=10**100), ValueError, r"^count_macs: H must be at most 9223372036854775807 \(torch holds it as an int64\)"),
    "count_macs(H='32')": (lambda: sc.count_macs(MODEL, H="32"), TypeError, "^count_macs: H must be an int, got str '32'$"),  # type: ignore[arg-type]
    "count_memory(bytes_per_element=-1)": (
        lambda: sc.count_memory(MODEL, bytes_per_element=-1),
        ValueError,
        "^count_memory: bytes_per_element must be positive, got -1$",
    ),
    "count_memory(bytes_per_element=2.5)": (
        lambda: sc.count_memory(MODEL, bytes_per_element=2.5),  # type: ignore[arg-type]
        TypeError,
        "^count_memory: bytes_per_element must be an int, got float 2.5$",
    ),
    "summary(42)": (lambda: sc.summary(42), TypeError, "^summary: model must be a shapecheck.nn layer, got int 42$"),  # type: ignore[arg-type]
    "summary(B=0)": (lambda: sc.summary(MODEL, B=0), ValueError, "^summary: B must be positive, got 0$"),
    "guard(42)": (lambda: sc.guard(42), TypeError, r"^guard: model must be a checked shapecheck model \(Sequential with an Input\), a Contract, or shapes"),  # type: ignore[arg-type]
    "guard(model, 42)": (lambda: sc.guard(MODEL, 42), TypeError, "^guard: fn must be a function or a torch module, got int 42$"),  # type: ignore[arg-type]
    "guard({'x': 3})": (lambda: sc.guard({"x": 3}), TypeError, r"^guard: the shape of 'x' must be a tuple of dims such as \('B', 3, 224, 224\), got 3$"),  # type: ignore[dict-item]
    "guard(output='yes')": (lambda: sc.guard(MODEL, output="yes"), TypeError, "^guard: output must be a bool, got str 'yes'$"),  # type: ignore[arg-type]
    "contract(42)": (lambda: sc.contract(42), TypeError, "^contract: model must be a checked shapecheck model"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("call", BAD)
def test_bad_arguments_are_refused_with_what_is_expected(call: str) -> None:
    fn, kind, message = BAD[call]
    with pytest.raises(kind, match=message):
        fn()

