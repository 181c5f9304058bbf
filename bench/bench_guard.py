"""Guard cost per call against plain jaxtyping+typeguard, and ``from_torch`` against a meta-device forward.

Run: ``python bench/bench_guard.py`` (needs torch, jaxtyping, typeguard; beartype if installed).
``bench/run_all.py`` reports the same rows with ratios.
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
from shapecheck.guards import guard  # noqa: E402
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


def guard_rows(number: int = 20000) -> list[tuple[str, float]]:
    """``(what, us per call)``: a bare call, then each checker on one argument and on two with a dtype."""
    model = nn.Sequential(nn.Input("B", 3, "H", "W"), nn.Conv2d(3, 8, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
    x, mask = torch.zeros(4, 3, 32, 32), torch.zeros(4, 32, 32)

    def body(x: Any, mask: Any = None) -> Any:
        return x

    def one(x: Float[Tensor, "B 3 H W"]) -> Any:
        return x

    def two(x: Float[Tensor, "B 3 H W"], mask: Float[Tensor, "B H W"]) -> Any:
        return x

    checkers: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {"jaxtyping+typeguard": typeguard_checker}
    try:
        from beartype import beartype

        checkers["jaxtyping+beartype"] = beartype
    except ImportError:
        print("  beartype not installed (pip install beartype): its rows are left out")
    sc_one = guard(model)(body)
    sc_two = guard({"x": ("B", 3, "H", "W"), "mask": ("B", "H", "W")}, dtype="Float")(body)
    rows = [("no check", per_call(lambda: body(x), number))]
    for label, args, ours in (("1 arg", (x,), sc_one), ("2 args + dtype", (x, mask), sc_two)):
        for name, checker in checkers.items():
            theirs = jaxtyped(typechecker=checker)(one if len(args) == 1 else two)
            rows.append((f"{label}: {name}", per_call(lambda: theirs(*args), number // 10)))
        rows.append((f"{label}: shapecheck.guard", per_call(lambda: ours(*args), number)))
    return rows


def main() -> None:
    rows = guard_rows()
    base = rows[0][1]
    print(f"{'guard cost per call':48s} {'us/call':>9s} {'overhead us':>12s}")
    for name, us in rows:
        print(f"{name:48s} {us:9.2f} {us - base:12.2f}")

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
