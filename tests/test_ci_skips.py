"""With CI set, a test that would skip (no PostgreSQL, browser, openssl, extra) fails instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).parent

SKIPPING = '''
import pytest

def test_needs_postgres():
    pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")

@pytest.mark.xfail(reason="a known bug", strict=True)
def test_known_bug():
    raise AssertionError

def test_runs():
    assert True
'''

IMPORT_SKIPPING = '''
import pytest
pytest.importorskip("no_such_module_zooagg", reason="browser test needs playwright")

def test_never_collected():
    assert True
'''


def run_pytest(folder: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(TESTS)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "ci_skips", "-q", "-rfs", "-p", "no:cacheprovider",
                           str(folder)], capture_output=True, text=True, env=env, cwd=folder, check=False)


def write_tests(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / "test_skipping.py").write_text(text, encoding="utf-8")
    return folder


def test_without_ci_a_skip_is_a_skip(tmp_path: Path) -> None:
    result = run_pytest(write_tests(tmp_path / "t", SKIPPING), None)
    assert result.returncode == 0, result.stdout
    assert "1 passed, 1 skipped, 1 xfailed" in result.stdout
    skipped = run_pytest(write_tests(tmp_path / "i", IMPORT_SKIPPING), None)
    assert skipped.returncode == 5, skipped.stdout  # pytest's "no tests ran"
    assert "1 skipped" in skipped.stdout


def test_with_ci_set_a_skip_fails_naming_its_reason(tmp_path: Path) -> None:
    result = run_pytest(write_tests(tmp_path / "t", SKIPPING), "1")
    assert result.returncode == 1, result.stdout
    assert "1 failed, 1 passed, 1 xfailed" in result.stdout
    assert "PostgreSQL is not reachable at 127.0.0.1:5432: skipped, which CI does not allow" in result.stdout


def test_with_ci_set_a_module_skipped_at_import_is_an_error(tmp_path: Path) -> None:
    result = run_pytest(write_tests(tmp_path / "i", IMPORT_SKIPPING), "1")
    assert result.returncode == 2, result.stdout
    assert "1 error" in result.stdout
    assert "browser test needs playwright: skipped, which CI does not allow" in result.stdout


def test_ci_set_to_false_is_not_ci(tmp_path: Path) -> None:
    assert run_pytest(write_tests(tmp_path / "t", SKIPPING), "false").returncode == 0
