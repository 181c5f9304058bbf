"""The static interpreter's detection rate on the corpus: per file, the unsatisfiable bugs found where they are.

Run from the repository root:  python bench/corpus_detection.py [--misses] [FILE...]

Each bugged copy of ``tests/corpus`` (``tests/corpus/cases.py``) is analysed as ``tests/test_corpus_static``
analyses it (nothing imported or run). A bug no input size satisfies is *found* when a finding is at one of
its lines, *elsewhere* when findings exist only at other lines, *missed* otherwise; for a missed bug the
model's first gap (where tracking was lost) is shown as the likely reason. Satisfiable bugs and originals
with a finding are false positives and listed as such, except a satisfiable bug the file's own ``test()``
fails on (``Bug.stated``, confirmed by torch) reported at its lines: counted as *stated*. The held-out files
(``HELD_OUT`` in cases.py, never tuned on) get their own subtotal; ``--unstated`` blanks each file's
``test()`` first, measuring the interpreter on invented input sizes alone.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shapecheck.static import FileReport, analyze_source  # noqa: E402
from tests.corpus.cases import BUGS, HELD_OUT, MODELS, Bug  # noqa: E402
from tests.corpus.edits import expression, source  # noqa: E402


UNSTATED = False
"""``--unstated``: blank each file's own ``test()`` (and what follows it) first, so no input size is stated."""


def text(file: str, bug: Bug | None = None) -> str:
    """The (bugged) file, or with ``--unstated`` the same with the module-level ``def test():`` to the end blanked
    (line numbers kept): the model is then checked on invented sizes only."""
    lines = source(file, bug).split("\n")
    if UNSTATED and "def test():" in lines:
        at = lines.index("def test():")
        lines = lines[:at] + [""] * (len(lines) - at)
    return "\n".join(lines)


def analyzed(bug: Bug) -> FileReport:
    return analyze_source(text(bug.model.file, bug), bug.model.file, [expression(bug.model)])


def first_gap(report: FileReport, bug: Bug) -> str:
    """The first place the bug's model lost track, or why it was not followed."""
    name = expression(bug.model)
    for model in report.models:
        if model.name == name:
            if not model.followed:
                return f"not followed: {model.why}"
            return str(model.gaps[0]) if model.gaps else "followed in full, no finding"
    return "model not run"


def verdict(bug: Bug) -> tuple[str, str]:
    """``found``/``elsewhere``/``missed`` for an unsatisfiable bug, ``ok``/``false positive`` otherwise; and a detail."""
    report = analyzed(bug)
    lines = [(f.line, f.message) for f in report.findings]
    if not bug.unsatisfiable:
        if bug.stated and lines and all(line in bug.lines for line, _ in lines):
            return "stated", ""  # the file's own test() fails there: a right report, not a false positive
        return ("false positive", str(lines)) if lines else ("ok", "")
    if any(line in bug.lines for line, _ in lines):
        return "found", ""
    if lines:
        return "elsewhere", str(lines)
    return "missed", first_gap(report, bug)


def originals(files: set[str]) -> list[str]:
    """Findings on the unmodified files (each one a false positive)."""
    out: list[str] = []
    for file in sorted(files):
        entries = sorted({expression(m) for m in [*MODELS, *(b.model for b in BUGS)] if m.file == file})
        report = analyze_source(text(file), file, entries)
        out.extend(f"{file}:{f.line}: {f.message}" for f in report.findings)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="corpus files to measure (default: all)")
    parser.add_argument("--misses", action="store_true", help="print every bug not found, with its reason")
    parser.add_argument("--unstated", action="store_true", help="blank each file's own test() first (no stated input size)")
    args = parser.parse_args(argv)
    global UNSTATED
    UNSTATED = args.unstated
    bugs = [b for b in BUGS if not args.files or b.model.file in args.files]
    table: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    details: list[str] = []
    for bug in bugs:
        kind, detail = verdict(bug)
        table[bug.model.file][kind] += 1
        if kind not in ("found", "ok", "stated") and (args.misses or kind == "false positive"):
            details.append(f"{kind:>14}  {bug.id}: {detail}")
    print(f"{'file':<32} {'unsat':>5} {'found':>5} {'elsew':>5} {'miss':>5} {'FP':>3} {'stated':>6}")

    def row(name: str, counts: collections.Counter[str]) -> None:
        unsat = counts["found"] + counts["elsewhere"] + counts["missed"]
        print(f"{name:<32} {unsat:>5} {counts['found']:>5} {counts['elsewhere']:>5} {counts['missed']:>5} "
              f"{counts['false positive']:>3} {counts['stated']:>6}")

    total: collections.Counter[str] = collections.Counter()
    held_out: collections.Counter[str] = collections.Counter()
    for file, counts in sorted(table.items()):
        row(file, counts)
        total.update(counts)
        if any(m.file == file for m in HELD_OUT):
            held_out.update(counts)
    if held_out and held_out != total:
        row("held out (cifar_*)", held_out)
        row("the others", total - held_out)
    row("total", total)
    unsat = total["found"] + total["elsewhere"] + total["missed"]
    print(f"detection: {total['found']}/{unsat} = {total['found'] / max(unsat, 1):.1%}"
          + (" (test() blanked: no size stated)" if UNSTATED else ""))
    for line in [*details, *(f"false positive  original {o}" for o in originals(set(table)))]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
