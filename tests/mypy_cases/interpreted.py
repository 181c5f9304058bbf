"""What following the code reveals: values a call alone does not show, the forward interpreter computes.

Each statement runs straight after the previous one, so a list, a dict, a plain variable or a function's
result is known where it is used; every error below is what running the statement raises.
"""

from typing import Any

from shapecheck import nn

layers: list[nn.Module] = [nn.Conv2d(3, 8, 3)]
options: dict[str, Any] = {}
width = 64  # not Final, but nothing changes it before it is used

star = nn.Sequential(nn.Conv2d(3, 8, 3), *layers, nn.Conv2d(4, 8, 3))  # E: Conv2d expects 3 input channels, got 8
star_args = nn.Sequential(nn.Conv2d(*[3, 8, 3]), nn.Conv2d(4, 8, 3))  # type: ignore[arg-type]  # E: Conv2d expects 4 input channels, got 8
keywords = nn.Sequential(nn.Conv2d(3, 8, 3, **options), nn.Conv2d(4, 8, 3))  # E: Conv2d expects 4 input channels, got 8
variable = nn.Sequential(nn.Linear(3, width), nn.Linear(10, 1))  # E: Linear expects 10 input features, got 64
computed = nn.Sequential(nn.Linear(3, len("abcd")), nn.Linear(10, 1))  # E: Linear expects 10 input features, got 4
indexed = nn.Sequential(layers[0], nn.Conv2d(5, 8, 3))  # E: Conv2d expects 5 input channels, got 8


def make() -> nn.Module:
    return nn.Conv2d(3, 8, 3)


factory = nn.Sequential(make(), nn.Conv2d(5, 8, 3))  # E: Conv2d expects 5 input channels, got 8


def make_layers(cfg: list[int]) -> nn.Sequential:
    stack: list[nn.Module] = []
    channels = 3
    for v in cfg:
        stack += [nn.Conv2d(channels, v, 3, padding=1), nn.ReLU()]
        channels = v
    return nn.Sequential(*stack)


looped = nn.Sequential(make_layers([16, 32]), nn.Flatten(), nn.Linear(32, 10)).with_input("B", 3, 8, 8)  # E: Linear expects 32 input features, got 2048
