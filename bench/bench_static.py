"""The forward interpreter: what a check costs, and what it finds next to the tools users would use instead.

Run from the repository root:  python bench/bench_static.py [--repeat N] [--skip-tools]

1. ``shapecheck check FILE`` cold (a fresh process: interpreter start, imports, the check) on real model
   files, against ``shapecheck check --mypy`` (mypy with the plugin, a fresh cache, torch installed);
2. the plugin's cost on plain mypy (with vs without ``plugins = shapecheck.mypy``), cold and warm;
3. dmypy: the recheck after a one-line edit of an unannotated model file;
4. the corpus (tests/corpus: 27 real model files, 83 injected bugs that torch confirms): bugs reported at
   their line by ``shapecheck check``, TorchShapeFlow (``tsf check``) and pyrefly (``tensor-shapes``), and
   findings on the unmodified files (false positives).

Every time is the median wall time of N runs of the real command line. Tools that are not installed
are reported as such (``pip install torchshapeflow pyrefly``).
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

import bench_mypy  # noqa: E402

from tests.corpus.cases import BUGS, MODELS, Bug  # noqa: E402
from tests.corpus.edits import CORPUS, expression, source  # noqa: E402

PYTHON = sys.executable
BIN = Path(sys.executable).parent
TIMED_FILES = ["tv_resnet.py", "ez_nanogpt.py", "unet_pytorch.py"]
"""Corpus files timed in sections 1-3: a CNN family, a transformer, a U-Net."""


def _run(args: Sequence[str], cwd: Path, ok: Sequence[int] = (0, 1)) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True)
    if done.returncode not in ok or "INTERNAL ERROR" in done.stdout + done.stderr:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done


# -- 1. a cold check --------------------------------------------------------------------------
def cold_checks(repeat: int, work: Path) -> list[tuple[str, float, float]]:
    rows = []
    for name in TIMED_FILES:
        shutil.copy(CORPUS / name, work / name)
        static = bench_mypy._median(repeat, lambda i: _run([PYTHON, "-m", "shapecheck", "check", name], work))
        mypy_args = [PYTHON, "-m", "shapecheck", "check", "--mypy", name]
        with_mypy = bench_mypy._median(max(1, repeat // 2), lambda i: _run([*mypy_args, "--cache-dir", str(work / f"cache-{name}-{i}")], work, (0, 1, 2)))
        rows.append((name, static, with_mypy))
    return rows


# -- 2. the plugin on plain mypy, 3. dmypy --------------------------------------------------------
def plugin_overhead(repeat: int, work: Path) -> list[tuple[str, float, float]]:
    """mypy on the timed corpus files with and without ``plugins = shapecheck.mypy``, cold and warm."""
    files = [str(CORPUS / name) for name in TIMED_FILES]
    plain, plugin = bench_mypy._config(work, "plain", False), bench_mypy._config(work, "plugin", True)
    rows = []
    for cold in (True, False):
        times = {config: bench_mypy.mypy_time(work, config, files, max(1, repeat // 2) if cold else repeat, cold) for config in (plugin, plain)}
        rows.append((f"mypy {' '.join(TIMED_FILES)}, {'cold' if cold else 'warm'}", times[plugin], times[plain]))
    return rows


def dmypy_recheck(repeat: int, work: Path) -> tuple[float, float]:
    """dmypy on a model file mypy checks only in part (the U-Net, its forwards unannotated), the number of
    output channels edited between two values torch accepts."""
    text = (CORPUS / "unet_pytorch.py").read_text()
    default = "out_channels: int=3)"
    assert default in text
    return bench_mypy.dmypy_recheck(work, repeat, lambda width: text.replace(default, f"out_channels: int={width})"), (3, 4))


# -- 4. the corpus ------------------------------------------------------------------------------
Detector = Callable[[Path, str, Bug | None], set[int]]
"""A tool run on a file written to a directory: the lines it reports an error at."""


def _files() -> list[str]:
    return sorted(p.name for p in CORPUS.glob("*.py") if p.name not in ("cases.py", "harness.py", "edits.py", "__init__.py"))


def shapecheck_lines(work: Path, file: str, bug: Bug | None) -> set[int]:
    models = [bug.model] if bug else [m for m in [*MODELS, *(b.model for b in BUGS)] if m.file == file]
    targets = sorted({f"{file}:{expression(m)}" for m in models}) or [file]
    done = _run([PYTHON, "-m", "shapecheck", "check", "--format", "json", *targets], work, (0, 1, 2))
    return {f["line"] for f in json.loads(done.stdout)["findings"]}


def tsf_lines(work: Path, file: str, bug: Bug | None) -> set[int]:
    done = _run([str(BIN / "tsf"), "check", file], work, (0, 1, 2))
    return {int(m[1]) for m in re.finditer(rf"^{re.escape(file)}:(\d+):\d+ error", done.stdout, re.M)}


def pyrefly_lines(exe: str, work: Path, file: str, bug: Bug | None) -> set[int]:
    done = _run([exe, "check", "--output-format", "min-text", file], work, (0, 1, 2))
    return {int(m[1]) for m in re.finditer(rf"^ERROR {re.escape(file)}:(\d+):", done.stdout, re.M)}


def corpus_table(work: Path, tools: dict[str, Detector]) -> list[str]:
    """Per tool: unsatisfiable bugs reported at their line, satisfiable ones reported, originals with findings."""
    counts = {name: [0, 0, 0, 0.0] for name in tools}
    files = _files()
    for file in files:
        (work / file).write_text(source(file))
        for name, tool in tools.items():
            start = time.perf_counter()
            if tool(work, file, None):
                counts[name][2] += 1
            counts[name][3] += time.perf_counter() - start
    for bug in BUGS:
        (work / bug.model.file).write_text(source(bug.model.file, bug))
        for name, tool in tools.items():
            start = time.perf_counter()
            lines = tool(work, bug.model.file, bug)
            counts[name][3] += time.perf_counter() - start
            if lines & set(bug.lines):
                counts[name][0 if bug.unsatisfiable else 1] += 1
        (work / bug.model.file).write_text(source(bug.model.file))
    unsat = sum(1 for b in BUGS if b.unsatisfiable)
    sat = len(BUGS) - unsat
    rows = [f"| tool | unsatisfiable bugs found (of {unsat}) | satisfiable bugs reported (of {sat}) | originals with findings (of {len(files)}) | time (s) |", "|---|---:|---:|---:|---:|"]
    for name, (found, reported, false, seconds) in counts.items():
        rows.append(f"| {name} | {found} ({found / unsat:.0%}) | {reported} | {false} | {seconds:.1f} |")
    return rows


def main(argv: list[str] | None = None) -> list[str]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-tools", action="store_true", help="only shapecheck in the corpus table")
    args = parser.parse_args(argv)
    out: list[str] = []
    with tempfile.TemporaryDirectory() as name:
        work = Path(name)
        (work / "a").mkdir()
        rows = cold_checks(args.repeat, work / "a")
        out += ["| file | shapecheck check (s) | check --mypy (s) | ratio |", "|---|---:|---:|---:|"]
        out += [f"| {f} | {a:.2f} | {b:.2f} | {b / a:.0f}x |" for f, a, b in rows]
        (work / "b").mkdir()
        out += ["", "| mypy run | with the plugin (s) | without (s) | overhead |", "|---|---:|---:|---:|"]
        out += [f"| {label} | {a:.2f} | {b:.2f} | {a / b:.2f}x |" for label, a, b in plugin_overhead(args.repeat, work / "b")]
        (work / "c").mkdir()
        first, again = dmypy_recheck(args.repeat, work / "c")
        out += ["", f"dmypy on unet_pytorch.py: first run {first:.2f} s, recheck after a one-line edit {again:.2f} s (median of {args.repeat})"]
        (work / "d").mkdir()
        tools: dict[str, Detector] = {"shapecheck check": shapecheck_lines}
        if not args.skip_tools:
            if (BIN / "tsf").exists():
                tools["TorchShapeFlow (tsf check)"] = tsf_lines
            else:
                out.append("TorchShapeFlow: not installed (pip install torchshapeflow)")
            setup = bench_mypy.pyrefly_project(work / "d")
            if isinstance(setup, str):
                out.append(f"pyrefly: {setup}")
            else:
                tools[f"{setup[1]} (tensor-shapes)"] = functools.partial(pyrefly_lines, setup[0])
        out += ["", *corpus_table(work / "d", tools)]
    print("\n".join(out))
    return out


if __name__ == "__main__":
    main()
