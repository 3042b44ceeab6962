"""What a pipeline command imports: config, extract and reduce never import pandas (pyarrow
would, the first time it builds an array, when pandas is installed: ~0.2 s of every command, issue
13), nor scikit-learn or SciPy for a question or survey. Each command runs in a fresh Python, as
a user runs it, and reports the modules it ended with."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA

GOLDEN = Path(__file__).parent / "golden"
QUESTION = GOLDEN / "fossil-finder-1962"
SURVEY = GOLDEN / "dd-survey-4994"
HEAVY = ("pandas", "sklearn", "scipy")

#: runs `zooagg.cli.main(argv)` in-process, then prints its exit code and the heavy modules loaded
PROBE = f"""
import json, sys
from zooagg.cli import main
code = main(sys.argv[1:])
print(json.dumps([code, sorted(m for m in {HEAVY!r} if m in sys.modules)]))
"""


def imported_by(*argv: str | Path) -> list[str]:
    """The heavy modules `zooagg <argv>` imported (its exit code must be 0)."""
    done = subprocess.run([sys.executable, "-c", PROBE, *map(str, argv)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 0, done.stderr
    return list(modules)


@pytest.fixture(scope="module")
def pandas_installed() -> None:
    """The check means something only where pandas could be imported (the dev venv has it)."""
    pytest.importorskip("pandas")


@pytest.mark.usefixtures("pandas_installed")
def test_question_extract_and_reduce_import_no_pandas(tmp_path: Path) -> None:
    assert imported_by("extract", QUESTION / "classifications.csv",
                       QUESTION / "Extractor_config_workflow_1962_V31.37.yaml", "-d", tmp_path, "-hb") == []
    extracts = tmp_path / "question_extractor_extractions.csv"
    assert extracts.exists()
    assert imported_by("reduce", extracts, QUESTION / "Reducer_config_workflow_1962_V31.37_question_extractor.yaml",
                       "-d", tmp_path, "-hb") == []
    assert (tmp_path / "question_reducer_reductions.csv").exists()


@pytest.mark.usefixtures("pandas_installed")
def test_survey_reduce_and_config_import_no_pandas(tmp_path: Path) -> None:
    assert imported_by("config", DATA / "slsn_wf_export.csv", "10", "-d", tmp_path) == []
    assert imported_by("extract", SURVEY / "classifications.csv",
                       SURVEY / "Extractor_config_workflow_4994_V106.2.yaml", "-d", tmp_path, "-hb") == []
    assert imported_by("reduce", tmp_path / "survey_extractor_extractions.csv",
                       SURVEY / "Reducer_config_workflow_4994_V106.2_survey_extractor.yaml", "-d", tmp_path,
                       "-hb") == []
    assert (tmp_path / "survey_reducer_reductions.csv").exists()


@pytest.mark.usefixtures("pandas_installed")
def test_pyarrow_still_finds_pandas_where_it_needs_it() -> None:
    """After the command's start-up, pyarrow's own pandas conversions still work: it looks again."""
    probe = ("import sys, pyarrow as pa\n"
             "from zooagg.cli import _pyarrow_without_pandas\n"
             "_pyarrow_without_pandas()\n"
             "assert 'pandas' not in sys.modules\n"
             "frame = pa.table({'a': pa.array([1, 2], pa.int64())}).to_pandas()\n"
             "import pandas\n"
             "print(type(frame).__name__, frame['a'].tolist(), pa.array(pandas.Series([3, 4])).to_pylist())\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["DataFrame", "[1,", "2]", "[3,", "4]"]
