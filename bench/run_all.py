"""All of shapecheck's benchmarks in one run, side by side with what users would run instead.

Run from the repository root:  python bench/run_all.py [--quick] [--skip-static]

1. check + count (build with ``shapecheck.nn`` = check, then ``count_params`` + ``count_macs``) of
   VGG16, ResNet-50, ViT-B/16 and a generated 2,000-layer chain, vs the same model in ``torch.nn``
   built on the meta device + one forward under ``FlopCounterMode`` (shapes and FLOPs), vs
   ``torchinfo.summary`` on CPU (real weights, a real forward). Ratios come from this run.
2. scaling: chains and nested residual stacks (``Add``) of 10 to 10,000 layers, on a concrete and a
   symbolic input: time per layer (median) and peak memory (``tracemalloc``, a separate run).
3. static: ``bench_mypy`` (mypy with vs without the plugin on examples/ and the zoo, cold and warm;
   dmypy recheck after a one-line edit) and, if it installs, ``pyrefly check`` with
   ``pyrefly-torch-stubs`` on the torch model files.
5. the language server: ``bench_lsp`` (didChange to published diagnostics on a ~300-line file, the
   server's memory over 1,000 edits, dmypy on the same edit); skipped with --skip-static too.
6. the forward interpreter: ``bench_static`` (a cold ``shapecheck check`` vs ``check --mypy``, the plugin's
   overhead on plain mypy, dmypy on an unannotated model, the corpus table beside TorchShapeFlow and
   pyrefly); skipped with --skip-static too.

Writes BENCHMARKS.md (figures, machine, versions) and bench/scaling.png (needs matplotlib, a
bench-only dependencies: ``pip install torchinfo matplotlib beartype pyrefly torchshapeflow`` beside torch==2.13.0). Timings are medians of
repeated calls with the garbage collector paused during each call, as ``timeit`` does (no collection
between calls).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib.metadata
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import bench_core  # noqa: E402
from bench_core import median_s  # noqa: E402
import bench_lsp  # noqa: E402
import bench_mypy  # noqa: E402

import shapecheck  # noqa: E402
from shapecheck import count_macs, count_params, models, nn  # noqa: E402

Report = list[str]


# -- timing ----------------------------------------------------------------------------------
def paired_medians(a: Callable[[], Any], b: Callable[[], Any], repeats_a: int, repeats_b: int, rounds: int) -> tuple[float, float, float]:
    """Median times of ``a`` and ``b`` and the median of their per-round ratio ``b / a``, the rounds alternating
    between the two so that a burst of load on the shared machine weighs on both sides alike."""
    pairs = [(median_s(a, repeats_a), median_s(b, repeats_b)) for _ in range(rounds)]
    ta, tb = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
    return ta, tb, statistics.median(p[1] / p[0] for p in pairs)


def peak_bytes(fn: Callable[[], Any]) -> int:
    """Peak traced Python allocation during ``fn()`` (tracemalloc; the result is kept until the end)."""
    gc.collect()
    tracemalloc.start()
    try:
        kept = fn()
        _, peak = tracemalloc.get_traced_memory()
        del kept
    finally:
        tracemalloc.stop()
    return peak


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.0f} us"
    if seconds < 1:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds:,.2f} s"


def table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    """A markdown table (also readable printed)."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " if i == 0 else " ---: " for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


# -- 1. check + count vs the alternatives ------------------------------------------------------
CHAIN_DEPTH = 2_000


def shapecheck_models() -> dict[str, Callable[[], Any]]:
    image = (1, 3, 224, 224)
    return {
        "VGG16": lambda: models.vgg16(shape=image),
        "ResNet-50": lambda: models.resnet50(shape=image),
        "ViT-B/16": lambda: models.vit_b_16(shape=image),
        f"chain of {CHAIN_DEPTH:,}": lambda: nn.Sequential(nn.Input(1, 8, 32, 32), *bench_core.chain(CHAIN_DEPTH)),
    }


def check_and_count(build: Callable[[], Any]) -> Callable[[], tuple[int, Any]]:
    def run() -> tuple[int, Any]:
        model = build()
        return count_params(model), count_macs(model)

    return run


def torch_side() -> dict[str, tuple[Callable[[], Any], tuple[int, ...]]] | None:
    try:
        import torch_models
    except ImportError:
        return None
    return {
        "VGG16": (torch_models.vgg16, (1, 3, 224, 224)),
        "ResNet-50": (torch_models.ResNet50, (1, 3, 224, 224)),
        "ViT-B/16": (torch_models.ViTB16, (1, 3, 224, 224)),
        f"chain of {CHAIN_DEPTH:,}": (lambda: torch_models.chain(CHAIN_DEPTH), (1, 8, 32, 32)),
    }


def meta_run(make: Callable[[], Any], shape: tuple[int, ...]) -> Callable[[], tuple[int, float]]:
    """torch's way to the same answers: build on meta, one forward under FlopCounterMode."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    def run() -> tuple[int, float]:
        with torch.device("meta"):
            model = make()
            with FlopCounterMode(display=False) as counter:
                model(torch.empty(*shape))
        return sum(p.numel() for p in model.parameters()), counter.get_total_flops() / 2

    return run


def bench_models(quick: bool, report: Report) -> dict[str, float]:
    print("1. check + count, vs torch meta + FlopCounterMode, vs torchinfo.summary on CPU")
    ours = {name: check_and_count(build) for name, build in shapecheck_models().items()}
    theirs = torch_side()
    try:
        import torchinfo
    except ImportError:
        torchinfo = None  # type: ignore[assignment]
    rows = []
    ratios: dict[str, float] = {}
    for name, run in ours.items():
        repeats = 3 if "chain" in name else (20 if quick else 60)
        params, macs = run()
        if theirs is None:
            t_ours = median_s(run, repeats)
            cells = [name, f"{params:,}", f"{macs:,}", fmt_time(t_ours), "torch missing", "", "torch missing", ""]
        else:
            make, shape = theirs[name]
            meta = meta_run(make, shape)
            t_ours, t_meta, ratio = paired_medians(run, meta, repeats, 3 if "chain" in name else 10, 3 if quick else 5)
            tparams, tmacs = meta()
            agree = "" if (tparams, tmacs) == (params, macs) else f" (torch: {tparams:,} params, {tmacs:,.0f} MACs)"
            ratios[name] = ratio
            cells = [name, f"{params:,}", f"{macs:,}", fmt_time(t_ours), fmt_time(t_meta) + agree, f"{ratio:,.0f}x"]
            if torchinfo is None:
                cells += ["not installed", ""]
            else:
                import torch

                model = make()  # real weights on CPU, as a torchinfo user has them
                t_build = median_s(make, 1, warmup=0)

                def info() -> Any:
                    with torch.no_grad():
                        return torchinfo.summary(model, input_size=shape, device="cpu", verbose=0)

                t_info = median_s(info, 1 if quick else 3)
                del model
                ratios[name + " torchinfo"] = t_info / t_ours
                cells += [f"{fmt_time(t_info)} (+ {fmt_time(t_build)} weights)", f"{t_info / t_ours:,.0f}x"]
        rows.append(tuple(cells))
        print("  " + " | ".join(cells))
    header = ("model", "params", "MACs", "shapecheck", "torch meta + FlopCounterMode", "ratio", "torchinfo.summary (CPU)", "ratio")
    report += [
        "## 1. Check and count one model",
        "",
        "shapecheck: build with `shapecheck.nn` on a `(1, 3, 224, 224)` input (the chain: `(1, 8, 32, 32)`), which",
        "checks every layer, then `count_params` + `count_macs`. torch: the same model in `torch.nn` built on the",
        "meta device and run once under `FlopCounterMode` (FLOPs / 2 = MACs); the two alternate in 5 rounds and the",
        "ratio is the median of the per-round ratios. torchinfo: `summary(model, input_size, device='cpu')` on the",
        "model with real weights (their construction time in brackets, not in the ratio). A mismatch in parameters",
        "or MACs would be printed next to the torch time.",
        "",
        *table(header, rows),
        "",
    ]
    return ratios


FIRST_CALL_MODELS = ("VGG16", "ResNet-50")
TOOLS = ("shapecheck", "meta", "torchinfo")


def first_call(tool: str, name: str) -> float:
    """Seconds of the first check+count (or meta forward, or ``torchinfo.summary``) in a fresh process,
    imports and the model's weights done beforehand: what one call in a script costs. Median of 3 processes."""
    times = []
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, __file__, "--first-call", tool, name], capture_output=True, text=True, cwd=ROOT, check=True
        )
        times.append(float(done.stdout.split()[-1]))
    return statistics.median(times)


def _first_call_here(tool: str, name: str) -> None:
    """``--first-call``: time one call in this (fresh) process and print the seconds."""
    if tool == "shapecheck":
        call = check_and_count(shapecheck_models()[name])
    else:
        sides = torch_side()
        assert sides is not None, "torch is needed"
        make, shape = sides[name]
        if tool == "meta":
            call = meta_run(make, shape)
        else:
            import torch
            import torchinfo

            model = make()

            def call() -> Any:
                with torch.no_grad():
                    return torchinfo.summary(model, input_size=shape, device="cpu", verbose=0)

    start = time.perf_counter()
    call()
    print(time.perf_counter() - start)


def bench_first_calls(report: Report) -> dict[str, float]:
    print("1b. the first call in a fresh process")
    rows, ratios = [], {}
    for name in FIRST_CALL_MODELS:
        t = {tool: first_call(tool, name) for tool in TOOLS}
        ratios[name + " meta first"] = t["meta"] / t["shapecheck"]
        ratios[name + " torchinfo first"] = t["torchinfo"] / t["shapecheck"]
        cells = (
            name,
            fmt_time(t["shapecheck"]),
            fmt_time(t["meta"]),
            f"{t['meta'] / t['shapecheck']:,.0f}x",
            fmt_time(t["torchinfo"]),
            f"{t['torchinfo'] / t['shapecheck']:,.0f}x",
        )
        rows.append(cells)
        print("  " + " | ".join(cells))
    report += [
        "The first call in a fresh process (imports and weights done before the clock starts), as a script that",
        "prints one summary pays it: torch initialises its dispatcher and CPU kernels on first use. Median of 3",
        "processes.",
        "",
        *table(("model", "shapecheck", "torch meta + FlopCounterMode", "ratio", "torchinfo.summary (CPU)", "ratio"), rows),
        "",
    ]
    return ratios


# -- 2. scaling --------------------------------------------------------------------------------
DEPTHS = [10, 100, 1_000, 10_000]
INPUTS: dict[str, tuple[int | str, ...]] = {"concrete": (1, 8, 32, 32), "symbolic": ("B", 8, "H", "W")}


def residual_stack(depth: int) -> list[nn.Module]:
    """Nested residual stacks of about ``depth`` steps: groups ``Add(Sequential(4 blocks), Identity())``,
    a block being ``Add(Sequential(Conv2d, ReLU, Conv2d, ReLU), Identity())`` (6 steps: 5 layers and the
    merge), so 26 steps per group.
    """

    def block() -> nn.Module:
        body = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
        return nn.Add(body, nn.Identity())

    groups = max(1, round(depth / 26))
    return [nn.Add(nn.Sequential(*(block() for _ in range(4))), nn.Identity()) for _ in range(groups)]


KINDS: dict[str, Callable[[int], list[nn.Module]]] = {"chain": bench_core.chain, "residual": residual_stack}


def build_count(kind: str, depth: int, dims: tuple[int | str, ...]) -> Any:
    model = nn.Sequential(nn.Input(*dims), *KINDS[kind](depth))
    count_params(model)
    count_macs(model)
    return model


def bench_scaling(quick: bool, report: Report) -> dict[str, dict[int, tuple[int, float, int]]]:
    print("2. scaling: build + check + count, per layer")
    depths = DEPTHS[:-1] if quick else DEPTHS
    curves: dict[str, dict[int, tuple[int, float, int]]] = {}
    rows = []
    for kind in KINDS:
        for label, dims in INPUTS.items():
            curve = curves.setdefault(f"{kind}, {label}", {})
            for depth in depths:
                layers = len(build_count(kind, depth, dims).steps)
                seconds = median_s(lambda: build_count(kind, depth, dims), max(3, 2_000 // depth))
                memory = peak_bytes(lambda: build_count(kind, depth, dims))
                curve[depth] = (layers, seconds / layers, memory)
                rows.append((kind, label, f"{layers:,}", fmt_time(seconds), f"{seconds / layers * 1e6:.2f}", f"{memory / layers / 1024:.2f}"))
                print("  " + " | ".join(rows[-1]))
    flat = []
    for name, curve in curves.items():
        small, large = curve[100], curve[max(curve)]
        flat.append((name, f"{small[1] * 1e6:.2f}", f"{large[1] * 1e6:.2f}", f"{large[1] / small[1]:.2f}x", f"{large[2] / large[0] / (small[2] / small[0]):.2f}x"))
    report += [
        "## 2. Scaling with depth",
        "",
        "Build + check + `count_params` + `count_macs` of `Sequential(Input(...), *layers)`. chain: `bench_core.chain`",
        "(4 x Conv2d 3x3 + ReLU, MaxPool2d(2), ConvTranspose2d(2, stride=2), repeated). residual: groups",
        "`Add(Sequential(4 x Add(Sequential(Conv2d, ReLU, Conv2d, ReLU), Identity())), Identity())`. Layers are the",
        "steps the tracer records (merges included). concrete input `(1, 8, 32, 32)`, symbolic `(B, 8, H, W)`.",
        "Memory: tracemalloc peak of one build, the model kept alive, per layer.",
        "",
        *table(("model", "input", "layers", "time", "us / layer", "peak KiB / layer"), rows),
        "",
        f"Flatness: per-layer cost at {max(depths):,} layers vs at 100 layers (goal: within 1.5x).",
        "",
        *table(("curve", "us/layer @100", f"us/layer @{max(depths):,}", "time ratio", "memory ratio"), flat),
        "",
        "![scaling](bench/scaling.png)",
        "",
    ]
    return curves


def plot(curves: dict[str, dict[int, tuple[int, float, int]]]) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: no plot (pip install matplotlib)"
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for name, curve in curves.items():
        points = sorted(curve.values())
        xs = [p[0] for p in points]
        left.plot(xs, [p[1] * 1e6 for p in points], marker="o", label=name)
        right.plot(xs, [p[2] / p[0] / 1024 for p in points], marker="o", label=name)
    for ax, label in ((left, "us per layer (median)"), (right, "peak KiB per layer (tracemalloc)")):
        ax.set_xscale("log")
        ax.set_xlabel("layers")
        ax.set_ylabel(label)
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
    left.legend(fontsize=8)
    fig.suptitle("shapecheck: build + check + count, cost per layer")
    fig.tight_layout()
    out = BENCH / "scaling.png"
    fig.savefig(out, dpi=110)
    return f"wrote {out.relative_to(ROOT)}"


# -- 3. static checkers ------------------------------------------------------------------------
ZOO = sorted(str(p) for p in (ROOT / "shapecheck" / "models").glob("*.py") if not p.name.startswith("_"))
TORCH_FILES = [str(ROOT / "tests" / "mypy_cases" / "torch_cifar_vgg.py"), str(ROOT / "tests" / "mypy_cases" / "torch_nn.py")]


def bench_static(quick: bool, report: Report) -> dict[str, float]:
    print("3. static: mypy with vs without the plugin; dmypy; pyrefly")
    repeat = 2 if quick else 5
    rows = []
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        plain, plugin = bench_mypy._config(tmp, "plain", False), bench_mypy._config(tmp, "plugin", True)
        stubs = bench_mypy._config(tmp, "stubs", True, stubs=True)
        for what, files in (("examples/*.py", bench_mypy.EXAMPLES), ("shapecheck/models (the zoo)", ZOO)):
            for cold in (True, False):
                a = bench_mypy.mypy_time(tmp, plugin, files, repeat, cold)
                b = bench_mypy.mypy_time(tmp, plain, files, repeat, cold)
                label = f"mypy {what}, {'cold' if cold else 'warm'} cache"
                figures[label] = a / b
                rows.append((label, f"{a:.2f}", f"{b:.2f}", f"{a / b:.2f}x"))
                print("  " + " | ".join(rows[-1]))
        torch_mypy = {cold: bench_mypy.mypy_time(tmp, stubs, TORCH_FILES, repeat, cold) for cold in (True, False)}
        first, again = bench_mypy.dmypy_recheck(tmp, repeat)
        figures["dmypy recheck"] = again
    pyrefly = pyrefly_times(repeat)
    report += [
        "## 3. Static checking",
        "",
        f"Wall time of the real command line (interpreter start included), median of {repeat}. cold: a fresh",
        "cache directory per run; warm: the previous run's cache.",
        "",
        *table(("measurement", "with plugin (s)", "plain mypy (s)", "overhead"), rows),
        "",
        f"- mypy + plugin + shapecheck's torch stubs on the torch files ({', '.join(Path(f).name for f in TORCH_FILES)}):"
        f" cold {torch_mypy[True]:.2f} s, warm {torch_mypy[False]:.2f} s.",
        f"- dmypy, a 40-layer model: first run {first:.2f} s, recheck after a one-line edit {again:.2f} s (goal <= 0.5 s).",
        f"- pyrefly: {pyrefly}",
        "",
    ]
    print(f"  torch files, mypy+plugin+stubs: cold {torch_mypy[True]:.2f} s, warm {torch_mypy[False]:.2f} s")
    print(f"  dmypy first {first:.2f} s, recheck {again:.2f} s")
    print(f"  pyrefly: {pyrefly}")
    return figures


def pyrefly_times(repeat: int) -> str:
    """``pyrefly check`` (tensor-shapes on, pyrefly-torch-stubs) on the torch model files, or why not."""
    files = TORCH_FILES
    with tempfile.TemporaryDirectory() as name:
        work = Path(name)
        for f in files:
            shutil.copy(f, work)
        setup = bench_mypy.pyrefly_project(work)
        if isinstance(setup, str):
            return setup
        exe, version = setup
        names = [Path(f).name for f in files]

        def run() -> subprocess.CompletedProcess[str]:
            return subprocess.run([exe, "check", *names], capture_output=True, text=True, cwd=work)

        seconds = median_s(run, repeat)
        out = run()
    errors = [line for line in (out.stdout + out.stderr).splitlines() if line.startswith("ERROR")]
    return (
        f"{version} with pyrefly-torch-stubs, `tensor-shapes = true`, on {', '.join(names)}: {seconds:.2f} s"
        f" (median of {repeat}); {len(errors)} errors reported"
        + ("" if errors else " (the 25088-feature bug of torch_cifar_vgg.py, a Sequential without an annotated forward, is not found)")
        + "."
    )


# -- 5. the language server --------------------------------------------------------------------
def bench_editor(quick: bool, report: Report) -> dict[str, float]:
    print("5. shapecheck lsp: didChange -> diagnostics, memory over edits, dmypy on the same edit")
    figures = bench_lsp.measure(quick)
    report += [
        "## 5. In the editor: `shapecheck lsp`",
        "",
        "`bench/bench_lsp.py`: a pygls client drives `shapecheck lsp` over stdio on a model file of four classes",
        "(a convnet, a residual block and network, an MLP) four times; each edit changes `HIDDEN = 256` <-> `384`",
        "(a width two layers of every model read) after a pause longer than the debounce. RSS: the server's, each",
        "edit analysed (`--debounce 0`). dmypy: `dmypy run` on the same file and edit, the client's start included.",
        "",
        *figures.table(),
        "",
    ]
    print("  " + "\n  ".join(figures.table()))
    return {"lsp median": figures.median, "lsp p95": figures.p95}


# -- 6. the forward interpreter ---------------------------------------------------------------
def bench_interpreter(quick: bool, report: Report) -> None:
    print("6. the forward interpreter: a cold check, the plugin's overhead, dmypy, the corpus beside TorchShapeFlow and pyrefly")
    import bench_static

    lines = bench_static.main(["--repeat", "2" if quick else "5"])
    report += [
        "## 6. The forward interpreter: plain torch.nn classes",
        "",
        "`bench/bench_static.py`: wall time of the real command line, median of the runs; the corpus is",
        "tests/corpus (real model files, bugs that torch confirms), each tool run on each file as a user would.",
        "",
        *lines,
        "",
    ]


# -- 4. guards ---------------------------------------------------------------------------------
def bench_guards(report: Report) -> dict[str, float]:
    """Per-call overhead (over a bare call) of ``shapecheck.guard`` vs jaxtyping with typeguard and with beartype."""
    print("4. guards: per-call overhead")
    try:
        import bench_guard
    except ImportError as err:
        print(f"  skipped: {err}")
        return {}
    rows = bench_guard.guard_rows()
    base = rows[0][1]
    ours = {label.split(":")[0]: us - base for label, us in rows if label.endswith("shapecheck.guard")}
    ratios, cells = {}, []
    for label, us in rows:
        kind, _, tool = label.partition(": ")
        ratio = ""
        if tool and tool != "shapecheck.guard":
            ratios[f"guard {label}"] = (us - base) / ours[kind]
            ratio = f"{ratios[f'guard {label}']:.1f}x"
        cells.append((label, f"{us:.2f}", f"{us - base:.2f}", ratio))
        print("  " + " | ".join(cells[-1]))
    report += [
        "## 4. Guards at call time",
        "",
        "A function taking a `(B, 3, H, W)` tensor (and a `(B, H, W)` float mask), checked on every call:",
        "`shapecheck.guard` against jaxtyping's `jaxtyped` with typeguard and with beartype. Overhead = time",
        "per call minus the bare call; ratio = their overhead / shapecheck's. Best of 5 runs.",
        "",
        *table(("check", "us / call", "overhead us", "ratio"), cells),
        "",
    ]
    return ratios


# -- the report --------------------------------------------------------------------------------
def machine() -> list[str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = [f"Python {platform.python_version()}", f"shapecheck {shapecheck.__version__}"]
    for dist in ("torch", "torchinfo", "mypy", "pyrefly", "matplotlib"):
        try:
            versions.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{dist} not installed")
    return [
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs (`nproc`), {cpu}, {platform.system()} {platform.release()}",
        f"- versions: {', '.join(versions)}",
        "- the machine is shared and noisy (other processes run at the same time): figures move by 10-30% between",
        "  runs; ratios are measured in the same run, medians over repeats, garbage collector paused per call",
        "  (as timeit). torchinfo timings vary most (a real CPU forward, competing for the 2 cores).",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 10,000-layer runs (a smoke test)")
    parser.add_argument("--skip-static", action="store_true", help="skip the mypy / dmypy / pyrefly and language-server parts (minutes)")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"), help="where to write the report")
    parser.add_argument("--first-call", nargs=2, metavar=("TOOL", "MODEL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.first_call:
        _first_call_here(*args.first_call)
        return
    report: Report = [
        "# Benchmarks",
        "",
        'Written by `python bench/run_all.py` (bench-only dependencies: `pip install -e ".[test]" torch==2.13.0 torchinfo matplotlib beartype pyrefly`).',
        "",
        *machine(),
        "",
    ]
    body: Report = []
    ratios = bench_models(args.quick, body)
    if torch_side() is not None and importlib.util.find_spec("torchinfo") is not None:
        ratios |= bench_first_calls(body)
    curves = bench_scaling(args.quick, body)
    print(" ", plot(curves))
    static = {} if args.skip_static else bench_static(args.quick, body)
    ratios |= bench_guards(body)
    if not args.skip_static:
        static |= bench_editor(args.quick, body)
        bench_interpreter(args.quick, body)
    report += goals(ratios, curves, static) + [""] + body
    Path(args.out).write_text("\n".join(report) + "\n")
    print(f"wrote {args.out}")


def goals(ratios: dict[str, float], curves: dict[str, dict[int, tuple[int, float, int]]], static: dict[str, float]) -> Report:
    """The issue's goals, met or missed, from this run's figures."""
    out = ["## Goals (issue 6) against this run", ""]

    def line(ok: bool | None, text: str) -> None:
        out.append(f"- {'n/a' if ok is None else 'met' if ok else 'MISSED'}: {text}")

    meta = ratios.get("VGG16")
    line(None if meta is None else meta >= 50, f"VGG16 check+count >= 50x faster than meta + FlopCounterMode: {meta or 0:,.0f}x")
    info = ratios.get("VGG16 torchinfo")
    line(None if info is None else info >= 1000, f"VGG16 check+count >= 1000x faster than torchinfo.summary: {info or 0:,.0f}x")
    for name, curve in curves.items():
        if 100 in curve and max(curve) > 100:
            r = curve[max(curve)][1] / curve[100][1]
            line(r <= 1.5, f"{name}: per-layer cost at {max(curve):,} layers = {r:.2f}x the cost at 100 (goal <= 1.5x)")
    for label, r in static.items():
        if label.startswith("mypy"):
            line(r <= 1.2, f"{label}: plugin overhead {r:.2f}x (goal <= 1.2x)")
    if "lsp median" in static:
        line(static["lsp median"] <= 0.1, f"shapecheck lsp, didChange -> diagnostics: median {static['lsp median'] * 1000:.0f} ms (goal <= 100 ms)")
        line(static["lsp p95"] <= 0.25, f"shapecheck lsp, didChange -> diagnostics: p95 {static['lsp p95'] * 1000:.0f} ms (goal <= 250 ms)")
    if "dmypy recheck" in static:
        line(static["dmypy recheck"] <= 0.5, f"dmypy recheck {static['dmypy recheck']:.2f} s (goal <= 0.5 s)")
    for name in FIRST_CALL_MODELS[:1]:
        for tool, goal in (("meta", 50), ("torchinfo", 1000)):
            r = ratios.get(f"{name} {tool} first")
            if r is not None:
                line(r >= goal, f"{name}, first call in a fresh process: {r:,.0f}x faster than {tool} (goal >= {goal}x)")
    for label, r in ratios.items():
        if label.startswith("guard") and "typeguard" in label:
            line(r >= 5, f"{label[6:]}: its overhead is {r:.1f}x shapecheck.guard's (goal >= 5x)")
    return out


if __name__ == "__main__":
    main()
