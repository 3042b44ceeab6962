"""The Python API's steps give the CLI's results, from paths and from frames, and raise the
CLI's errors."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import yaml

import zooagg
from zooagg.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
SLSN = ROOT / "examples" / "slsn"


def _reduce_steps() -> list[tuple[str, Path, Path, str]]:
    """Every golden reduce step: (case, the peer's extract file, the reducer config, output name)."""
    steps = []
    for case_file in sorted(GOLDEN.glob("*/case.yaml")):
        case = case_file.parent
        for step in yaml.safe_load(case_file.read_text())["steps"]:
            if step["cmd"] == "reduce":
                args = step["args"]
                output = args[args.index("-o") + 1] if "-o" in args else "reductions"
                steps.append((case.name, case / "expected" / args[0], case / args[1], output))
    return steps


REDUCE_STEPS = _reduce_steps()


def test_there_are_reduce_steps() -> None:
    assert len(REDUCE_STEPS) > 30


@pytest.mark.parametrize(("case", "extracts", "config", "output"), REDUCE_STEPS,
                         ids=[f"{s[0]}/{s[3]}-{s[1].stem}" for s in REDUCE_STEPS])
def test_a_frame_read_from_extracts_reduces_to_the_files_bytes(case: str, extracts: Path, config: Path,
                                                               output: str, tmp_path: Path) -> None:
    # read_table parses every cell (lists, counts as ints, times); reduce writes the frame back
    # in the peer's encodings: the reduction must be the one the file itself gives
    from_file = zooagg.reduce(extracts, config, filter_how="all", directory=tmp_path / "file", output=output,
                              quiet=True)
    from_frame = zooagg.reduce(zooagg.read_table(extracts), config, filter_how="all",
                               directory=tmp_path / "frame", output=output, quiet=True)
    written = sorted((tmp_path / "file").glob(f"*_{output}.csv"))
    assert len(written) == 1
    assert (tmp_path / "frame" / written[0].name).read_bytes() == written[0].read_bytes()
    assert from_frame.equals(from_file)


def test_steps_equal_the_cli(tmp_path: Path) -> None:
    assert main(["config", str(SLSN / "wf_export.csv"), "10", "-d", str(tmp_path / "cli")]) == 0
    extractor = tmp_path / "cli" / "Extractor_config_workflow_10_V16.55.yaml"
    reducer = tmp_path / "cli" / "Reducer_config_workflow_10_V16.55_question_extractor.yaml"
    assert main(["extract", str(SLSN / "cls_export.csv"), str(extractor), "-d", str(tmp_path / "cli"), "-hb"]) == 0
    assert main(["reduce", str(tmp_path / "cli" / "question_extractor_extractions.csv"), str(reducer),
                 "-d", str(tmp_path / "cli"), "-hb"]) == 0

    configs = zooagg.make_configs(SLSN / "wf_export.csv", 10, directory=tmp_path / "api", quiet=True)
    extracts = zooagg.extract(SLSN / "cls_export.csv", configs, quiet=True)
    votes = zooagg.reduce(extracts["question_extractor"], configs, quiet=True)
    for name in ("Extractor_config_workflow_10_V16.55.yaml", "Task_labels_workflow_10_V16.55.yaml",
                 "Reducer_config_workflow_10_V16.55_question_extractor.yaml",
                 "question_extractor_extractions.csv", "question_reducer_reductions.csv"):
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    # read by hand from cls_export.csv: 96588109 answered T0 Yes, T1 No
    row = votes[(votes.subject_id == 96588109) & (votes.task == "T1")].iloc[0]
    assert (row["data.no"], pd.isna(row["data.yes"])) == (1, True)


@pytest.mark.parametrize("as_arrow", [False, True])
def test_classifications_from_a_frame(as_arrow: bool, tmp_path: Path) -> None:
    text = pd.read_csv(SLSN / "cls_export.csv", dtype=str, keep_default_na=False)
    frame = pa.Table.from_pandas(text, preserve_index=False) if as_arrow else text
    configs = zooagg.make_configs(SLSN / "wf_export.csv", 10, directory=tmp_path / "configs", quiet=True)
    from_frame = zooagg.extract(frame, configs, directory=tmp_path / "frame", quiet=True)
    from_file = zooagg.extract(SLSN / "cls_export.csv", configs, directory=tmp_path / "file", quiet=True)
    assert from_frame["question_extractor"].equals(from_file["question_extractor"])
    assert (tmp_path / "frame" / "inputs" / "classifications.csv").is_file()


def test_a_filtered_frame_is_what_is_extracted(tmp_path: Path) -> None:
    text = pd.read_csv(SLSN / "cls_export.csv", dtype=str, keep_default_na=False)
    configs = zooagg.make_configs(SLSN / "wf_export.csv", 10, directory=tmp_path, quiet=True)
    first_three = zooagg.extract(text.head(3), configs, quiet=True)["question_extractor"]
    # rows 1-3 of cls_export.csv: Yes+Yes, No (T1 skipped: an empty T1 row, as the peer), Yes+No
    assert first_three["classification_id"].tolist() == [543695319, 543695319, 543695340, 543695340,
                                                         543695374, 543695374]
    assert first_three["data.no"].tolist()[2:4] == [1, pd.NA]


def test_run_project_equals_zooagg_run(tmp_path: Path) -> None:
    exports = [str(SLSN / "cls_export.csv"), str(SLSN / "wf_export.csv")]
    assert main(["run", *exports, "-d", str(tmp_path / "cli"), "-hb"]) == 0
    project = zooagg.run_project(*exports, directory=tmp_path / "api", quiet=True)
    assert project.manifest["runs"] == Project_open_runs(tmp_path / "cli")
    for path in (tmp_path / "cli").rglob("*.csv"):
        relative = path.relative_to(tmp_path / "cli")
        assert (tmp_path / "api" / relative).read_bytes() == path.read_bytes(), relative
    assert list(project.reductions()) == ["question_reducer_reductions"]


def Project_open_runs(folder: Path) -> list[dict[str, object]]:
    return zooagg.Project.open(folder).manifest["runs"]


def test_configs_inferred_from_classifications(tmp_path: Path) -> None:
    configs = zooagg.make_configs(SLSN / "cls_export.csv", 10, from_classifications=True, directory=tmp_path,
                                  quiet=True)
    assert list(configs.reducers) == ["question_extractor"]
    assert yaml.safe_load(configs.extractor.read_text())["extractor_config"] == \
        {"question_extractor": [{"task": "T0"}, {"task": "T1"}]}


# ---- errors are the CLI's ---------------------------------------------------------------------

def _cli_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(args) == 2
    return capsys.readouterr().err.strip()


def test_errors_are_the_clis_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "missing.csv")
    with pytest.raises(zooagg.InputError) as caught:
        zooagg.make_configs(missing, 10, directory=tmp_path, quiet=True)
    assert _cli_error(["config", missing, "10", "-d", str(tmp_path)], capsys) == f"Error: {caught.value}"

    with pytest.raises(zooagg.InputError) as caught:
        zooagg.run_project(str(SLSN / "wf_export.csv"), directory=tmp_path / "a", quiet=True)
    assert _cli_error(["run", str(SLSN / "wf_export.csv"), "-d", str(tmp_path / "b")], capsys) == \
        f"Error: {caught.value}"
    assert str(caught.value).startswith("no classification export given")


def test_unknown_reducer_config_for_extracts(tmp_path: Path) -> None:
    configs = zooagg.make_configs(SLSN / "wf_export.csv", 10, directory=tmp_path, quiet=True)
    with pytest.raises(zooagg.ConfigError, match="no reducer config for survey_extractor"):
        configs.reducer_for("survey_extractor")


def test_project_without_that_workflow(tmp_path: Path) -> None:
    project = zooagg.run_project(SLSN / "cls_export.csv", directory=tmp_path, quiet=True)
    with pytest.raises(zooagg.InputError, match="this run has no workflow 11"):
        project.reductions(11)


def test_warnings_and_quiet(tmp_path: Path) -> None:
    # this export has rows that are not UTF-8: the CLI prints a `warning:` line about them
    case = GOLDEN / "camcat-sa-2672"
    config = next(case.glob("Extractor_config_*.yaml"))
    with pytest.warns(zooagg.ZooaggWarning, match=r"are not UTF-8; decoded as cp1252/latin-1"):
        zooagg.extract(case / "classifications.csv", config, directory=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # quiet: no warning at all
        zooagg.extract(case / "classifications.csv", config, directory=tmp_path, quiet=True)


# ---- progress and quiet -------------------------------------------------------------------------

def test_quiet_prints_nothing(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    capfd.readouterr()
    zooagg.run_project(SLSN / "cls_export.csv", SLSN / "wf_export.csv", directory=tmp_path, quiet=True)
    assert capfd.readouterr() == ("", "")


def test_progress_is_tqdm_auto_unless_quiet() -> None:
    # tqdm.auto is the notebook bar in Jupyter (with ipywidgets) and a text bar elsewhere
    from tqdm.auto import tqdm

    from zooagg.api import console

    with console(quiet=False).progress("Extracting", total=3) as bar:
        assert isinstance(bar, tqdm)
        assert bar.delay == 1.0  # shown only for steps that take over a second
    with console(quiet=True).progress("Extracting", total=3) as bar:
        assert not isinstance(bar, tqdm)


def test_without_pandas_results_are_arrow_tables(tmp_path: Path) -> None:
    import subprocess
    import sys

    # a fresh interpreter in which `import pandas` fails as if it were not installed
    code = ("import sys\n"
            "class NoPandas:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] == 'pandas':\n"
            "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
            "sys.meta_path.insert(0, NoPandas())\n"
            "import zooagg\n"
            f"p = zooagg.run_project({str(SLSN / 'cls_export.csv')!r}, directory={str(tmp_path)!r}, quiet=True)\n"
            "t = p.reductions(10)['question_reducer_reductions']\n"
            "print(type(t).__module__, t.schema.field('data.no').type, t.column('data.no').to_pylist())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # "No" votes by subject and task (T0, T1), read by hand from cls_export.csv: 105 No/-,
    # 106 No/-, 109 Yes/No, 114 Yes/Yes, 126 Yes/No, 128 No/-, 131 No/-
    assert out == "pyarrow.lib int64 [1, None, 1, None, None, 1, None, None, None, 1, 1, None, 1, None]\n"


def _cli_text(value: object) -> str:
    """A frame cell as the consensus CSV writes it (csv.writer: str(), empty for no value)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def test_consensus_table_is_the_one_zooagg_run_writes(tmp_path: Path) -> None:
    assert main(["run", str(SLSN / "cls_export.csv"), str(SLSN / "wf_export.csv"), "-d", str(tmp_path), "-hb"]) == 0
    written = pd.read_csv(tmp_path / "workflow_10" / "consensus_workflow_10.csv", dtype=str, keep_default_na=False)
    table = zooagg.consensus_table(tmp_path, 10)  # the run's folder, opened as a Project
    assert list(table.columns) == list(written.columns)
    for column in written.columns:
        assert [_cli_text(v) for v in table[column].tolist()] == written[column].tolist(), column
    # read by hand from cls_export.csv: 96588114 answered Yes to both questions
    row = table[table.subject_id == 96588114].iloc[0]
    assert (row["T0_answer"], row["T0_votes"], row["T1_answer"], row["classifications"]) == ("Yes", 1, "Yes", 1)


def test_consensus_table_needs_one_workflow(tmp_path: Path) -> None:
    project = zooagg.run_project(SLSN / "cls_export.csv", directory=tmp_path, quiet=True)
    with pytest.raises(zooagg.InputError, match="this run has no workflow 11"):
        zooagg.consensus_table(project, 11)
    assert len(zooagg.consensus_table(project)) == 7  # its one workflow: 7 subjects
