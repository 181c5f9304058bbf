"""How fast is building, checking and counting a model? Run: ``python bench/bench_core.py``.

Prints three tables, all measured in this run (medians over many repeats, garbage collector
paused during each timed call as ``timeit`` does):

1. VGG16 built with ``shapecheck.nn`` (construction checks every layer), then ``count_params``,
   ``count_macs`` and ``summary``, on a concrete ``(1, 3, 224, 224)`` and a symbolic
   ``(B, 3, H, W)`` input; next to what a user would otherwise run to learn the same shapes:
   the same VGG16 built with ``torch.nn`` on the meta device plus one forward pass.
2. Chains of 100, 1,000 and 10,000 layers on a concrete and a symbolic input: the time per layer,
   and how the 10,000-layer cost per layer compares with the 100-layer one (1.00x = linear).

``--profile`` adds a cProfile of the 100- and 10,000-layer symbolic chains: the functions whose
cumulative time per layer grows with depth.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import shapecheck
from shapecheck import models, nn

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")  # torch without numpy

# -- the models ------------------------------------------------------------------------------
def vgg16(*input_dims: int | str) -> nn.Sequential:
    """torchvision's VGG16 from the zoo, checked on ``input_dims``."""
    return models.vgg16(shape=input_dims)


def build_check_count(*input_dims: int | str) -> None:
    model = vgg16(*input_dims)
    shapecheck.count_params(model)
    shapecheck.count_macs(model)
    shapecheck.summary(model)


def chain(depth: int, channels: int = 8) -> list[nn.Module]:
    """``depth`` layers: units of 4 x (Conv2d 3x3 + ReLU), a 2x2 MaxPool2d, a stride-2 ConvTranspose2d.

    The pool halves H and W, the transposed conv doubles them back (``2*(H//2)`` on a symbolic
    input), so a chain of any depth stays defined on a 32x32 input.
    """
    unit: list[Callable[[], nn.Module]] = []
    for _ in range(4):
        unit += [lambda: nn.Conv2d(channels, channels, 3, padding=1), lambda: nn.ReLU()]
    unit += [lambda: nn.MaxPool2d(2), lambda: nn.ConvTranspose2d(channels, channels, 2, stride=2)]
    return [unit[i % len(unit)]() for i in range(depth)]


def build_chain(depth: int, *input_dims: int | str) -> None:
    model = nn.Sequential(nn.Input(*input_dims), *chain(depth))
    shapecheck.count_params(model)
    shapecheck.count_macs(model)
    shapecheck.summary(model)


# -- timing ----------------------------------------------------------------------------------
def median_s(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds; gc paused during each call, as ``timeit`` does.

    No ``gc.collect()`` between calls: with torch imported it walks a heap of millions of objects and
    leaves the CPU caches cold, which slowed the small call that follows by ~40% here.
    """
    for _ in range(warmup):
        fn()
    gc.collect()
    times = []
    for _ in range(repeats):
        gc.disable()
        try:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return statistics.median(times)


def torch_meta_vgg16() -> Callable[[], Any] | None:
    """VGG16 in torch.nn built on the meta device plus one forward: torch's way to learn the shapes."""
    try:
        import torch
        import torch_models
    except ImportError:
        return None

    def run() -> Any:
        with torch.device("meta"):
            return torch_models.vgg16()(torch.empty(1, 3, 224, 224)).shape

    return run


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join([cells[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(cells[1:], widths[1:]))])

    rule = "-" * len(line(header))
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def bench_vgg16(repeats: int) -> None:
    print(f"VGG16: build + check + count_params + count_macs + summary (median of {repeats})")
    concrete = median_s(lambda: build_check_count(1, 3, 224, 224), repeats) * 1e6
    symbolic = median_s(lambda: build_check_count("B", 3, "H", "W"), repeats) * 1e6
    rows = [
        ("shapecheck, input (1, 3, 224, 224)", f"{concrete:,.0f}", "1.00x"),
        ("shapecheck, input (B, 3, H, W)", f"{symbolic:,.0f}", f"{symbolic / concrete:.2f}x"),
    ]
    torch_run = torch_meta_vgg16()
    if torch_run is None:
        note = "torch is not installed: the torch row is skipped (pip install torch==2.13.0)"
    else:
        import torch

        meta = median_s(torch_run, max(repeats // 5, 20)) * 1e6
        rows.append((f"torch {torch.__version__}: build on meta + forward", f"{meta:,.0f}", f"{meta / concrete:.2f}x"))
        note = f"torch on the meta device takes {meta / concrete:.1f}x as long as shapecheck on the concrete input"
    print(table(("what", "us", "vs concrete"), rows))
    print(note)
    print()


def bench_chains(depths: list[int]) -> None:
    print("Chains of Conv2d(8, 8, 3, padding=1)/ReLU with a MaxPool2d(2) + ConvTranspose2d(8, 8, 2, stride=2) every 10 layers")
    print("build + check + count_params + count_macs + summary; median; us per layer")
    rows = []
    per_layer: dict[str, dict[int, float]] = {"concrete": {}, "symbolic": {}}
    inputs = {"concrete": (1, 8, 32, 32), "symbolic": ("B", 8, "H", "W")}
    for depth in depths:
        repeats = max(5, 20_000 // depth)
        cells = [f"{depth:,}"]
        for kind, dims in inputs.items():
            total = median_s(lambda: build_chain(depth, *dims), repeats) * 1e6
            per_layer[kind][depth] = total / depth
            cells += [f"{total / 1000:,.2f}", f"{total / depth:.2f}"]
        cells.append(str(repeats))
        rows.append(tuple(cells))
    header = ("layers", "concrete ms", "us/layer", "symbolic ms", "us/layer", "repeats")
    print(table(header, rows))
    lo, hi = min(depths), max(depths)
    for kind in inputs:
        ratio = per_layer[kind][hi] / per_layer[kind][lo]
        print(f"{kind:8s}: per-layer cost at {hi:,} layers = {ratio:.2f}x the cost at {lo:,} layers")
    print()


def profile_growth(small: int, large: int, top: int = 12) -> None:
    """cProfile the symbolic chains: per-layer cumulative time of each function, small vs large."""
    print(f"cProfile, symbolic chain: cumulative us per layer, {small:,} vs {large:,} layers (top {top} by growth)")
    stats = {}
    for depth in (small, large):
        build_chain(depth, "B", 8, "H", "W")
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(max(1, 10_000 // depth)):
            build_chain(depth, "B", 8, "H", "W")
        prof.disable()
        runs = max(1, 10_000 // depth)
        raw: dict[Any, Any] = pstats.Stats(prof).stats  # type: ignore[attr-defined]
        stats[depth] = {
            f"{func[0].rsplit('/', 1)[-1]}:{func[1]}({func[2]})": (ct / runs / depth * 1e6, nc / runs / depth)
            for func, (_, nc, _, ct, _) in raw.items()
        }
    rows = []
    for name, (t_large, n_large) in stats[large].items():
        t_small, n_small = stats[small].get(name, (0.0, 0.0))
        rows.append((t_large - t_small, name, t_small, t_large, n_small, n_large))
    rows.sort(reverse=True)
    body = [(n, f"{ts:.2f}", f"{tl:.2f}", f"{ns:.2f}", f"{nl:.2f}") for _, n, ts, tl, ns, nl in rows[:top]]
    print(table(("function", f"us/layer @{small}", f"@{large}", f"calls/layer @{small}", f"@{large}"), body))
    print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=200, help="repeats of the VGG16 timings (default 200)")
    parser.add_argument("--profile", action="store_true", help="also profile the 100 vs 10,000-layer chains")
    args = parser.parse_args(argv)
    print(f"shapecheck {shapecheck.__version__}, Python {sys.version.split()[0]}\n")
    bench_vgg16(args.repeats)
    bench_chains([100, 1_000, 10_000])
    if args.profile:
        profile_growth(100, 10_000)


if __name__ == "__main__":
    main()
