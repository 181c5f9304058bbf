"""What cannot be known statically makes the checkers silent: no false positives."""

from typing import Any, Final

import shapecheck
from shapecheck import nn


def parameters(n: int, k: int, m: nn.Module) -> None:
    nn.Sequential(nn.Conv2d(3, n, 3), nn.Conv2d(7, 8, k))
    nn.Sequential(nn.Linear(n, 4), nn.Linear(n, 4), nn.Linear(5, 1))
    nn.Sequential(m, nn.Linear(9, 4))
    nn.Sequential(nn.Conv2d(3, 8, 3), m, nn.Conv2d(7, 8, 3))
    nn.Sequential(nn.Input("B", n, 8), nn.Conv1d(4, 4, 3))
    nn.Sequential(nn.Input("B", 3, 8, 8), nn.Conv2d(3, 8, k), nn.Flatten(), nn.Linear(5, 1))


def unknown_values(layers: list[nn.Module], options: dict[str, Any], width: int) -> None:
    nn.Sequential(nn.Conv2d(3, 8, 3), *layers, nn.Conv2d(4, 8, 3))
    nn.Sequential(nn.Conv2d(*layers), nn.Conv2d(4, 8, 3))  # type: ignore[arg-type]
    nn.Sequential(nn.Conv2d(3, 8, 3, **options), nn.Conv2d(4, 8, 3))
    nn.Sequential(nn.Linear(3, width), nn.Linear(10, 1))
    nn.Sequential(layers[0], nn.Conv2d(5, 8, 3))


arity = nn.Sequential(nn.Conv2d(3), nn.Conv2d(5, 8, 3))  # type: ignore[call-arg]
keyword = nn.Sequential(nn.Conv2d(3, 8, 3, size=1), nn.Conv2d(5, 8, 3))  # type: ignore[call-arg]
not_a_layer = nn.Sequential(nn.Conv2d(3, 8, 3), 3, nn.Conv2d(5, 8, 3))  # type: ignore[arg-type]


class Custom(nn.Module):
    pass


custom = nn.Sequential(nn.Conv2d(3, 8, 3), Custom(), nn.Conv2d(5, 8, 3))
unrelated = shapecheck.Shape((1, 2))
ok: Final = nn.Sequential(nn.Input("B", 3, "H", "W"), nn.Conv2d(3, 8, 3), nn.MaxPool2d(2))


def attention_of(width: int) -> nn.Module:
    # the attention's arguments are not literals: a Pick of it must not be judged
    return nn.Pick(nn.MultiheadAttention(width, 12, batch_first=True), 0, need_weights=False)
