"""``Scale`` (a learned tensor multiplied into the input) against torch's ``x * weight`` on the meta device.

Random input and weight shapes, most broadcastable, some not: both must agree on validity and on the
output shape, and ``Scale`` must hold ``weight.numel()`` parameters. On a symbolic input, a rejection
must name a counterexample that torch rejects too, and an accepted one must give torch's shape once bound.
"""

from __future__ import annotations

import random

import pytest
import torch

import shapecheck as sc
from shapecheck import nn

pytestmark = pytest.mark.filterwarnings("ignore:Failed to initialize NumPy")

CASES = 300
SIZES = (1, 2, 3, 5)


def torch_product(x: tuple[int, ...], w: tuple[int, ...]) -> tuple[int, ...] | None:
    """The shape of ``x * weight`` in torch, None when torch rejects it."""
    try:
        return tuple((torch.empty(x, device="meta") * torch.empty(w, device="meta")).shape)
    except RuntimeError:
        return None


def random_case(rng: random.Random) -> tuple[tuple[int, ...], tuple[int, ...]]:
    x = tuple(rng.choice(SIZES) for _ in range(rng.randint(1, 4)))
    w = []
    for j in range(1, rng.randint(0, 5) + 1):
        aligned = x[-j] if j <= len(x) else 1
        w.append(rng.choice([1, 1, aligned, aligned, rng.choice(SIZES)]))
    return x, tuple(reversed(w))


@pytest.mark.parametrize("seed", range(CASES))
def test_scale_equals_torch_broadcasting(seed: int) -> None:
    x, w = random_case(random.Random(seed))
    want = torch_product(x, w)
    layer = nn.Scale(*w)
    assert layer.parameter_count() == torch.nn.Parameter(torch.ones(w, device="meta")).numel()
    if want is None:
        with pytest.raises(sc.ShapeError, match="does not broadcast"):
            nn.Sequential(nn.Input(*x), layer)
        return
    model = nn.Sequential(nn.Input(*x), layer)
    assert tuple(model.output_shape) == want
    assert sc.count_params(model) == layer.parameter_count() and sc.count_macs(model) == 0


@pytest.mark.parametrize("seed", range(CASES))
def test_scale_on_symbolic_dims(seed: int) -> None:
    """Some input dims named; a rejection's witness is rejected by torch, an acceptance holds once bound."""
    rng = random.Random(seed)
    x, w = random_case(rng)
    names = ["D0", "D1", "D2", "D3"]
    dims = [names[i] if rng.random() < 0.5 else d for i, d in enumerate(x)]
    try:
        model = nn.Sequential(nn.Input(*dims), nn.Scale(*w))
    except sc.ShapeError as err:
        if err.witness is None:  # a concrete mismatch: rejected for every value of the names
            assert torch_product(x, w) is None
        else:
            assert torch_product(tuple(err.witness.get(d, 1) if isinstance(d, str) else d for d in dims), w) is None
        return
    for _ in range(5):
        values = {n: rng.choice(SIZES) for n in names}
        bound = tuple(values[d] if isinstance(d, str) else d for d in dims)
        assert torch_product(bound, w) == tuple(model.output_shape.bind(values))


def test_scale_arguments_and_repr() -> None:
    assert repr(nn.Scale(96, 1, 1)) == "Scale(96, 1, 1)" == repr(nn.Scale((96, 1, 1)))
    assert nn.Scale().parameter_count() == 1  # a scalar weight, as nn.Parameter(torch.ones(()))
    with pytest.raises(TypeError, match="Scale: shape must be an int"):
        nn.Scale(2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Scale: shape must be non-negative"):
        nn.Scale(-1, 1)


def test_scale_error_names_the_dim() -> None:
    with pytest.raises(sc.ShapeError, match=r"weight \(96, 1, 1\) does not broadcast with the input \(B, 64, H, W\) at dim 1"):
        nn.Sequential(nn.Input("B", 64, "H", "W"), nn.Scale(96, 1, 1))
    model = nn.Sequential(nn.Input("B", 96, "H", "W"), nn.Scale(96, 1, 1))
    assert str(model.output_shape) == "(B, 96, H, W)" and sc.count_params(model) == 96
