"""Shapes in types, plain torch.nn: a checked chain's type shows its shapes, a call checks its argument and result."""

from jaxtyping import Float, Shaped
import jaxtyping as jt
import torch
from torch import Tensor, nn

from shapecheck.torch import Input

classifier = nn.Sequential(
    Input("B", 3, 32, 32),
    nn.Conv2d(3, 16, 3, padding=1),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(16 * 16 * 16, 10),
)
reveal_type(classifier)  # R: torch.nn.Sequential[Literal['(B, 3, 32, 32) -> (B, 10)']]
backbone = nn.Sequential(Input("B", 3, "H", "W"), nn.Conv2d(3, 64, 7, stride=2), nn.AdaptiveAvgPool2d(1), nn.Flatten())
reveal_type(backbone)  # R: torch.nn.Sequential[Literal['(B, 3, H, W) -> (B, 64) where H >= 7, W >= 7']]
head = nn.Sequential(Input("B", 512), nn.Linear(512, 1000))
neighbours = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.Linear(288, 2))
reveal_type(neighbours)  # R: torch.nn.Sequential[Literal['(...) -> (..., 2)']]


# The result of a call carries the output shape, in the caller's names.
def forward(x: Float[Tensor, "N 3 32 32"]) -> Float[Tensor, "N 10"]:
    y = classifier(x)
    reveal_type(y)  # R: torch.Tensor[Literal['(N, 10)']]
    return y


# The argument against the model's input.
def gray(x: Float[Tensor, "B 1 32 32"]) -> Tensor:
    return classifier(x)  # E:23: Argument of shape (B, 1, 32, 32) does not fit the model's input (B, 3, 32, 32)


def flat(x: jt.Float[Tensor, "B 3072"]) -> Tensor:
    return classifier(x)  # E: Argument of shape (B, 3072) does not fit the model's input (B, 3, 32, 32)


def too_small(x: Float[Tensor, "B 3 5 64"]) -> Tensor:
    return backbone(x)  # E: Argument of shape (B, 3, 5, 64) does not fit the model's input (B, 3, H, W)


# The result against the return annotation: `return model(x)`, or a name bound once and returned.
def wrong_classes(x: Float[Tensor, "B 3 32 32"]) -> Float[Tensor, "B 1000"]:
    return classifier(x)  # E: Return annotation (B, 1000) does not match the returned shape (B, 10)


def via_name(x: Float[Tensor, "B 3 224 224"]) -> Float[Tensor, "B 512"]:
    features = backbone(x)
    if features.mean() > 0:
        return features  # E: Return annotation (B, 512) does not match the returned shape (B, 64)
    return features  # E: Return annotation (B, 512) does not match the returned shape (B, 64)


def wrong_batch(x: Float[Tensor, "8 3 32 32"]) -> Float[Tensor, "16 10"]:
    return classifier(x)  # E: Return annotation (16, 10) does not match the returned shape (8, 10)


def without_input(x: Float[Tensor, "B 3 8 8"]) -> Float[Tensor, "B 3"]:
    return neighbours(x)  # E: Return annotation (B, 3) does not match the returned shape (B, 2)


# An annotated local, and one model's output fed to the next.
def annotated_local(x: Float[Tensor, "B 3 32 32"]) -> None:
    logits: Float[Tensor, "B 100"] = classifier(x)  # E: Annotation (B, 100) does not match the value's shape (B, 10)


def chained(x: Float[Tensor, "B 3 64 64"]) -> Tensor:
    features = backbone(x)
    return head(features)  # E:17: Argument of shape (B, 64) does not fit the model's input (B, 512)


def nested_calls(x: Float[Tensor, "B 3 64 64"]) -> Tensor:
    return head(backbone(x))  # E: Argument of shape (B, 64) does not fit the model's input (B, 512)


# Inside an nn.Module: attributes keep their shapes.
class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(Input("B", 3, 32, 32), nn.Conv2d(3, 8, 3, padding=1), nn.Flatten())
        self.head = nn.Sequential(Input("B", 8 * 32 * 32), nn.Linear(8 * 32 * 32, 10))

    def forward(self, x: Shaped[Tensor, "B 3 32 32"]) -> Float[Tensor, "B 100"]:
        h = self.features(x)
        return self.head(h)  # E: Return annotation (B, 100) does not match the returned shape (B, 10)


# Correct code: silent.
def ok(x: Float[Tensor, "B 3 224 224"]) -> Float[Tensor, "B 64"]:
    return backbone(x)


def ok_chain(x: Float[Tensor, "B 3 32 32"]) -> Float[Tensor, "B 10"]:
    h: Float[Tensor, "B 8192"] = Net().features(x)
    return Net().head(h)


unannotated = classifier(torch.zeros(2, 3, 32, 32))
reveal_type(unannotated)  # R: torch.Tensor[Literal['(?, 10)']]
