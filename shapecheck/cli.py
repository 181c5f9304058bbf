"""The ``shapecheck`` command: ``summary``, ``check``, ``diagram`` and ``stubs`` (also ``python -m shapecheck``).

Exit status: 0 when all is well, 1 on a shape error (at construction for ``summary`` and ``diagram``,
a ``[shape]`` finding for ``check``), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TextIO

import shapecheck
from shapecheck._load import UsageError, build, candidates, format_exception, import_target, split_target
from shapecheck.dims import DimLike, symbols_of
from shapecheck.errors import ShapeError

__all__ = ["main"]

_BINDING = re.compile(r"^([A-Za-z_]\w*)=(\d+)$")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
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
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shapecheck",
        description="Tensor shapes of neural networks, checked before anything runs.",
    )
    parser.add_argument("--version", action="version", version=f"shapecheck {shapecheck.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    summary = commands.add_parser(
        "summary",
        help="build the models of a file and print their per-layer table",
        description="Import FILE.py (or a module) and print the summary table of its models: module-level "
        "shapecheck.nn models and functions without arguments annotated to return one, or NAME.",
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
        "lost). With --mypy, run mypy with the shapecheck plugin instead (needs mypy). "
        "Exit status 1 with shape errors, 2 when a file cannot be checked, 0 otherwise.",
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
        help="draw a model as an SVG (or HTML) graph, shapes on the edges",
        description="Draw the verified graph of a model: a box per layer, edges labelled with shapes, branches "
        "side by side; on a shape error, the graph up to the failing layer, drawn in red.",
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
    return parser


def _model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="FILE.py[:NAME]", help="a Python file or module, optionally :NAME of a model or function")
    parser.add_argument(
        "--bind", nargs="+", action="extend", default=[], metavar="SYMBOL=N", help="bind input symbols: --bind B=1 H=224 W=224"
    )
    parser.add_argument(
        "--input", nargs="+", metavar="DIM", help="input shape for a model without Input: --input B 3 224 224"
    )


def _bindings(tokens: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for token in tokens:
        m = _BINDING.match(token)
        if m is None:
            raise UsageError(f"--bind takes SYMBOL=N (a positive int), got {token!r}")
        out[m[1]] = int(m[2])
    return out


def _input(tokens: Sequence[str] | None) -> tuple[DimLike, ...] | None:
    if tokens is None:
        return None
    dims = [d for token in tokens for d in token.replace(",", " ").split()]
    return tuple(int(d) if d.isdigit() else d for d in dims)


def _summary(args: argparse.Namespace) -> int:
    bindings = _bindings(args.bind)
    if args.depth is not None and args.depth < 1:
        raise UsageError(f"--depth must be a positive int, got {args.depth}")
    if args.static:
        return _static_summary(args, bindings)
    source, name = split_target(args.target)
    module = _import(source)
    if module is None:
        return 1
    found, notes = candidates(module, name)
    for note in notes:
        print(f"shapecheck summary: {note}", file=sys.stderr)
    if not found:
        raise UsageError(f"{source} defines no model: name one with {source}:NAME")
    status, used = 0, set()
    for i, candidate in enumerate(found):
        print(("\n" if i else "") + f"{candidate.label} from {source}")
        try:
            model, assumed = build(candidate, _input(args.input))
        except ShapeError as err:
            print(format_exception(err), file=sys.stderr)
            status = 1
            continue
        except UsageError:
            raise
        except Exception as err:
            print(format_exception(err), file=sys.stderr)
            status = 1
            continue
        if assumed:
            print(assumed)
        symbols = {s.name for d in model.input_shape for s in symbols_of(d)}
        mine = {k: v for k, v in bindings.items() if k in symbols}
        used |= set(mine)
        print(shapecheck.summary(model, args.depth, **mine))
    unused = sorted(set(bindings) - used)
    if unused and status == 0:
        raise UsageError(f"--bind {', '.join(unused)}: no model's input has such a symbol")
    return status


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
        raise UsageError(f"{path} defines no model that can be built without arguments: name one, e.g. {path}:'Net(10)'")
    status = 0
    for i, name in enumerate(targets):
        print(("\n" if i else "") + f"{name} from {path} (read from source, nothing run)")
        try:
            model = build_model(source, path, name, inputs)
        except ModelError as err:
            print(f"shapecheck summary: {err}", file=sys.stderr)
            status = 1
            continue
        symbols = {s.name for d in model.input_shape for s in symbols_of(d)}
        print(shapecheck.summary(model, args.depth, **{k: v for k, v in bindings.items() if k in symbols}))  # type: ignore[arg-type]
    return status


def _import(source: str) -> ModuleType | None:
    """The imported target, or None after printing the error it raised (a ShapeError at module level)."""
    try:
        return import_target(source)
    except UsageError:
        raise
    except Exception as err:
        print(format_exception(err), file=sys.stderr)
        return None


def _check(args: argparse.Namespace) -> int:
    from shapecheck import check, report

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
    output = report.text(result, args.verbose) if args.format == "text" else report.FORMATS[args.format](result)
    if args.output:
        Path(args.output).write_text(output)
        if args.format != "text":
            print(report.text(result).splitlines()[-1], file=sys.stderr)
    else:
        _write(sys.stdout, output)
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


def _diagram(args: argparse.Namespace) -> int:
    from shapecheck import diagram

    bindings = _bindings(args.bind)
    output = Path(args.output)
    if output.suffix.lower() not in (".svg", ".html", ".htm"):
        raise UsageError(f"-o {args.output}: write a .svg or .html file")
    source, name = split_target(args.target)
    module = _import(source)
    if module is None:
        return 1
    found, _ = candidates(module, name)
    if len(found) != 1:
        names = ", ".join(c.label for c in found) or "none"
        raise UsageError(f"name the model to draw, as {source}:NAME (models found: {names})")
    label = found[0].label
    try:
        model, _note = build(found[0], _input(args.input))
        drawing = diagram.Drawing.of(model, label, bindings)
    except ShapeError as err:
        drawing = diagram.Drawing.of_failure(err, label, bindings, _input(args.input))
        print(format_exception(err), file=sys.stderr)
    except ValueError as err:
        raise UsageError(str(err)) from None
    output.write_text(drawing.html() if output.suffix.lower() != ".svg" else drawing.svg())
    failed = drawing.failure is not None
    print(f"wrote {output}: {drawing.boxes} layers" + (", up to the failing one (in red)" if failed else ""), file=sys.stderr)
    return 1 if failed else 0
