"""The dtype a contract asks of its input, with torch as the oracle: whatever the contract refuses, torch refuses.

A contract's input kind comes from the layers that first take the input (``Float`` before a conv, ``Int``
before an ``Embedding``, none where a layer such as ``Sigmoid`` takes any dtype). Random chains of
``tests/_generate.py`` run in torch on float and integer tensors; a kind that refuses a dtype torch runs
would be a false positive of every guard built on it.
"""

from __future__ import annotations

import warnings

import pytest
import torch
import typeguard

import shapecheck as sc
from shapecheck import nn
from shapecheck.dtypes import KINDS
from shapecheck.nn.input_dtype import input_kind
from tests._generate import generate_case
from tests.test_examples import load

SEEDS = range(900)
DTYPES = (torch.float32, torch.float64, torch.int64, torch.int32)


def _runs(layers: torch.nn.Module, shape: tuple[int, ...], dtype: torch.dtype) -> bool:
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers(torch.zeros(shape, dtype=dtype))
    except Exception:  # torch's refusals are RuntimeError, TypeError, IndexError, ...
        return False
    return True


def test_every_dtype_the_contract_refuses_torch_refuses() -> None:
    refused = 0
    kinds = set()
    for seed in SEEDS:
        case = generate_case(seed)
        try:
            model = nn.Sequential(nn.Input(*case.shape), *(layer.build(nn) for layer in case.layers))
        except (sc.ShapeError, TypeError, ValueError):
            continue
        if torch.Size(case.shape).numel() > 200_000:
            continue
        kind = input_kind(model)
        kinds.add(kind)
        accepted = KINDS[kind or "Shaped"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers = torch.nn.Sequential(*(layer.build(torch.nn) for layer in case.layers)).eval()
        for dtype in DTYPES:
            if accepted is not None and str(dtype).rpartition(".")[2] not in accepted:
                refused += 1
                assert not _runs(layers, case.shape, dtype), f"seed {seed}: contract refuses {dtype} ({kind}), torch runs it"
    assert kinds == {"Float", "Int", None}
    assert refused > 500  # the check is not vacuous: most chains start with a layer that has a kind


def test_gpt2_takes_token_ids() -> None:
    model = load("gpt2.py").gpt2()
    assert str(model.contract()) == 'Int[Tensor, "B T"] -> Float[Tensor, "B T 50257"]'
    guard = sc.guard(model)
    assert guard.check(torch.zeros(2, 16, dtype=torch.long)) == {"B": 2, "T": 16}
    with pytest.raises(sc.ShapeError) as err:
        guard.check(torch.zeros(2, 16))
    assert str(err.value) == (
        "guard: argument x\n"
        "  argument x has dtype float32, expected Int (bindings: B=2, T=16)\n"
        "  expected: Int\n"
        "  actual:   float32\n"
        "  fix: x.long()"
    )
    with pytest.raises(RuntimeError):  # torch agrees: an Embedding takes no floats
        torch.nn.Embedding(10, 4)(torch.zeros(2, 16))


def test_image_models_take_floats_and_say_how_to_cast() -> None:
    model = load("resnet18.py").resnet18()
    with pytest.raises(sc.ShapeError) as err:
        sc.guard(model).check(torch.zeros(2, 3, 32, 32, dtype=torch.uint8))
    assert "argument x has dtype uint8, expected Float" in str(err.value)
    assert str(err.value).endswith("fix: x.float()")
    assert sc.guard(model, dtype="Shaped").check(torch.zeros(2, 3, 32, 32, dtype=torch.uint8)) == {"B": 2, "H": 32, "W": 32}


def test_a_layer_that_takes_any_dtype_makes_no_claim() -> None:
    model = nn.Sequential(nn.Input("B", 4), nn.Sigmoid(), nn.Linear(4, 2))
    assert str(model.contract()) == 'Shaped[Tensor, "B 4"] -> Float[Tensor, "B 2"]'
    assert sc.guard(model).check(torch.zeros(3, 4, dtype=torch.long)) == {"B": 3}
    torch.nn.Sequential(torch.nn.Sigmoid(), torch.nn.Linear(4, 2))(torch.zeros(3, 4, dtype=torch.long))  # torch runs it


def test_jaxtyping_annotations_carry_the_same_kind() -> None:
    annotations = load("gpt2.py").gpt2().contract().jaxtyping()
    typeguard.check_type(torch.zeros(2, 16, dtype=torch.long), annotations["x"])
    with pytest.raises(typeguard.TypeCheckError):
        typeguard.check_type(torch.zeros(2, 16), annotations["x"])
