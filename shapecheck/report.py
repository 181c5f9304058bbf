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


def text(result: Result) -> str:
    """``file:line:col: message``, mypy's notes indented under it, and a count."""
    lines: list[str] = []
    for f in result.findings:
        lines.append(f"{f.path}:{f.line}:{f.column}: {f.message}")
        lines.extend(f"    {note}" for note in f.notes)
    lines.append(_tally(result))
    return "\n".join(lines) + "\n"


def json_report(result: Result) -> str:
    document = {
        "files_checked": result.files,
        "findings": [
            {"path": f.path, "line": f.line, "column": f.column, "code": RULE_ID, "message": f.message, "notes": list(f.notes)}
            for f in result.findings
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
    if not n:
        return f"No shape errors ({files})"
    places = len({f.path for f in result.findings})
    return f"Found {n} shape error{'s' if n != 1 else ''} in {places} file{'s' if places != 1 else ''} ({files})"


FORMATS: dict[str, Callable[[Result], str]] = {"text": text, "json": json_report, "sarif": sarif, "github": github}
