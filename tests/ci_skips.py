"""Under CI (the environment variable `CI` set, as `.ci/run` does), a test that would skip
fails instead: a skip there means something CI must have is missing (PostgreSQL, Chromium,
openssl, an extra), and a green run must not hide it. Locally a skip stays a skip.

A pytest plugin: tests/conftest.py takes its hooks; `pytest -p ci_skips` loads it alone."""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _failed_instead(report: pytest.CollectReport | pytest.TestReport) -> None:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    report.outcome = "failed"
    report.longrepr = (f"{reason.removeprefix('Skipped: ')}: skipped, which CI does not allow "
                       "(CI is set: install what the test needs)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _under_ci() and not hasattr(report, "wasxfail"):
        _failed_instead(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _under_ci():  # a module-level importorskip
        _failed_instead(report)
