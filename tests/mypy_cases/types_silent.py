"""Shapes in types: what cannot be known stays silent (no false positives); what the code shows is found."""

from typing import Annotated, Any

from jaxtyping import Float, Shaped
from torch import Tensor, nn

from shapecheck.torch import Input

model = nn.Sequential(Input("B", 3, 32, 32), nn.Conv2d(3, 16, 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten())
declared: nn.Module = nn.Sequential(Input("B", 3, 32, 32), nn.Flatten())  # a declared type keeps mypy's
opaque = nn.Sequential(nn.ReLU())


# Names the caller leaves free take the model's sizes, as jaxtyping binds them at run time.
def generic(x: Float[Tensor, "N C H W"]) -> Float[Tensor, "N 16"]:
    return model(x)


# A parameter bound again no longer has its annotated shape.
def rebound(x: Float[Tensor, "B 1 32 32"]) -> Tensor:
    x = x.repeat(1, 3, 1, 1)
    return model(x)


def rebound_in_loop(x: Float[Tensor, "B 1 32 32"]) -> Tensor:
    for x in [x.repeat(1, 3, 1, 1)]:
        pass
    return model(x)


def walrus(x: Float[Tensor, "B 1 32 32"]) -> Tensor:
    if (x := x.repeat(1, 3, 1, 1)) is not None:
        pass
    return model(x)


# Annotations that say nothing checkable.
def plain_annotated(x: Annotated[Tensor, "B 1 32 32"]) -> Annotated[Tensor, "B 99"]:
    return model(x)


def variadic(x: Shaped[Tensor, "*batch 3 32 32"]) -> Float[Tensor, "B 16"]:
    return model(x)


def broadcast_and_anonymous(x: Float[Tensor, "#B _ 32 _c"]) -> Float[Tensor, "B ?d"]:
    return model(x)


def expressions(x: Float[Tensor, "B c+1 32 32"]) -> Tensor:
    return model(x)


def untyped(x: Any, y: Tensor):  # type: ignore[no-untyped-def]
    model(x)
    return model(y)


# Results the function does not return, names bound twice, a free name in the return.
def not_returned(x: Float[Tensor, "B 3 32 32"]) -> Float[Tensor, "B 1"]:
    y = model(x)
    return y.sum(1, keepdim=True)


def bound_twice(x: Float[Tensor, "B 3 32 32"]) -> Float[Tensor, "B 1"]:
    y = model(x)
    y = y.sum(1, keepdim=True)
    return y


def free_return_name(x: Float[Tensor, "B 3 32 32"]) -> Float[Tensor, "M 16"]:
    return model(x)


# Models whose shapes are not in their type: the types say nothing, the forward interpreter follows the
# values (the declared model, the chain without an Input, the closure) and finds what running would raise.
def declared_model(x: Float[Tensor, "B 1 32 32"]) -> Float[Tensor, "B 99"]:
    return declared(x)  # E: Argument of shape (B, 1, 32, 32) does not fit the model's input (B, 3, 32, 32)


def opaque_model(x: Float[Tensor, "B 1 32 32"]) -> Float[Tensor, "B 99"]:
    return opaque(x)  # E: Return annotation (B, 99) does not match the returned shape (B, 1, 32, 32)


def closure(x: Float[Tensor, "B 1 32 32"]) -> None:
    def inner() -> Tensor:
        return model(x)  # E: Argument of shape (B, 1, 32, 32) does not fit the model's input (B, 3, 32, 32)

    inner()


both = [model, nn.Sequential(Input("B", 1), nn.Linear(1, 2))]
reveal_type(both)  # R: list[torch.nn.Sequential]
