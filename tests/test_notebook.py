"""examples/python-api.ipynb runs (on a kernel in this venv) and its results are the CLI's.

The notebook is executed as a user would run it, from a copy of examples/ (so nothing is
written into the repository); then `zooagg run` is run on the same exports and every file
both wrote is compared byte for byte.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "python-api.ipynb"


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    work = tmp_path_factory.mktemp("notebook")
    shutil.copytree(ROOT / "examples", work / "examples", ignore=shutil.ignore_patterns("python-api-output"))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(work / "examples")}})
    client.execute()
    return work / "examples", notebook


def test_notebook_runs_without_errors(ran: tuple[Path, object]) -> None:
    _, notebook = ran
    for cell in notebook.cells:  # type: ignore[attr-defined]
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output


def test_notebook_results_equal_the_cli(ran: tuple[Path, object], tmp_path: Path) -> None:
    examples, _ = ran
    api_out = examples / "python-api-output"
    cli_out = tmp_path / "cli"
    subprocess.run([sys.executable, "-m", "zooagg", "run", "slsn/cls_export.csv", "slsn/wf_export.csv",
                    "-d", str(cli_out), "-hb"], cwd=examples, check=True, capture_output=True)
    cli_files = sorted(p.relative_to(cli_out) for p in cli_out.rglob("*") if p.is_file())
    assert [str(p) for p in cli_files if p.suffix == ".csv"] == [
        "workflow_10/consensus_workflow_10.csv", "workflow_10/question_extractor_extractions.csv",
        "workflow_10/question_reducer_reductions.csv"]
    for relative in cli_files:
        if relative.name == "zooagg-run.json":
            continue
        assert (api_out / relative).read_bytes() == (cli_out / relative).read_bytes(), relative
    api_manifest = json.loads((api_out / "zooagg-run.json").read_text())
    cli_manifest = json.loads((cli_out / "zooagg-run.json").read_text())
    assert api_manifest["runs"] == cli_manifest["runs"]


def test_notebook_consensus_by_hand(ran: tuple[Path, object]) -> None:
    # slsn/cls_export.csv read by hand (one classification per subject; T1 only after a Yes):
    # T0 No for 96588105, 96588106, 96588128, 96588131 and Yes for 96588109, 96588114,
    # 96588126; T1 No for 96588109 and 96588126, Yes for 96588114
    examples, _ = ran
    lines = (examples / "python-api-output" / "consensus_answers.csv").read_text().splitlines()
    assert lines == [",No,Yes", "T0: rising for more than 20 days?,4,3", '"T1: close to a faint, fuzzy galaxy?",2,1']
    assert (examples / "python-api-output" / "consensus.png").stat().st_size > 1000
