"""Guard cost per call against plain jaxtyping+typeguard, and ``from_torch`` against a meta-device forward.

Run: ``/work/venv/bin/python bench/bench_guard.py`` (needs torch, jaxtyping, typeguard).
"""

from __future__ import annotations

import functools
import inspect
import sys
import timeit
import typing
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import typeguard
from jaxtyping import Float, jaxtyped
from torch import Tensor

sys.path.insert(0, str(Path(__file__).parents[1]))
warnings.simplefilter("ignore")

from shapecheck import nn  # noqa: E402
from shapecheck.bridge.from_torch import from_torch  # noqa: E402
from shapecheck.guard import guard  # noqa: E402
from tests.test_zoo import ResNet  # noqa: E402


def typeguard_checker(fn: Callable[..., Any]) -> Callable[..., Any]:
    """jaxtyping's typechecker built on ``typeguard.check_type`` (``typeguard.typechecked`` fails with typeguard 4)."""
    hints = typing.get_type_hints(fn, include_extras=True)
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for name, value in signature.bind(*args, **kwargs).arguments.items():
            if name in hints:
                typeguard.check_type(value, hints[name])
        return fn(*args, **kwargs)

    return checked


def per_call(fn: Callable[[], Any], number: int) -> float:
    """Best of 5 runs, microseconds per call."""
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def main() -> None:
    model = nn.Sequential(nn.Input("B", 3, "H", "W"), nn.Conv2d(3, 8, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
    x, mask = torch.zeros(4, 3, 32, 32), torch.zeros(4, 32, 32)

    def body(x: Any, mask: Any = None) -> Any:
        return x

    @jaxtyped(typechecker=typeguard_checker)
    def jt_one(x: Float[Tensor, "B 3 H W"]) -> Any:
        return x

    @jaxtyped(typechecker=typeguard_checker)
    def jt_two(x: Float[Tensor, "B 3 H W"], mask: Float[Tensor, "B H W"]) -> Any:
        return x

    sc_one = guard(model)(body)
    sc_two = guard({"x": ("B", 3, "H", "W"), "mask": ("B", "H", "W")}, dtype="Float")(body)
    n = 20000
    rows = [
        ("no check", per_call(lambda: body(x), n), None),
        ("1 arg: jaxtyping+typeguard", per_call(lambda: jt_one(x), n // 10), None),
        ("1 arg: shapecheck.guard (+ input conditions)", per_call(lambda: sc_one(x), n), None),
        ("2 args + dtype: jaxtyping+typeguard", per_call(lambda: jt_two(x, mask), n // 10), None),
        ("2 args + dtype: shapecheck.guard", per_call(lambda: sc_two(x, mask), n), None),
    ]
    base = rows[0][1]
    print(f"{'guard cost per call':48s} {'us/call':>9s} {'overhead us':>12s} {'ratio':>7s}")
    for i, (name, us, _) in enumerate(rows):
        ratio = ""
        if i in (2, 4):
            ratio = f"{(rows[i - 1][1] - base) / (us - base):.1f}x"
        print(f"{name:48s} {us:9.2f} {us - base:12.2f} {ratio:>7s}")
    print("ratio: jaxtyping+typeguard overhead / shapecheck.guard overhead\n")

    with torch.device("meta"):
        resnet = ResNet([3, 4, 6, 3])
    image = torch.empty(1, 3, 224, 224, device="meta")

    def meta_forward() -> None:
        with torch.no_grad():
            resnet(image)

    t_meta = per_call(meta_forward, 3) / 1e3
    t_sym = per_call(lambda: from_torch(resnet, ("B", 3, "H", "W")), 1) / 1e3
    t_int = per_call(lambda: from_torch(resnet, (1, 3, 224, 224)), 1) / 1e3
    print(f"{'ResNet-50':48s} {'ms':>9s} {'ratio':>12s}")
    print(f"{'meta-device forward (1, 3, 224, 224)':48s} {t_meta:9.1f} {'1.0x':>12s}")
    print(f"{'from_torch (1, 3, 224, 224)':48s} {t_int:9.1f} {t_int / t_meta:11.1f}x")
    print(f"{'from_torch (B, 3, H, W): every input size':48s} {t_sym:9.1f} {t_sym / t_meta:11.1f}x")


if __name__ == "__main__":
    main()
