"""The bridge to PyTorch: ``to_torch`` against torch itself, ``from_torch`` against torch's forward and the
published counts, and the round trip ``from_torch(to_torch(m))``."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections import OrderedDict

import pytest
import torch

import shapecheck as sc
from shapecheck import models
from shapecheck import nn as scnn
from shapecheck.dims import as_dim
from shapecheck.bridge.from_torch import from_torch
from shapecheck.bridge.to_torch import to_torch
from tests._generate import generate_case, torch_layers
from tests.test_zoo import torch_resnet50

warnings.filterwarnings("ignore", message=".*(nested|enable_nested_tensor).*")


def _valid(seed: int) -> tuple[scnn.Sequential, object] | None:
    case = generate_case(seed)
    try:
        model = scnn.Sequential(scnn.Input(*case.shape), *(layer.build(scnn) for layer in case.layers))
    except (sc.ShapeError, TypeError, ValueError):
        return None
    return model, case


def _input(case: object) -> torch.Tensor:
    shape = case.shape  # type: ignore[attr-defined]
    return torch.zeros(shape, dtype=torch.long) if case.integer else torch.randn(shape)  # type: ignore[attr-defined]


def _params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("chunk", range(4))
def test_random_chains_to_torch_equal_torch(chunk: int) -> None:
    """The converted chain is the chain written in torch (same repr), same parameters, and a real CPU
    forward gives shapecheck's output shape."""
    checked = 0
    for seed in range(chunk * 100, chunk * 100 + 100):
        found = _valid(seed)
        if found is None:
            continue
        model, case = found
        converted = to_torch(model)
        assert repr(converted) == repr(torch_layers(case.layers)), seed  # type: ignore[attr-defined]
        assert _params(converted) == sc.count_params(model), seed
        with torch.no_grad():
            out = converted.eval()(_input(case))
        if isinstance(out, torch.Tensor) and model.output_shape.known:
            assert tuple(out.shape) == tuple(model.output_shape), seed
            checked += 1
    assert checked >= 40


@pytest.mark.parametrize("chunk", range(2))
def test_random_chains_round_trip(chunk: int) -> None:
    for seed in range(1000 + chunk * 100, 1000 + chunk * 100 + 100):
        found = _valid(seed)
        if found is None:
            continue
        model, case = found
        if not model.output_shape.known:
            continue
        back = from_torch(to_torch(model), case.shape)  # type: ignore[attr-defined]
        assert back.output_shape == model.output_shape, seed
        assert sc.count_params(back) == sc.count_params(model), seed
        assert sc.count_macs(back) == sc.count_macs(model), seed
        assert [name for name, _ in back.children()] == [name for name, _ in model.children()], seed


GRAPHS = ["resnet50", "inception_v3", "googlenet", "densenet121", "efficientnet_b0", "mobilenet_v3_small", "convnext_tiny", "vit_b_16"]


@pytest.mark.parametrize("name", GRAPHS)
def test_zoo_to_torch_and_back(name: str) -> None:
    """Combinators, Pick, ClassToken, Scale, TrainingOnly: torch's parameters and output shape (meta
    device), and the round trip keeps the symbolic shapes and counts."""
    model = getattr(models, name)()
    side = 299 if name == "inception_v3" else 224
    with torch.device("meta"):
        converted = to_torch(model).eval()
        out = converted(torch.empty(2, 3, side, side))
    assert _params(converted) == sc.count_params(model)
    assert tuple(out.shape) == tuple(model.with_input(2, 3, side, side).output_shape)
    back = from_torch(converted, tuple(model.input_shape))
    assert back.output_shape == model.output_shape
    assert sc.count_params(back) == sc.count_params(model)
    assert sc.count_buffers(back) == sc.count_buffers(model)
    assert sc.count_macs(back) == sc.count_macs(model)


def test_symbolic_reshape_binds_the_input_symbols() -> None:
    model = scnn.Sequential(scnn.Input("B", 4, 6), scnn.Reshape("B", 2, -1), scnn.View("B", -1), scnn.Linear(24, 5))
    converted = to_torch(model)
    for b in (1, 3):
        assert tuple(converted(torch.randn(b, 4, 6)).shape) == (b, 5)


def test_from_torch_resnet50_symbolic() -> None:
    """A ResNet-50 written in plain torch.nn (tests/test_zoo.py): torchvision's published counts, a
    symbolic output and input conditions, without running it."""
    model = from_torch(torch_resnet50(), ("B", 3, "H", "W"))
    assert sc.count_params(model) == 25_557_032
    assert sc.count_macs(model, B=1, H=224, W=224) == 4_089_184_256
    assert str(model.output_shape) == "(B, 1000)"
    assert "B*((H + 31)//32)*((W + 31)//32) >= 2" in model.conditions
    assert sc.count_macs(from_torch(torch_resnet50(), (1, 3, 224, 224))) == 4_089_184_256
    paths = [row.path for row in sc.summary(model).rows]
    assert paths[:4] == ["conv1", "bn1", "relu", "maxpool"]
    assert "layer1.0.conv1" in paths and "layer1.0.downsample.0" in paths  # main path, downsample conv
    layers = [p for p in paths if "(" not in p]  # the others are ops of forward (torch.flatten(...))
    assert set(layers) <= set(dict(torch_resnet50().named_modules())) and len(layers) == len(paths) - 1
    with pytest.raises(sc.ShapeError, match="expects 3 input channels, got 4"):
        from_torch(torch_resnet50(), ("B", 4, "H", "W"))


class Mixed(torch.nn.Module):
    """The tensor ops a forward calls between layers."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.gate = torch.nn.Conv2d(8, 8, 1)
        self.attn = torch.nn.MultiheadAttention(8, 2, batch_first=True)
        self.lstm = torch.nn.LSTM(8, 6, batch_first=True)
        self.head = torch.nn.Linear(12, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv(x))
        x = x * torch.sigmoid(self.gate(x))
        t = x.flatten(2).transpose(1, 2)
        a, _ = self.attn(t, t, t, need_weights=False)
        t = (t + a).contiguous()
        out, _ = self.lstm(t)
        pooled = torch.cat([out.mean(1), out[:, 0]], dim=1)
        y = self.head(pooled.view(x.size(0), -1))
        return y.reshape(x.size(0), 2, 2).permute(0, 2, 1)  # type: ignore[no-any-return]


def test_from_torch_graph_ops_match_torch() -> None:
    module = Mixed()
    model = from_torch(module, ("B", 3, "H", "W"))
    out = module(torch.randn(2, 3, 5, 7))
    assert tuple(from_torch(module, (2, 3, 5, 7)).output_shape) == tuple(out.shape)
    assert sc.count_params(model) == _params(module)
    assert str(model.output_shape) == "(B, 2, 2)"


my_op = eval("lambda t: torch.cumsum(torch.einsum('bi,bj->bij', t, t).sum(2), 1)")  # no source, as a REPL defines it


class Unmappable(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) - my_op(x)  # type: ignore[no-any-return]


def test_what_neither_the_source_nor_fx_follows_is_listed_with_its_line() -> None:
    with pytest.raises(TypeError) as info:
        from_torch(Unmappable(), ("B", 4))
    text = str(info.value)
    assert "Unmappable.forward could not be followed from its source" in text and "function <lambda> without source" in text
    assert "einsum" in text and "cumsum" in text and "sum" in text
    assert f"{__file__}:" in text and "in forward" in text


def test_sequential_names_kept_and_shared_weights_counted_once() -> None:
    seq = torch.nn.Sequential(OrderedDict(conv=torch.nn.Conv2d(3, 4, 3), act=torch.nn.ReLU()))
    model = from_torch(seq, (1, 3, 8, 8))
    assert [name for name, _ in model.children()] == ["conv", "act"]
    assert tuple(model.output_shape) == (1, 4, 6, 6)

    class Shared(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(x) + self.fc(self.fc(x))  # type: ignore[no-any-return]

    shared = from_torch(Shared(), ("B", 4))
    assert str(shared.output_shape) == "(B, 4)"
    assert sc.count_params(shared) == _params(Shared()) == 20
    assert sc.count_macs(shared) == 3 * 16 * as_dim("B")  # three calls of one layer


def test_core_does_not_import_torch() -> None:
    code = "import sys, shapecheck, shapecheck.guards, shapecheck.bridge, shapecheck.bridge.to_torch, shapecheck.bridge.from_torch; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
