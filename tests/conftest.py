"""Shared helpers: run the CLI in-process, read CSV outputs, write small hand-made exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ci_skips import pytest_make_collect_report, pytest_runtest_makereport

from zooagg.cli import main

DATA = Path(__file__).parent / "data"

#: under CI, a test that would skip fails (tests/ci_skips.py)
CI_HOOKS = (pytest_make_collect_report, pytest_runtest_makereport)

EXPORT_HEADER = (
    "classification_id", "user_name", "user_id", "user_ip", "workflow_id", "workflow_name",
    "workflow_version", "created_at", "gold_standard", "expert", "metadata", "annotations",
    "subject_data", "subject_ids",
)


@dataclass
class Result:
    """What one `zooagg` call did: exit code and captured output."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


@pytest.fixture
def data_dir() -> Path:
    return DATA


#: the `run_cli` fixture: `run_cli(args, cwd=None) -> Result`
RunCli = Callable[..., Result]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """`run_cli(["extract", ...], cwd)`: run `zooagg.cli.main` in-process inside `cwd`."""

    def run(args: Sequence[str | Path], cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()  # drop anything printed before the call
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def read_rows(path: Path) -> list[dict[str, str]]:
    """A CSV output as a list of dicts (all values text, as written)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def classification_row(
    classification_id: int | str,
    annotations: Any,
    *,
    subject_id: int | str = 1000,
    user_name: str = "alice",
    user_id: str = "11",
    workflow_id: int | str = 1,
    workflow_version: str = "1.1",
    created_at: str = "2024-01-01 10:00:00 UTC",
) -> dict[str, str]:
    """One row of a classification export; `annotations` is JSON-encoded unless already text."""
    return {
        "classification_id": str(classification_id),
        "user_name": user_name,
        "user_id": user_id,
        "user_ip": "abc",
        "workflow_id": str(workflow_id),
        "workflow_name": "Test",
        "workflow_version": workflow_version,
        "created_at": created_at,
        "gold_standard": "",
        "expert": "",
        "metadata": json.dumps({"classifier_version": "1.0"}),
        "annotations": annotations if isinstance(annotations, str) else json.dumps(annotations),
        "subject_data": json.dumps({str(subject_id): {"retired": None}}),
        "subject_ids": str(subject_id),
    }


def write_export(path: Path, rows: list[dict[str, str]], header: Sequence[str] = EXPORT_HEADER) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def write_yaml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def leftovers(folder: Path) -> list[str]:
    """Temporary files an interrupted or failed write could leave behind."""
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".part") or ".zooagg-spool-" in p.name)
