"""What the mypy plugin costs: mypy with vs without it, torch stubs vs torch, dmypy's recheck after an edit.

Run from the repository root:  python bench/bench_mypy.py [--repeat N]

Every figure is the median wall time of N runs of the real command line (``python -m mypy``, the
``dmypy`` client), interpreter start included. "cold" runs use a fresh cache directory, "warm"
runs reuse the cache of the previous run. The dmypy row edits one layer line of a 40-layer model
(alternating between two valid widths) and times ``dmypy check`` until it has rechecked.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from shapecheck._stubs import PACKAGED

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(str(p) for p in (ROOT / "examples").glob("*.py"))
TORCH_MODEL = ROOT / "tests" / "mypy_cases" / "torch_cifar_vgg.py"
PYTHON = sys.executable
DMYPY = str(Path(sys.executable).with_name("dmypy"))


def _config(tmp: Path, name: str, plugin: bool, stubs: bool = False) -> Path:
    path = tmp / f"{name}.ini"
    lines = ["[mypy]", f"mypy_path = {ROOT}:{ROOT / 'examples'}" + (f":{PACKAGED}" if stubs else "")]
    if plugin:
        lines.append("plugins = shapecheck.mypy")
    path.write_text("\n".join(lines) + "\n")
    return path


def _median(repeat: int, run: Callable[[int], None]) -> float:
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        run(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _mypy(config: Path, cache: Path, files: list[str]) -> None:
    args = [PYTHON, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(cache), "--no-error-summary", *files]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    if done.returncode not in (0, 1) or "INTERNAL ERROR" in done.stdout + done.stderr:
        raise SystemExit(f"mypy failed:\n{done.stdout}{done.stderr}")


def mypy_time(tmp: Path, config: Path, files: list[str], repeat: int, cold: bool) -> float:
    cache = tmp / f"cache-{config.stem}-{len(files)}"
    shutil.rmtree(cache, ignore_errors=True)

    def run(i: int) -> None:
        target = cache / str(i) if cold else cache
        _mypy(config, target, files)

    if not cold:
        _mypy(config, cache, files)  # fill the cache
    return _median(repeat, run)


MODEL_HEAD = "from shapecheck import nn\n\nmodel = nn.Sequential(\n    nn.Input('B', 3, 64, 64),\n"


def forty_layers(width: int) -> str:
    """A 40-layer chain; the second conv's output width is the line the benchmark edits."""
    lines = ["    nn.Conv2d(3, 32, 3, padding=1),", f"    nn.Conv2d(32, {width}, 3, padding=1),", f"    nn.Conv2d({width}, 32, 3, padding=1),"]
    while len(lines) < 37:
        lines += ["    nn.BatchNorm2d(32),", "    nn.ReLU(),", "    nn.Conv2d(32, 32, 3, padding=1),"]
    lines = lines[:37] + ["    nn.AdaptiveAvgPool2d(1),", "    nn.Flatten(),", "    nn.Linear(32, 10),"]
    return MODEL_HEAD + "\n".join(lines) + "\n)\n"


def dmypy_recheck(tmp: Path, repeat: int, source: Callable[[int], str] = forty_layers, widths: tuple[int, int] = (48, 64)) -> tuple[float, float]:
    """Seconds of the first ``dmypy run`` and the median recheck after a one-line edit: ``source(width)``
    with the width alternating between ``widths`` (the 40-layer chain by default)."""
    work = tmp / "dmypy"
    work.mkdir()
    config = _config(work, "dmypy", plugin=True)
    model = work / "model.py"
    status = ["--status-file", str(work / "status.json")]
    check = [DMYPY, *status, "run", "--", "--config-file", str(config), str(model)]

    def write(width: int, tick: int) -> None:
        model.write_text(source(width))
        stamp = int(time.time()) + 2 * tick  # dmypy compares mtimes in whole seconds
        os.utime(model, (stamp, stamp))

    def recheck(i: int) -> None:
        write(widths[i % 2], i + 1)
        done = subprocess.run(check, capture_output=True, text=True, cwd=work)
        if done.returncode != 0:
            raise SystemExit(f"dmypy reported:\n{done.stdout}{done.stderr}")

    try:
        write(widths[1], 0)
        start = time.perf_counter()
        done = subprocess.run(check, capture_output=True, text=True, cwd=work)
        first = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"dmypy reported:\n{done.stdout}{done.stderr}")
        return first, _median(repeat, recheck)
    finally:
        subprocess.run([DMYPY, *status, "stop"], capture_output=True, cwd=work)


def pyrefly_project(work: Path) -> tuple[str, str] | str:
    """Make ``work`` a pyrefly project with ``tensor-shapes = true`` and pyrefly-torch-stubs; the
    pyrefly executable and its version, or why not.

    The stubs go to a private directory (``pip install --no-deps --target``): installed into the
    environment, their ``torch-stubs`` package would also replace torch's own types for mypy.
    """
    exe = shutil.which("pyrefly", path=str(Path(sys.executable).parent)) or shutil.which("pyrefly")
    if exe is None:
        return "not installed (`pip install pyrefly pyrefly-torch-stubs` failed or was not run)"
    site = Path(tempfile.gettempdir()) / "shapecheck-bench-pyrefly-stubs"
    if not (site / "torch-stubs").is_dir():
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), "pyrefly-torch-stubs", "pyrefly-shape-extensions"],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            return f"pyrefly is installed but pyrefly-torch-stubs did not install: {done.stderr.strip()[-200:]}"
    site_packages = next(p for p in sys.path if p.endswith("site-packages"))
    (work / "pyrefly.toml").write_text(f'tensor-shapes = true\nsite-package-path = ["{site}", "{site_packages}"]\nsearch-path = ["{ROOT}"]\n')
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    return exe, version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        plain, plugin = _config(tmp, "plain", False), _config(tmp, "plugin", True)
        for cold in (True, False):
            label = "cold" if cold else "warm"
            rows.append(
                (
                    f"mypy examples/*.py, {label}: plugin vs none",
                    mypy_time(tmp, plugin, EXAMPLES, repeat, cold),
                    mypy_time(tmp, plain, EXAMPLES, repeat, cold),
                )
            )
        stubs = _config(tmp, "stubs", True, stubs=True)
        rows.append(
            (
                f"mypy {TORCH_MODEL.name}, cold: stubs vs torch",
                mypy_time(tmp, stubs, [str(TORCH_MODEL)], repeat, True),
                mypy_time(tmp, plugin, [str(TORCH_MODEL)], max(1, repeat // 2), True),
            )
        )
        first, again = dmypy_recheck(tmp, repeat)
    print(f"{'measurement (median of %d)' % repeat:<52} {'A (s)':>8} {'B (s)':>8} {'A/B':>6}")
    for label, a, b in rows:
        print(f"{label:<52} {a:8.2f} {b:8.2f} {a / b:6.2f}")
    print(f"{'dmypy, 40-layer model: first run':<52} {first:8.2f}")
    print(f"{'dmypy, 40-layer model: recheck after a 1-line edit':<52} {again:8.2f}   (target <= 0.5 s)")


if __name__ == "__main__":
    main()
