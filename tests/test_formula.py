"""The formulas of the rules' docstrings, filled in with a layer's numbers (derivations and hovers), against
the rules themselves and against torch's real output sizes and parameter counts."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import torch

from shapecheck import nn
from shapecheck.rules.conv import conv_output_size, conv_transpose_output_size
from shapecheck.rules.formula import formula, formulas
from shapecheck.rules.pool import pool_output_size


def _value(text: str, **names: int) -> int:
    """A rendered formula (Python syntax: ``//``, ``min``, ``prod``) evaluated."""
    result = eval(text, {"__builtins__": {"min": min}}, dict(names))
    assert isinstance(result, int)
    return result


def test_the_docstring_formulas_are_the_rules() -> None:
    """Each formula the hover shows is evaluated against the function that computes the same thing."""
    for size, kernel, stride, padding, dilation in itertools.product(range(5, 12), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2), (1, 2)):
        args = dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation)
        if size + 2 * padding >= dilation * (kernel - 1) + 1:
            assert _value(formula(conv_output_size, size=size, **args)) == conv_output_size(size, **args)
        assert _value(formula(conv_transpose_output_size, size=size, output_padding=0, **args)) == conv_transpose_output_size(size, output_padding=0, **args)
        if 2 * padding <= kernel and size + 2 * padding >= dilation * (kernel - 1) + 1:
            for ceil, which in ((False, 0), (True, -1)):
                assert _value(formula(pool_output_size, which, size=size, **args)) == pool_output_size(size, ceil_mode=ceil, **args), (args, ceil)
    assert formulas(conv_output_size) == ("(size + 2*padding - dilation*(kernel - 1) - 1)//stride + 1",)


def test_an_expression_is_parenthesized_unless_it_opens_a_sum() -> None:
    args = dict(kernel=7, stride=2, padding=3, dilation=1)
    assert formula(conv_output_size, size="H", **args) == "(H + 2*3 - 1*(7 - 1) - 1)//2 + 1"
    assert formula(conv_output_size, size="H//2 - 2", **args) == "(H//2 - 2 + 2*3 - 1*(7 - 1) - 1)//2 + 1"
    assert formula(conv_output_size, size=5, kernel=7, stride=2, padding=3, dilation="d - 1") == "(5 + 2*3 - (d - 1)*(7 - 1) - 1)//2 + 1"
    assert nn.Conv2d(3, 64, 7).explain_params() == "64*3*7*7 + 64"  # the weight's shape, then the bias's


LAYERS: list[tuple[str, tuple[Any, ...], dict[str, Any], tuple[int, ...]]] = [
    ("Conv1d", (3, 8, 5), dict(stride=2, padding=1, dilation=2), (2, 3, 37)),
    ("Conv2d", (3, 64, 7, 2, 3), {}, (2, 3, 33, 40)),
    ("Conv2d", (4, 8, (3, 4)), dict(padding="same", groups=2, bias=False), (1, 4, 9, 10)),  # pads 1 and 2 on W
    ("Conv2d", (3, 6, 3), dict(padding=2, padding_mode="reflect"), (1, 3, 7, 8)),
    ("Conv3d", (2, 4, 3), dict(stride=(1, 2, 3)), (1, 2, 6, 9, 11)),
    ("ConvTranspose2d", (8, 4, 3), dict(stride=2, padding=1, output_padding=1), (1, 8, 5, 7)),
    ("ConvTranspose1d", (8, 4, 4), dict(stride=3, dilation=2, groups=4), (1, 8, 6)),
    ("MaxPool2d", (3, 2, 1), dict(ceil_mode=True), (1, 3, 8, 9)),
    ("MaxPool1d", (3, 3, 1), dict(ceil_mode=True), (1, 3, 5)),  # ceil gives 3 windows; the third starts in the padding
    ("AvgPool2d", (3,), dict(stride=2, padding=1), (1, 3, 10, 11)),
    ("Linear", (16 * 5 * 5, 120), {}, (4, 400)),
    ("Linear", (7, 3), dict(bias=False), (2, 5, 7)),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("name, args, kwargs, size", LAYERS, ids=[f"{n}{a}" for n, a, _, _ in LAYERS])
def test_filled_in_formulas_give_torchs_sizes_and_counts(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], size: tuple[int, ...]) -> None:
    """The formula of each output dim, filled in for a concrete input and for a symbolic one (then evaluated
    at the concrete sizes), equals the size torch gives; the parameter formula equals torch's count."""
    real = getattr(torch.nn, name)(*args, **kwargs)
    got = tuple(real(torch.zeros(size)).shape)
    layer = getattr(nn, name)(*args, **kwargs)
    symbols = {} if name == "Linear" else {f"S{i}": s for i, s in enumerate(size[2:], 2)}
    for shape in (size, (*size[:2], *symbols)) if symbols else (size,):
        chain = nn.Sequential(nn.Input(*shape), layer)
        step = chain.steps[-1]
        explained = [i for i in range(len(size)) if layer.explain(step.input, step.output, i - len(size)) is not None]
        assert explained == ([] if name == "Linear" else list(range(2, len(size))))
        for i in explained:
            text = layer.explain(step.input, step.output, i - len(size))
            assert text is not None and _value(text, **symbols) == got[i], (text, got)
    params = layer.explain_params()
    assert (0 if params is None else _value(params)) == sum(p.numel() for p in real.parameters())
