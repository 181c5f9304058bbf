"""Where the forward interpreter loses track on real code: the gap reasons, tallied over many files.

Run from the repository root:  python bench/gap_tally.py DIR_OR_FILE... [--top 40] [--json OUT]

Every ``.py`` file under the paths goes through ``shapecheck.static.analyze_file`` (nothing imported or
run). Each model's gaps (``line 41: unknown call my_op()``) are tallied by reason, over occurrences, over
files, and as the model's first gap (the root cause: later gaps often follow from it), so the op table
grows where real code needs it. Also printed: models followed in full or
in part, and the findings, which on unmodified public code are to be read as false positives until
confirmed by torch. The corpus is not part of the repository: point it at checkouts of model code.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys
from collections.abc import Iterator

from shapecheck.static import analyze_file

_LINE_NUMBERS = re.compile(r" at line \d+")


def python_files(paths: list[str]) -> Iterator[str]:
    for path in paths:
        if os.path.isfile(path):
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            yield from (os.path.join(root, f) for f in sorted(files) if f.endswith(".py"))


def reason_key(reason: str) -> str:
    """A gap reason without what varies between occurrences (line numbers)."""
    return _LINE_NUMBERS.sub("", reason)


def tally(paths: list[str]) -> dict[str, object]:
    occurrences: collections.Counter[str] = collections.Counter()
    first: collections.Counter[str] = collections.Counter()
    files_with: collections.Counter[str] = collections.Counter()
    models = full = partial = findings = 0
    finding_lines: list[str] = []
    crashes: list[str] = []
    for path in python_files(paths):
        try:
            report = analyze_file(path)
        except Exception as err:  # a crash of the interpreter is a finding of this tally, not its end
            crashes.append(f"{path}: {type(err).__name__}: {err}")
            continue
        seen: set[str] = set()
        for model in report.models:
            models += 1
            full += model.complete
            partial += model.followed and bool(model.gaps)
            if model.gaps:
                first[reason_key(model.gaps[0].reason)] += 1
            for gap in model.gaps:
                key = reason_key(gap.reason)
                occurrences[key] += 1
                seen.add(key)
        files_with.update(seen)
        findings += len(report.findings)
        finding_lines.extend(f"{path}:{f.line}: {f.message}" for f in report.findings)
    return {
        "models": models,
        "complete": full,
        "partial": partial,
        "gaps": sum(occurrences.values()),
        "findings": findings,
        "finding_lines": finding_lines,
        "crashes": crashes,
        "reasons": [(reason, n, files_with[reason], first[reason]) for reason, n in occurrences.most_common()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--json", help="write the full tally to this file")
    args = parser.parse_args(argv)
    result = tally(args.paths)
    print(f"models: {result['models']}, in full: {result['complete']}, in part: {result['partial']}, gaps: {result['gaps']}, findings: {result['findings']}")
    print(f"{'gaps':>6} {'files':>6} {'first':>6}  reason (first: models where it is the first gap, the root cause)")
    for reason, n, files, first in result["reasons"][: args.top]:  # type: ignore[index]
        print(f"{n:>6} {files:>6} {first:>6}  {reason}")
    for line in result["finding_lines"]:  # type: ignore[attr-defined]
        print("finding:", line)
    for line in result["crashes"]:  # type: ignore[attr-defined]
        print("crash:", line)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
