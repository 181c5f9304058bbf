"""The ``shapecheck`` command: ``summary``, ``check``, ``diagram``, ``stubs`` and ``lsp`` (also ``python -m shapecheck``).

Exit status: 0 when all is well, 1 on shape findings (a model that does not build for ``summary`` and
``diagram``, a ``[shape]`` error for ``check``), 2 when it could not run: a usage error, or the user's
file failed, exited or timed out (``summary`` and ``diagram`` run it in a child process).
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import re
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import shapecheck
from shapecheck import _isolate, _render
from shapecheck._load import UsageError, split_target
from shapecheck.dims import DimLike, as_dim, symbols_of

__all__ = ["main"]

_BINDING = re.compile(r"^([A-Za-z_]\w*)=([1-9]\d*)$", re.ASCII)
_SIZE = re.compile(r"^\d+$", re.ASCII)
_TIMEOUT = 60.0
_READER_GONE = 141
"""The status a shell shows for a tool whose reader went away (``| head``): 128 + SIGPIPE."""
_EXIT_STATUS = "exit status: 0 all is well, 1 shape errors found, 2 could not run (a usage error, or a file that fails, exits or times out)"
_RUNS_THE_FILE = (
    "FILE is imported and run (its module-level code executes, as on any import) in a child process stopped "
    f"after --timeout seconds: keep training or downloads under {_render.MAIN_GUARD}"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    try:
        status = _main(argv)
        if not sys.stdout.closed:  # the language server closes it as it exits
            sys.stdout.flush()
    except BrokenPipeError:
        return _reader_gone()
    except KeyboardInterrupt:
        return 130
    return status


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else 2
    try:
        status: int = args.run(args)
    except UsageError as err:
        print(f"shapecheck {args.command}: {err}", file=sys.stderr)
        return 2
    except _isolate.Stopped as stop:
        print(f"shapecheck {args.command}: could not run {args.target}: its process {stop}; nothing was checked", file=sys.stderr)
        print(f"  {_advice(stop)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise
    except Exception:
        traceback.print_exc()
        print(f"shapecheck {args.command}: internal error (the traceback above): please report it", file=sys.stderr)
        return 2
    return status


def _advice(stop: _isolate.Stopped) -> str:
    if stop.timed_out:
        return f"the file is imported and run: keep slow work under {_render.MAIN_GUARD} or allow more time with --timeout SECONDS"
    if stop.how.startswith("exited"):
        return f"the file is imported and run: code that ends the process (os._exit) belongs under {_render.MAIN_GUARD}"
    return "the interpreter crashed, in the file's code or in an extension it loaded"


def _reader_gone() -> int:
    """Standard output's reader went away (``| head -1``): stop quietly, as Unix tools do."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
    except (OSError, ValueError):  # not a file descriptor (a captured stream)
        pass
    return _READER_GONE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shapecheck",
        description="Tensor shapes of neural networks, checked before anything runs.",
        epilog=_EXIT_STATUS,
    )
    parser.add_argument("--version", action="version", version=f"shapecheck {shapecheck.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    summary = commands.add_parser(
        "summary",
        help="import and run a file, build its models and print their per-layer table",
        description="Import FILE.py (or a module) and print the summary table of its models: module-level "
        "shapecheck.nn models and functions without arguments annotated to return one, or NAME. " + _RUNS_THE_FILE,
        epilog=_EXIT_STATUS,
    )
    _model_arguments(summary)
    summary.add_argument("--depth", type=int, metavar="N", help="one row per block N levels down the paths, with subtotals")
    summary.add_argument(
        "--static",
        action="store_true",
        help="read the model from source without importing or running anything (FILE.py:Net, FILE.py:'Net(10, depth=3)', FILE.py:resnet18())",
    )
    summary.set_defaults(run=_summary)

    check = commands.add_parser(
        "check",
        help="find shape errors in source files without running them",
        description="Read PATHs (files or directories) and check every model in them: torch.nn classes (__init__ and "
        "forward), shapecheck.nn chains, factories and functions, without importing or running anything, and without "
        "torch or mypy. Reports the shape errors and what was checked (--verbose: per model, and where tracking was "
        "lost). With --mypy, run mypy with the shapecheck plugin instead (needs mypy).",
        epilog=_EXIT_STATUS,
    )
    check.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="files or directories to check; FILE.py:EXPR also checks the model EXPR builds, e.g. vit.py:'ViT(dim=64)' "
        "(as do the FILE.py:EXPR strings of [tool.shapecheck] models in pyproject.toml)",
    )
    check.add_argument("-v", "--verbose", action="store_true", help="list every model checked and what was not followed")
    check.add_argument("--mypy", action="store_true", help="check through mypy with the shapecheck plugin (the project's mypy configuration)")
    check.add_argument("--format", choices=["text", "json", "sarif", "github"], default="text", help="report format (default text)")
    check.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of standard output")
    check.add_argument("--config-file", metavar="FILE", help="with --mypy: the mypy configuration to start from (default: the one mypy finds)")
    check.add_argument("--cache-dir", metavar="DIR", help="with --mypy: mypy's cache (default .mypy_cache/shapecheck)")
    check.set_defaults(run=_check)

    diagram = commands.add_parser(
        "diagram",
        help="import and run a file, and draw a model as an SVG (or HTML) graph, shapes on the edges",
        description="Draw the verified graph of a model: a box per layer, edges labelled with shapes, branches "
        "side by side; on a shape error, the graph up to the failing layer, drawn in red. " + _RUNS_THE_FILE,
        epilog=_EXIT_STATUS,
    )
    _model_arguments(diagram)
    diagram.add_argument("-o", "--output", required=True, metavar="FILE", help="the .svg or .html file to write")
    diagram.set_defaults(run=_diagram)

    stubs = commands.add_parser(
        "stubs",
        help="print the directory to add to mypy's path where torch is not installed",
        description="Print the directory of shapecheck's torch stubs, for mypy's path on a machine without torch: "
        'MYPYPATH="$(shapecheck stubs)" mypy src/. Prints nothing where torch is installed (mypy reads torch\'s '
        "own types, which the stubs must not hide).",
    )
    stubs.set_defaults(run=_stubs_command)

    lsp = commands.add_parser(
        "lsp",
        help="serve the editor: a language server over stdio (diagnostics, shape hovers, inlay hints, quick fixes)",
        description="Run a Language Server Protocol server over standard input and output: every open file is "
        "checked as you type, as by check, with the shape of each tensor on hover and after each assignment, and "
        "fixes as quick fixes. Needs pygls: pip install 'shapecheck[lsp]'.",
    )
    lsp.add_argument(
        "--debounce", type=_milliseconds, default=150, metavar="MS",
        help="edits closer together than MS milliseconds are checked once, when they pause (default 150)",
    )  # fmt: skip
    lsp.add_argument("--gaps", action="store_true", help="also show, as hints, the lines where shapes stopped being followed")
    lsp.set_defaults(run=_lsp)
    return parser


def _model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="FILE.py[:NAME]", help="a Python file or module, optionally :NAME of a model or function")
    parser.add_argument(
        "--bind", nargs="+", action="extend", default=[], metavar="SYMBOL=N", help="bind input symbols: --bind B=1 H=224 W=224"
    )
    parser.add_argument(
        "--input", nargs="+", metavar="DIM", help="input shape for a model without Input: --input B 3 224 224"
    )
    parser.add_argument(
        "--timeout", type=_seconds, default=_TIMEOUT, metavar="SECONDS",
        help=f"stop the file's code after SECONDS (default {_TIMEOUT:g}; 0 for no limit)",
    )  # fmt: skip


def _seconds(text: str) -> float | None:
    """``--timeout``: a duration in seconds, ``None`` (no limit) for 0."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise argparse.ArgumentTypeError(f"takes a number of seconds (0 for no limit), got {text!r}")
    return seconds or None


def _milliseconds(text: str) -> int:
    if not _SIZE.match(text):
        raise argparse.ArgumentTypeError(f"takes a number of milliseconds, got {text!r}")
    return int(text)


def _bindings(tokens: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for token in tokens:
        m = _BINDING.match(token)
        if m is None:
            raise UsageError(f"--bind takes SYMBOL=N (a positive int), got {token!r}")
        out[m[1]] = int(m[2])
    return out


def _input(tokens: Sequence[str] | None) -> tuple[DimLike, ...] | None:
    """``--input B 3 224 224`` (or ``B,3,224,224``): sizes and symbol names."""
    if tokens is None:
        return None
    dims = [d for token in tokens for d in token.replace(",", " ").split()]
    for d in dims:
        try:
            valid = bool(_SIZE.match(d)) or not isinstance(as_dim(d), int)
        except ValueError:
            valid = False
        if not valid:
            raise UsageError(f"--input takes sizes (ints >= 0), symbols (names such as B or H) and expressions of them (16*h), got {d!r}")
    if not dims:
        raise UsageError("--input takes the input shape, e.g. --input B 3 224 224")
    return tuple(int(d) if _SIZE.match(d) else d for d in dims)


def _target(args: argparse.Namespace) -> _render.Target:
    source, name = split_target(args.target)
    return _render.Target(source, name, _input(args.input), _bindings(args.bind))


def _summary(args: argparse.Namespace) -> int:
    target = _target(args)
    if args.depth is not None and args.depth < 1:
        raise UsageError(f"--depth must be a positive int, got {args.depth}")
    if args.static:
        return _static_summary(args, dict(target.bindings))
    return _shown(_isolate.run(functools.partial(_render.summary, target, args.depth), args.timeout))


def _static_summary(args: argparse.Namespace, bindings: dict[str, int]) -> int:
    """``summary --static``: the model built and run by the forward interpreter, from source alone."""
    from shapecheck.static.model import ModelError, build_model, static_candidates

    path, _, target = args.target.partition(":")
    if not path.endswith(".py") or not Path(path).is_file():
        raise UsageError(f"{path}: no such Python file (--static reads a file: FILE.py[:NAME])")
    source = Path(path).read_text(encoding="utf-8", errors="replace")
    inputs = None if args.input is None else [_input(args.input) or ()]
    try:
        targets = [target] if target else static_candidates(source, path)
    except ModelError as err:
        raise UsageError(str(err)) from None
    if not targets:
        needing = _classes_needing_arguments(source)
        example = needing[0].split("(")[0] + "(...)" if needing else "Net(10)"
        listed = f" (classes that take arguments: {', '.join(needing)})" if needing else ""
        raise UsageError(f"{path} defines no model that can be built without arguments{listed}: give them in the target, e.g. {path}:'{example}'")
    status = 0
    for i, name in enumerate(targets):
        print(("\n" if i else "") + f"{name} from {path} (read from source, nothing run)")
        try:
            model = build_model(source, path, name, inputs)
        except ModelError as err:
            print(f"shapecheck summary: {err}", file=sys.stderr)
            if err.params is not None:
                print(f"Total params: {err.params:,} (counted from the constructor; the forward was not followed)")
            status = 1
            continue
        if model.input_shape.prefix:
            raise UsageError(f"{name}: its input {model.input_shape} has a rank its first layer leaves open: give the shape with --input, e.g. --input B {' '.join(map(str, model.input_shape.dims)) or 'C'}")
        symbols = {s.name for d in model.input_shape for s in symbols_of(d)}
        print(shapecheck.summary(model, args.depth, **{k: v for k, v in bindings.items() if k in symbols}))
    return status


def _classes_needing_arguments(source: str) -> list[str]:
    """``Name(a, b)`` for each top-level class whose ``__init__`` has parameters without defaults."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    out = []
    for node in tree.body:
        init = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None) if isinstance(node, ast.ClassDef) else None
        if isinstance(node, ast.ClassDef) and init is not None:
            params = [*init.args.posonlyargs, *init.args.args][1:]
            required = [a.arg for a in params[: len(params) - len(init.args.defaults)]]
            required += [a.arg for a, d in zip(init.args.kwonlyargs, init.args.kw_defaults) if d is None]
            if required:
                out.append(f"{node.name}({', '.join(required)})")
    return out


def _diagram(args: argparse.Namespace) -> int:
    target = _target(args)
    output = _render.writable(args.output)
    if output.suffix.lower() not in (".svg", ".html", ".htm"):
        raise UsageError(f"-o {args.output}: write a .svg or .html file")
    return _shown(_isolate.run(functools.partial(_render.diagram, target, args.output), args.timeout))


def _shown(report: _render.Report) -> int:
    """Print what the child reported, in order; its exit status."""
    for stream, text in report.lines:
        _write(sys.stdout if stream == "out" else sys.stderr, text + "\n")
    if report.usage is not None:
        raise UsageError(report.usage)
    return report.status


def _check(args: argparse.Namespace) -> int:
    from shapecheck import check, report

    output = _render.writable(args.output) if args.output else None

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        if args.mypy:
            result = check.run(args.paths, config_file=args.config_file, cache_dir=args.cache_dir, progress=progress)
        else:
            from shapecheck.check_static import run_static

            result = run_static(args.paths, progress=progress)
    except check.CheckError as err:
        print(f"shapecheck check: {err}", file=sys.stderr)
        return 2
    text = report.text(result, args.verbose) if args.format == "text" else report.FORMATS[args.format](result)
    if output is not None:
        _render.write(output, text)
        if args.format != "text":
            print(report.text(result).splitlines()[-1], file=sys.stderr)
    else:
        _write(sys.stdout, text)
    if result.findings:
        return 1
    return 2 if any(r.error for r in result.reports) else 0


def _write(stream: TextIO, text: str) -> None:
    stream.write(text)
    stream.flush()


def _stubs_command(args: argparse.Namespace) -> int:
    from shapecheck import _stubs

    if _stubs.torch_importable():
        print("shapecheck stubs: torch is installed, mypy reads its own types: nothing to add", file=sys.stderr)
        return 0
    try:
        print(_stubs.stubs_dir())
    except OSError as err:
        raise UsageError(f"cannot write the stubs: {err}") from None
    return 0



def _lsp(args: argparse.Namespace) -> int:
    try:
        from shapecheck.lsp.server import serve
    except ModuleNotFoundError as err:
        if err.name not in ("pygls", "lsprotocol") and not (err.name or "").startswith(("pygls.", "lsprotocol.")):
            raise
        print(f"shapecheck lsp: the language server needs pygls ({err.name} is not installed): pip install 'shapecheck[lsp]'", file=sys.stderr)
        return 2
    serve(args.debounce / 1000, args.gaps)
    return 0
