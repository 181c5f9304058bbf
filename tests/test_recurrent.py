"""``RNN``, ``GRU``, ``LSTM`` and ``Pick`` against torch 2.13.

Random configurations, valid and invalid, are built with both libraries: constructor errors,
parameter counts and reprs must agree; random inputs (ranks, layouts, wrong feature counts, empty
sequences) run on the meta device must be rejected by torch exactly when shapecheck rejects them,
and otherwise give the shape of the picked output; MACs equal the matmuls ``FlopCounterMode`` sees.
"""

from __future__ import annotations

import inspect
import os
import random
import warnings
from typing import Any

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import shapecheck as sc
from shapecheck import nn

CASES = 300
KINDS = ("RNN", "GRU", "LSTM")


def draw_config(rng: random.Random, valid: bool = True) -> tuple[str, dict[str, Any]]:
    kind = rng.choice(KINDS)
    hidden = rng.randint(1, 9)
    kw: dict[str, Any] = {
        "input_size": rng.randint(1, 9),
        "hidden_size": hidden,
        "num_layers": rng.randint(1, 3),
        "bias": rng.random() < 0.7,
        "batch_first": rng.random() < 0.5,
        "dropout": rng.choice([0.0, 0.0, 0.3]),
        "bidirectional": rng.random() < 0.5,
    }
    if kind == "LSTM" and hidden > 1 and rng.random() < 0.5:
        kw["proj_size"] = rng.randint(1, hidden - 1)
    if kind == "RNN" and rng.random() < 0.4:
        kw["nonlinearity"] = rng.choice(["tanh", "relu"])
    if kw["num_layers"] == 1:
        kw["dropout"] = 0.0  # torch only warns
    if not valid:
        fault = rng.choice(["input_size", "hidden_size", "num_layers", "proj_size", "dropout", "bias", "nonlinearity"])
        if fault == "proj_size":
            kind = "LSTM"
            kw["proj_size"] = rng.choice([hidden, hidden + 1, -1])
        elif fault == "dropout":
            kw["dropout"] = rng.choice([-0.1, 1.5])
        elif fault == "bias":
            kw["bias"] = 1
        elif fault == "nonlinearity":
            kind = "RNN"
            kw["nonlinearity"] = "gelu"
        else:
            kw[fault] = rng.choice([0, -1])
    if kind != "LSTM":
        kw.pop("proj_size", None)
    if kind != "RNN":
        kw.pop("nonlinearity", None)
    return kind, kw


def build(kind: str, kw: dict[str, Any]) -> tuple[Any, Any]:
    """``(shapecheck layer or the exception, torch layer or the exception)``."""
    out: list[Any] = []
    for lib in (nn, torch.nn):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(getattr(lib, kind)(**kw, **({"device": "meta"} if lib is torch.nn else {})))
        except Exception as err:  # noqa: BLE001 - the type is compared below
            out.append(err)
    return out[0], out[1]


def test_parameters_and_repr_match_torch() -> None:
    rng = random.Random(0)
    for _ in range(CASES):
        kind, kw = draw_config(rng)
        ours, theirs = build(kind, kw)
        assert not isinstance(theirs, Exception), (kind, kw, theirs)
        assert ours.parameter_count() == sum(p.numel() for p in theirs.parameters()), (kind, kw)
        assert ours.buffer_count() == 0
        assert repr(ours) == repr(theirs), (kind, kw)


def test_invalid_arguments_are_rejected_as_torch() -> None:
    rng = random.Random(1)
    for _ in range(CASES):
        kind, kw = draw_config(rng, valid=False)
        ours, theirs = build(kind, kw)
        assert isinstance(theirs, Exception) == isinstance(ours, Exception), (kind, kw, ours, theirs)
        if isinstance(ours, Exception):
            assert isinstance(ours, (TypeError, ValueError)) and kind in str(ours), (kind, kw, ours)


def picks(kind: str) -> list[tuple[int, ...]]:
    return [(0,), (1, 0), (1, 1), (-1, -1)] if kind == "LSTM" else [(0,), (1,), (-1,)]


def draw_input(rng: random.Random, kw: dict[str, Any]) -> tuple[int, ...]:
    rank = rng.choice([2, 3, 3, 3, 1, 4])
    features = kw["input_size"] if rng.random() < 0.8 else kw["input_size"] + rng.choice([-1, 1])
    lead = [rng.choice([0, 1, 2, 3, 5]) if rng.random() < 0.15 else rng.randint(1, 5) for _ in range(rank - 1)]
    return (*lead, features) if rank else (features,)


def torch_pick(layer: Any, x: torch.Tensor, index: tuple[int, ...]) -> tuple[int, ...] | None:
    try:
        out = layer(x)
    except Exception:  # noqa: BLE001 - any failure is a rejection
        return None
    for i in index:
        out = out[i]
    return tuple(out.shape)


def test_outputs_match_torch_on_random_inputs() -> None:
    rng = random.Random(2)
    rejected = accepted = 0
    for _ in range(CASES):
        kind, kw = draw_config(rng)
        ours, theirs = build(kind, kw)
        shape = draw_input(rng, kw)
        index = rng.choice(picks(kind))
        want = torch_pick(theirs, torch.empty(shape, device="meta"), index)
        try:
            model = nn.Sequential(nn.Input(*shape), nn.Pick(ours, *index))
        except sc.ShapeError as err:
            assert want is None, (kind, kw, shape, index, want, str(err))
            rejected += 1
            continue
        assert want == tuple(model.output_shape), (kind, kw, shape, index, want, model.output_shape)
        accepted += 1
    assert rejected > 20 and accepted > 100


def test_macs_are_the_matmuls_torch_runs() -> None:
    rng = random.Random(3)
    for _ in range(60):
        kind, kw = draw_config(rng)
        ours, theirs = build(kind, kw)
        length, batch = rng.randint(1, 4), rng.randint(1, 3)
        shape = (batch, length, kw["input_size"]) if kw["batch_first"] else (length, batch, kw["input_size"])
        with FlopCounterMode(display=False) as counter:
            theirs(torch.empty(shape, device="meta"))
        model = nn.Sequential(nn.Input(*shape), nn.Pick(ours, 0))
        assert sc.count_macs(model) * 2 == counter.get_total_flops(), (kind, kw, shape)


def test_symbolic_sequence_and_batch() -> None:
    lstm = nn.LSTM(32, 20, num_layers=2, bidirectional=True, proj_size=8, batch_first=True)
    model = nn.Sequential(nn.Input("B", "L", 32), nn.Pick(lstm, 0), nn.Linear(16, 4))
    assert str(model.output_shape) == "(B, L, 4)"
    concrete = nn.Sequential(nn.Input(3, 7, 32), nn.Pick(lstm, 0), nn.Linear(16, 4))
    assert sc.count_macs(model, B=3, L=7) == sc.count_macs(concrete)
    h_n = nn.Sequential(nn.Input("B", "L", 32), nn.Pick(lstm, 1, 0))
    assert str(h_n.output_shape) == "(4, B, 8)"
    c_n = nn.Sequential(nn.Input("L", 32), nn.Pick(lstm, 1, 1))
    assert str(c_n.output_shape) == "(4, 20)"
    # unknown leading dims: the features are still checked, the rest stays unknown
    chain = nn.Sequential(nn.Pick(nn.GRU(8, 5), 0), nn.Linear(5, 2))
    assert str(chain.output_shape) == "(..., 2)"
    with pytest.raises(sc.ShapeError, match="input_size=8"):
        nn.Sequential(nn.Linear(3, 7), nn.Pick(nn.GRU(8, 5), 0))


def test_wrong_features_are_located_with_a_fix() -> None:
    line = inspect.currentframe().f_lineno + 3  # type: ignore[union-attr]
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", "L", 16), nn.Linear(16, 30),
                      nn.Pick(nn.LSTM(32, 64, batch_first=True), 0))  # fmt: skip
    err = info.value
    assert err.location == f"{os.path.relpath(__file__)}:{line}"
    assert err.kind == "features" and err.expected == "32" and err.actual == "30"
    assert err.fixes[0] == "LSTM(30, 64, batch_first=True)"
    assert err.derivation[-1] == "input (B, L, 16) -> [0] Linear -> (B, L, 30)"


def test_a_mismatch_after_a_bidirectional_layer_explains_its_features() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", "L", 32), nn.Pick(nn.LSTM(32, 20, bidirectional=True), 0), nn.Linear(20, 3))
    assert info.value.derivation[0].startswith("40 = 2*20 (directions * hidden_size 20) by [0] Pick(LSTM(")
    assert info.value.fixes[0] == "Linear(40, 3)"


def test_empty_sequence_is_rejected() -> None:
    with pytest.raises(sc.ShapeError, match="sequence length"):
        nn.Sequential(nn.Input(0, 2, 4), nn.Pick(nn.RNN(4, 3), 0))
    nn.Sequential(nn.Input(2, 0, 4), nn.Pick(nn.RNN(4, 3), 0))  # an empty batch passes, as in torch


def test_a_bare_recurrent_layer_must_be_picked() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", "L", 8), nn.GRU(8, 4), nn.Linear(4, 2))
    assert info.value.kind == "tuple" and info.value.path == "0"
    assert info.value.fixes[0].startswith("Pick(GRU(8, 4), 0)")
    with pytest.raises(sc.ShapeError, match="next layer"):
        nn.Sequential(nn.Input("B", "L", 8), nn.Sequential(nn.Linear(8, 8), nn.LSTM(8, 4)), nn.ReLU())


def test_a_tuple_layer_may_end_a_chain() -> None:
    """As ``torch.nn.Sequential(..., nn.LSTM(...))``, which returns the tuple: the output shape is unknown."""
    model = nn.Sequential(nn.Input(5, 2, 8), nn.Sequential(nn.Linear(8, 8), nn.LSTM(8, 4)))
    assert model.output_shape == sc.Shape.unknown()
    assert sc.count_macs(model) == sc.count_macs(nn.Sequential(nn.Input(5, 2, 8), nn.Linear(8, 8), nn.Pick(nn.LSTM(8, 4), 0)))
    with pytest.raises(sc.ShapeError, match="input_size=9"):
        nn.Sequential(nn.Input(5, 2, 8), nn.LSTM(9, 4))


def test_pick_arguments() -> None:
    with pytest.raises(TypeError, match="tuple"):
        nn.Pick(nn.Linear(2, 3), 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="index"):
        nn.Pick(nn.LSTM(2, 3))
    with pytest.raises(ValueError, match="out of range"):
        nn.Pick(nn.GRU(2, 3), 2)
    with pytest.raises(ValueError, match="add an index"):
        nn.Pick(nn.LSTM(2, 3), 1)
    with pytest.raises(ValueError, match="not a tuple"):
        nn.Pick(nn.LSTM(2, 3), 0, 0)
    with pytest.raises(TypeError, match="no option"):
        nn.Pick(nn.LSTM(2, 3), 0, need_weights=False)
    assert repr(nn.Pick(nn.LSTM(2, 3), 1, 0)) == "Pick(LSTM(2, 3), 1, 0)"
