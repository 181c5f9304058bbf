"""Zoo models whose parameters are named as torchvision's, with torchvision's own source as the oracle.

``tests/corpus/tv_*.py`` are torchvision's model files (see ``tests/corpus/README.md``); the set of
``(name, shape)`` of ``to_torch(zoo model).named_parameters()`` must equal torchvision's, so a
torchvision state_dict loads into the converted model by name. Models whose structure names their
parameters differently (ResNet's ``layer1.0.residual.0.conv1``, the wrappers of DenseNet, SqueezeNet,
MobileNetV2, ConvNeXt, ViT and of the auxiliary classifiers) are not listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import shapecheck as sc
from shapecheck import models

torch = pytest.importorskip("torch")
harness = pytest.importorskip("tests.corpus.harness")

pytestmark = pytest.mark.filterwarnings("ignore:Failed to initialize NumPy")

SAME_NAMES = [
    ("tv_googlenet.py", "googlenet", {"init_weights": False, "aux_logits": False}, models.googlenet),
    ("tv_vgg.py", "vgg16", {}, models.vgg16),
    ("tv_vgg.py", "vgg11_bn", {}, models.vgg11_bn),
    ("tv_alexnet.py", "alexnet", {}, models.alexnet),
]


def named(module: Any) -> set[tuple[str, tuple[int, ...]]]:
    return {(name, tuple(p.shape)) for name, p in module.named_parameters()}


@pytest.mark.parametrize("file, factory, kwargs, ours", SAME_NAMES, ids=[f for _, f, _, _ in SAME_NAMES])
def test_parameters_are_named_as_torchvisions(file: str, factory: str, kwargs: dict[str, object], ours: Callable[[], sc.nn.Sequential]) -> None:
    torchvision = getattr(harness.load(file), factory)(**kwargs)
    converted = sc.to_torch(ours())
    assert named(converted) == named(torchvision)
    converted.load_state_dict(torchvision.state_dict())  # a torchvision checkpoint loads by name
