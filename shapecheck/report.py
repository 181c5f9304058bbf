"""The reports of ``shapecheck check``: text, JSON, SARIF 2.1.0 (code scanning) and GitHub workflow annotations."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import shapecheck
from shapecheck.check import Finding, Result

__all__ = ["FORMATS", "github", "json_report", "sarif", "text"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULE_ID = "shape"


def text(result: Result, verbose: bool = False) -> str:
    """``file:line:col: message``, the notes indented under it, then what was checked and a count;
    ``verbose`` lists every model followed and where tracking was lost."""
    lines: list[str] = []
    for f in result.findings:
        lines.append(f"{f.path}:{f.line}:{f.column}: {f.message}")
        lines.extend(f"    {note}" for note in f.notes)
    if verbose:
        lines.extend(_models(result))
    lines.append(_tally(result))
    return "\n".join(lines) + "\n"


def _models(result: Result) -> list[str]:
    lines: list[str] = []
    for report in result.reports:
        if report.error:
            lines.append(f"{report.path}: not checked: {report.error}")
        for m in report.models:
            if not m.followed:
                lines.append(f"{report.path}:{m.line}: {m.name}: not followed: {m.why}")
                continue
            io = f"{m.inputs} -> {m.output}; " if m.inputs else f"-> {m.output}; " if m.output else ""
            lines.append(f"{report.path}:{m.line}: {m.name}: {io}{m.steps} step{'s' if m.steps != 1 else ''} checked")
            if m.conditions:
                lines.append(f"    input conditions: {', '.join(m.conditions)}")
            lines.extend(f"    not followed: {gap}" for gap in m.gaps)
    return lines


def json_report(result: Result) -> str:
    document: dict[str, Any] = {
        "files_checked": result.files,
        "findings": [
            {"path": f.path, "line": f.line, "column": f.column, "code": RULE_ID, "message": f.message, "notes": list(f.notes)}
            for f in result.findings
        ],
    }
    if result.reports:
        document["coverage"] = {
            "summary": _coverage(result),
            "files_not_checked": [{"path": r.path, "reason": r.error} for r in result.reports if r.error],
            "models": [
                {
                    "path": r.path,
                    "line": m.line,
                    "name": m.name,
                    "followed": m.followed,
                    "complete": m.complete,
                    "why_not": m.why or None,
                    "inputs": m.inputs,
                    "output": m.output,
                    "steps": m.steps,
                    "input_conditions": m.conditions,
                    "not_followed": [{"line": g.line, "reason": g.reason} for g in m.gaps],
                }
                for r in result.reports
                for m in r.models
            ],
        }
    return json.dumps(document, indent=2) + "\n"


def sarif(result: Result) -> str:
    """A SARIF 2.1.0 log of one run: one rule (``shape``), one result per finding, paths relative to
    the working directory (``%SRCROOT%``), as GitHub code scanning expects them.
    """
    root = Path.cwd().as_uri() + "/"
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "shapecheck",
                "version": shapecheck.__version__,
                "rules": [
                    {
                        "id": RULE_ID,
                        "name": "TensorShapeMismatch",
                        "shortDescription": {"text": "Tensor shape mismatch between neural network layers"},
                        "fullDescription": {
                            "text": "A layer receives a tensor whose shape it cannot take (channels, features, rank, "
                            "sizes), or is given arguments torch rejects; found statically by the shapecheck mypy plugin."
                        },
                        "defaultConfiguration": {"level": "error"},
                        "properties": {"tags": ["correctness", "pytorch"], "precision": "very-high"},
                    }
                ],
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root}},
        "invocations": [{"executionSuccessful": True}],
        "columnKind": "unicodeCodePoints",
        "results": [_sarif_result(f) for f in result.findings],
        "properties": {"filesChecked": result.files},
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def _sarif_result(f: Finding) -> dict[str, Any]:
    relative = not os.path.isabs(f.path)
    location: dict[str, Any] = {"uri": quote(f.path) if relative else Path(f.path).as_uri()}
    if relative:
        location["uriBaseId"] = "%SRCROOT%"
    return {
        "ruleId": RULE_ID,
        "ruleIndex": 0,
        "level": "error",
        "message": {"text": "\n".join([f.message, *f.notes])},
        "locations": [
            {"physicalLocation": {"artifactLocation": location, "region": {"startLine": f.line, "startColumn": f.column}}}
        ],
    }


def github(result: Result) -> str:
    """``::error file=...,line=...,col=...,title=...::message`` lines, shown on the pull request's diff."""
    lines = []
    for f in result.findings:
        props = f"file={_property(f.path)},line={f.line},col={f.column},title={_property('shapecheck [shape]')}"
        lines.append(f"::error {props}::{_data(chr(10).join([f.message, *f.notes]))}")
    lines.append(_tally(result))
    return "\n".join(lines) + "\n"


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def _tally(result: Result) -> str:
    files = f"{result.files} file{'s' if result.files != 1 else ''} checked"
    n = len(result.findings)
    coverage = f"; {_coverage(result)}" if result.reports else ""
    if not n:
        return f"No shape errors ({files}){coverage}"
    places = len({f.path for f in result.findings})
    return f"Found {n} shape error{'s' if n != 1 else ''} in {places} file{'s' if places != 1 else ''} ({files}){coverage}"


def _coverage(result: Result) -> str:
    """What the interpreter followed: ``3 models checked in full (212 steps); 1 partly: net.py: Net (line 41: ...)``."""
    models = [(r.path, m) for r in result.reports for m in r.models]
    unreadable = [r for r in result.reports if r.error]
    parts: list[str] = []
    if not models:
        parts.append("no torch or shapecheck models found")
    else:
        full = sum(1 for _, m in models if m.complete)
        steps = sum(m.steps for _, m in models)
        parts.append(f"{full} of {len(models)} model{'s' if len(models) != 1 else ''} checked in full ({steps} step{'s' if steps != 1 else ''})")
        partly = [f"{p}: {m.name} ({m.gaps[0]})" for p, m in models if m.followed and m.gaps]
        skipped = [f"{p}: {m.name} ({m.why})" for p, m in models if not m.followed]
        if partly:
            parts.append(f"{len(partly)} partly: " + _first(partly))
        if skipped:
            parts.append(f"{len(skipped)} not followed: " + _first(skipped))
    if unreadable:
        parts.append(f"{len(unreadable)} file{'s' if len(unreadable) != 1 else ''} not checked: " + _first([f"{r.path} ({r.error})" for r in unreadable]))
    return "; ".join(parts) + ("" if not (models and any(not m.complete for _, m in models)) else " (--verbose lists them)")


def _first(items: list[str], most: int = 2) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


FORMATS: dict[str, Callable[[Result], str]] = {"text": text, "json": json_report, "sarif": sarif, "github": github}
