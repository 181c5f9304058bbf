"""Guards reject what the contract forbids (and only that); jaxtyping annotations of the contract, checked
with ``typeguard.check_type``, reject the same mistakes."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any

import pytest
import torch

import shapecheck as sc
from shapecheck import models, nn
from shapecheck.guards import contract, guard

MODEL = nn.Sequential(nn.Input("B", 3, "H", "W"), nn.Conv2d(3, 8, 3, stride=2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
PAIR = {"x": ("B", 3, "H", "W"), "mask": ("B", "H", "W"), "return": ("B", 10)}

GOOD = (torch.zeros(4, 3, 32, 32), torch.zeros(4, 32, 32, dtype=torch.bool))
BAD = {
    "wrong rank": ((torch.zeros(4, 3, 32), GOOD[1]), "has 3 dims, expected 4"),
    "wrong channels": ((torch.zeros(4, 2, 32, 32), GOOD[1]), "dim 1 is 2, expected 3"),
    "inconsistent B": ((GOOD[0], torch.zeros(5, 32, 32, dtype=torch.bool)), "dim 0 is 5, but B=4"),
    "wrong dtype": ((GOOD[0], torch.zeros(4, 32, 32)), "dtype float32, expected Bool"),
}


def test_contract_reads_like_jaxtyping() -> None:
    assert str(contract(MODEL)) == 'Float[Tensor, "B 3 H W"] -> Float[Tensor, "B 10"]'
    assert str(contract(models.resnet50(shape=("B", 3, 224, 224)))) == 'Float[Tensor, "B 3 224 224"] -> Float[Tensor, "B 1000"]'
    text = str(contract(PAIR, dtype={"mask": "Bool"}))
    assert text == '(Float[Tensor, "B 3 H W"], Bool[Tensor, "B H W"]) -> Float[Tensor, "B 10"]'


@pytest.mark.parametrize("mistake", BAD)
def test_guard_rejects(mistake: str) -> None:
    @guard(PAIR, dtype={"mask": "Bool"})
    def f(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return torch.zeros(x.shape[0], 10)

    f(*GOOD)
    args, message = BAD[mistake]
    with pytest.raises(sc.ShapeError, match=message) as info:
        f(*args)
    assert info.value.header().startswith("test_guard_rejects.<locals>.f: argument")


def test_guard_error_names_argument_expected_actual_and_bindings() -> None:
    @guard(MODEL)
    def predict(x: torch.Tensor) -> torch.Tensor:
        return x

    with pytest.raises(sc.ShapeError) as info:
        predict(torch.zeros(4, 2, 32, 32))
    assert str(info.value).splitlines() == [
        "test_guard_error_names_argument_expected_actual_and_bindings.<locals>.predict: argument x",
        "  argument x: dim 1 is 2, expected 3 (bindings: B=4)",
        "  expected: (B, 3, H, W)",
        "  actual:   (4, 2, 32, 32)",
    ]


def test_guard_checks_the_input_conditions() -> None:
    checked = guard(MODEL, lambda x: x)
    checked(torch.zeros(1, 3, 3, 3))
    with pytest.raises(sc.ShapeError, match="input condition H >= 3"):
        checked(torch.zeros(1, 3, 2, 9))


def test_guard_wraps_a_torch_module_and_checks_output_in_debug_mode() -> None:
    from shapecheck.bridge.to_torch import to_torch

    module = to_torch(MODEL)
    checked = guard(MODEL, module, output=True)
    assert tuple(checked(torch.zeros(2, 3, 16, 16)).shape) == (2, 10)
    liar = guard(MODEL, lambda x: torch.zeros(x.shape[0] + 1, 10), output=True)
    with pytest.raises(sc.ShapeError, match="argument return: dim 0 is 3, but B=2"):
        liar(torch.zeros(2, 3, 16, 16))
    guard(MODEL, lambda x: torch.zeros(x.shape[0] + 1, 10))(torch.zeros(2, 3, 16, 16))  # outputs unchecked by default


def test_guard_accepts_symbolic_expressions_and_keyword_arguments() -> None:
    g = guard({"x": ("B", "N"), "y": ("B", nn.Input("N").shape[0] * 2)})
    g.check(torch.zeros(2, 3), y=torch.zeros(2, 6))
    with pytest.raises(sc.ShapeError, match=r"expected 2\*N = 6"):
        g.check(torch.zeros(2, 3), y=torch.zeros(2, 5))


def _typeguard_checker(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A typechecker for jaxtyping built on ``typeguard.check_type`` (``typeguard.typechecked`` fails with typeguard 4)."""
    import typeguard

    hints = typing.get_type_hints(fn, include_extras=True)
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for name, value in signature.bind(*args, **kwargs).arguments.items():
            typeguard.check_type(value, hints[name])
        return fn(*args, **kwargs)

    return checked


def test_jaxtyping_annotations_of_the_contract_reject_the_same_mistakes() -> None:
    pytest.importorskip("typeguard")
    from jaxtyping import jaxtyped

    ann = contract(PAIR, dtype={"mask": "Bool"}).jaxtyping()

    def f(x: Any, mask: Any) -> Any:
        return x

    f.__annotations__ = {"x": ann["x"], "mask": ann["mask"]}
    checked = jaxtyped(typechecker=_typeguard_checker)(f)
    checked(*GOOD)
    for mistake, (args, _) in BAD.items():
        with pytest.raises(Exception, match="Type-check error"):
            checked(*args)
