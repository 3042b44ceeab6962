"""Export readers: every quirk seen in real exports (tests/data/README.md says where each file is from)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import (
    DATA,
    Result,
    RunCli,
    classification_row,
    read_header,
    read_rows,
    write_export,
    write_yaml,
)

from zooagg.configure.workflow import (
    ComboTask,
    DrawingTask,
    DropdownTask,
    HighlighterTask,
    SliderTask,
    SurveyTask,
    Task,
    parse_tasks,
)
from zooagg.errors import RowError
from zooagg.exports import ClassificationReader, VersionRange, read_workflows
from zooagg.exports.classifications import Classification
from zooagg.exports.csvio import decode
from zooagg.exports.marks import normalise_annotation
from zooagg.exports.workflows import select_versions


def read_all(path: Path, workflow_id: int | None = None, versions: VersionRange | None = None) -> list[Classification]:
    items = list(ClassificationReader(path, workflow_id, versions))
    assert not [i for i in items if isinstance(i, RowError)]
    return [i for i in items if isinstance(i, Classification)]


def extract(run_cli: RunCli, tmp_path: Path, export: Path, config: str, *extra: str) -> Result:
    cfg = write_yaml(tmp_path / "extractor.yaml", config)
    result = run_cli(["extract", export, cfg, "-d", tmp_path / "out", "-hb", *extra])
    assert result.code == 0, result.err
    return result


QUESTION_371 = """extractor_config:
    question_extractor:
    -   task: T5
    -   task: T2
workflow_id: 371
workflow_version: '160.317'
"""

QUESTION_2030 = """extractor_config:
    question_extractor:
    -   task: T0
workflow_id: 2030
workflow_version: {version}
"""


# ---- CRLF, null values, anonymous users ---------------------------------------------------

def test_crlf_file_is_really_crlf_and_reads_clean() -> None:
    raw = (DATA / "fossil_crlf.csv").read_bytes()
    assert raw.count(b"\r\n") == 5  # header + 4 rows
    rows = read_all(DATA / "fossil_crlf.csv")
    assert [r.classification_id for r in rows] == ["2341107", "2425104", "2458933", "2478696"]
    # the last column must not keep the \r of the line ending
    assert [r.subject_ids for r in rows] == ["907812", "704730", "702197", "910799"]
    assert rows[0].annotations == [{
        "task": "T5",
        "task_label": "Is the image good enough to study?\n*not all the pictures are awesome, tell us why*",
        "value": "Too Blurry",
    }]


def test_crlf_extract_and_null_value_gives_none_key(run_cli: RunCli, tmp_path: Path) -> None:
    extract(run_cli, tmp_path, DATA / "fossil_crlf.csv", QUESTION_371)
    path = tmp_path / "out" / "question_extractor_extractions.csv"
    assert b"\r" not in path.read_bytes()
    # the peer's header, column for column (value null -> key "None")
    assert read_header(path) == [
        "classification_id", "user_name", "user_id", "workflow_id", "task", "created_at", "subject_id",
        "extractor", "data.too-blurry", "data.aggregation_version", "data.ok-to-study", "data.20-60",
        "data.60-100", "data.None",
    ]
    rows = read_rows(path)
    assert [(r["classification_id"], r["task"]) for r in rows] == [
        ("2341107", "T5"), ("2341107", "T2"), ("2425104", "T5"), ("2425104", "T2"),
        ("2458933", "T5"), ("2458933", "T2"), ("2478696", "T5"), ("2478696", "T2"),
    ]
    null_row = rows[6]
    assert null_row["data.None"] == "1.0"
    assert null_row["data.ok-to-study"] == ""
    # anonymous rows make the peer's pandas write user_id as float
    assert [r["user_id"] for r in rows[::2]] == ["", "", "1365766.0", ""]
    assert rows[5]["data.60-100"] == "1.0"


# ---- latin-1 bytes ------------------------------------------------------------------------

def test_latin1_bytes_are_decoded() -> None:
    raw = (DATA / "camcat_latin1.csv").read_bytes()
    assert b"Get Started \xe4\xf3\xf1 Angola" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert decode(b"Get Started \xe4\xf3\xf1 Angola") == ("Get Started äóñ Angola", True)
    assert decode("Zoë".encode()) == ("Zoë", False)
    reader = ClassificationReader(DATA / "camcat_latin1.csv")
    rows = list(reader)
    assert [r.classification_id for r in rows if isinstance(r, Classification)] == ["23492245", "23492246"]
    assert reader.stats.latin1_rows == ["23492245", "23492246"]


def test_latin1_warning_names_classification_ids(run_cli: RunCli, tmp_path: Path) -> None:
    config = """extractor_config:
    survey_extractor:
    -   task: T0
workflow_id: 2672
workflow_version: '325.7'
"""
    result = extract(run_cli, tmp_path, DATA / "camcat_latin1.csv", config)
    warnings = [line for line in result.err_lines if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "2 row(s)" in warnings[0]
    assert "not UTF-8" in warnings[0]
    assert "classification_id 23492245, 23492246" in warnings[0]
    rows = read_rows(tmp_path / "out" / "survey_extractor_extractions.csv")
    assert [(r["classification_id"], r["user_id"], r["data.choice"]) for r in rows] == [
        ("23492245", "4416", "nthnghr"), ("23492246", "1551354", "nthnghr"),
    ]


# ---- R write-back -------------------------------------------------------------------------

def test_r_writeback_quoting_and_na() -> None:
    raw = (DATA / "kenya_r.csv").read_bytes()
    assert raw.startswith(b'"classification_id","user_name","user_id"')
    assert b'17800428,"not-logged-in-79693b580bb518e6385b",NA,"79693b580bb518e6385b",2030,' in raw
    rows = read_all(DATA / "kenya_r.csv")
    assert [r.user_id for r in rows] == ["1475404"] * 4 + ["", ""] + ["1475404"]
    assert rows[4].user_name == "not-logged-in-79693b580bb518e6385b"
    assert all(r.gold_standard is False for r in rows)  # "NA"
    assert rows[0].annotations[0] == {"task": "T0", "task_label": rows[0].annotations[0]["task_label"],
                                      "value": ["1"]}


def test_r_writeback_extract_user_id_float_and_empty(run_cli: RunCli, tmp_path: Path) -> None:
    extract(run_cli, tmp_path, DATA / "kenya_r.csv", QUESTION_2030.format(version="{min: '27'}"))
    rows = read_rows(tmp_path / "out" / "question_extractor_extractions.csv")
    assert [r["user_id"] for r in rows] == ["1475404.0"] * 4 + ["", ""] + ["1475404.0"]
    assert [(r["data.1"], r["data.2"]) for r in rows] == [
        ("1.0", ""), ("1.0", ""), ("1.0", ""), ("", "1.0"), ("", "1.0"), ("", "1.0"), ("1.0", ""),
    ]


def test_unnamed_leading_column_is_ignored(run_cli: RunCli, tmp_path: Path) -> None:
    assert (DATA / "kenya_r_rownames.csv").read_bytes().startswith(b'"","classification_id"')
    plain = read_all(DATA / "kenya_r.csv")
    numbered = read_all(DATA / "kenya_r_rownames.csv")
    assert [(r.classification_id, r.user_id, r.annotations) for r in numbered] == \
        [(r.classification_id, r.user_id, r.annotations) for r in plain]
    config = QUESTION_2030.format(version="{min: '27'}")
    for sub, export in (("a", "kenya_r.csv"), ("b", "kenya_r_rownames.csv")):
        (tmp_path / sub).mkdir()
        extract(run_cli, tmp_path / sub, DATA / export, config)
    name = "question_extractor_extractions.csv"
    assert (tmp_path / "a" / "out" / name).read_bytes() == (tmp_path / "b" / "out" / name).read_bytes()


# ---- user_id as 3958.0, expanded files, extra columns ---------------------------------------

def test_user_id_written_with_dot_zero(run_cli: RunCli, tmp_path: Path) -> None:
    export = write_export(tmp_path / "c.csv", [
        classification_row(1, [{"task": "T0", "value": "Yes"}], user_id="3958.0", user_name="ann"),
        classification_row(2, [{"task": "T0", "value": "No"}], user_id="17.0", user_name="bo"),
    ])
    assert [r.user_id for r in read_all(export)] == ["3958", "17"]
    extract(run_cli, tmp_path, export, "extractor_config: {question_extractor: [{task: T0}]}\n"
            "workflow_id: 1\nworkflow_version: '1.1'\n")
    rows = read_rows(tmp_path / "out" / "question_extractor_extractions.csv")
    assert [r["user_id"] for r in rows] == ["3958.0", "17.0"]


def test_integer_user_ids_stay_integers(run_cli: RunCli, tmp_path: Path) -> None:
    export = write_export(tmp_path / "c.csv", [
        classification_row(1, [{"task": "T0", "value": "Yes"}], user_id="3958"),
    ])
    extract(run_cli, tmp_path, export, "extractor_config: {question_extractor: [{task: T0}]}\n"
            "workflow_id: 1\nworkflow_version: '1.1'\n")
    assert read_rows(tmp_path / "out" / "question_extractor_extractions.csv")[0]["user_id"] == "3958"


def test_expanded_file_with_extended_user_id_and_extra_columns() -> None:
    header = read_header(DATA / "nfn_expanded.csv")
    assert header[0] == "extended_user_id"
    assert "user_name" not in header
    assert "user_id" not in header
    assert header.index("subject_ids") == 11
    assert len(header) == 12 + 37
    rows = read_all(DATA / "nfn_expanded.csv", 1931)
    assert [(r.classification_id, r.user_name, r.user_id) for r in rows] == [
        ("12762897", "not-logged-in-5ba0ca17cf511d6cc1c0", ""),
        ("12763030", "not-logged-in-5ba0ca17cf511d6cc1c0", ""),
        ("12764329", "3958.0", "3958"),
    ]
    assert [r.subject_ids for r in rows] == ["2060571", "2060430", "2060571"]
    assert rows[0].annotations[0]["task"] == "T1"
    assert [v["value"] for v in rows[0].annotations[0]["value"]] == ["840", "FL", "9a25cac0968fa"]


def test_expanded_file_extracts(run_cli: RunCli, tmp_path: Path) -> None:
    extract(run_cli, tmp_path, DATA / "nfn_expanded.csv",
            "extractor_config: {dropdown_extractor: [{task: T1}]}\nworkflow_id: 1931\nworkflow_version: '1.17'\n")
    rows = read_rows(tmp_path / "out" / "dropdown_extractor_extractions.csv")
    assert [(r["classification_id"], r["user_name"], r["subject_id"]) for r in rows] == [
        ("12762897", "not-logged-in-5ba0ca17cf511d6cc1c0", "2060571"),
        ("12763030", "not-logged-in-5ba0ca17cf511d6cc1c0", "2060430"),
        ("12764329", "3958.0", "2060571"),
    ]
    # anonymous rows and a float-formatted id: user_id is written as float, as pandas would
    assert [r["user_id"] for r in rows] == ["", "", "3958.0"]
    assert rows[1]["data.value"] == "[{'840': 1}, {'fl': 1}, {'3266c0c620199': 1}]"


# ---- drawing marks: both front ends normalised --------------------------------------------

def test_classic_marks_keep_tool_and_points() -> None:
    rows = {r.classification_id: r for r in read_all(DATA / "classic_marks.csv")}
    point = rows["67598542"].annotations[1]
    assert point["task"] == "T1"
    first = point["value"][0]
    assert (first["tool"], first["frame"], first["x"]) == (0, 0, 69.40953063964844)
    assert first["details"] == [{"value": [0]}, {"value": "0.5"}, {"value": "5"},
                                {"value": "molestiae ea, has tritani"}]
    marks = rows["68327452"].annotations[2]["value"]
    assert [m["tool"] for m in marks] == [3, 3, 3, 1, 3, 0, 3]
    polygon = marks[0]
    assert polygon["closed"] is True
    assert polygon["details"] == []
    assert polygon["frame"] == 0
    assert polygon["points"][0] == {"x": 48.36582946777344, "y": 326.1136474609375}
    x_only = marks[3]
    assert x_only["tool_label"] == "full height line"
    assert "points" not in x_only
    assert "y" not in x_only


def test_newer_front_end_marks_are_normalised() -> None:
    rows = {r.classification_id: r for r in read_all(DATA / "kitteh_fem.csv")}
    polygon = rows["613387897"].annotations[0]["value"][0]
    assert "tool" in polygon
    assert polygon["tool"] == polygon["toolIndex"] == 1
    assert polygon["toolType"] == "polygon"
    assert polygon["frame"] == 0
    assert polygon["details"] == []
    assert len(polygon["points"]) == 4
    assert polygon["points"][0] == {"x": 34.95, "y": 64.74}
    freehand, second = rows["613407390"].annotations[0]["value"]
    assert (freehand["tool"], freehand["toolType"], second["tool"]) == (0, "freehandLine", 1)
    assert len(freehand["points"]) == len(freehand["pathX"]) == 294
    assert freehand["points"][:2] == [{"x": 504.76, "y": 216.98}, {"x": 504.76, "y": 215.36}]
    assert freehand["points"][-1] == {"x": freehand["pathX"][-1], "y": freehand["pathY"][-1]}


def test_normalise_fills_frame_and_details_and_leaves_questions_alone() -> None:
    mark = {"toolIndex": 2, "toolType": "freehandLine", "details": None, "pathX": [1, 2], "pathY": [3, 4]}
    out = normalise_annotation({"task": "T0", "value": [mark]})["value"][0]
    assert (out["tool"], out["frame"], out["details"]) == (2, 0, [])
    assert out["points"] == [{"x": 1, "y": 3}, {"x": 2, "y": 4}]
    question = {"task": "T1", "value": ["Red", "Blue"]}
    assert normalise_annotation(dict(question)) == question
    survey = {"task": "T2", "value": [{"choice": "LN", "answers": {}, "filters": {}}]}
    assert normalise_annotation(json.loads(json.dumps(survey))) == survey


# ---- workflow version filtering, the peer's meaning ----------------------------------------

KENYA_VERSIONS = {  # classification_id -> workflow_version in kenya_r.csv
    "13290940": "27.36", "13323973": "33.37", "13532629": "33.38", "13542004": "33.38",
    "17800428": "34.38", "17804530": "34.38", "20167775": "34.38",
}


@pytest.mark.parametrize(("config_value", "expected"), [
    ("33.38", ["13532629", "13542004"]),  # exact
    ("33", ["13323973", "13532629", "13542004"]),  # every 33.x
    ({"min": "33.38"}, ["13532629", "13542004", "17800428", "17804530", "20167775"]),
    ({"max": "33"}, ["13290940", "13323973", "13532629", "13542004"]),  # major-only max includes 33.38
    ({"max": "33.37"}, ["13290940", "13323973"]),
    ({"min": "28", "max": "34.38"}, ["13323973", "13532629", "13542004", "17800428", "17804530", "20167775"]),
    (None, list(KENYA_VERSIONS)),
])
def test_version_ranges(config_value: str | dict[str, str] | None, expected: list[str]) -> None:
    versions = VersionRange.from_config(config_value)
    rows = read_all(DATA / "kenya_r.csv", 2030, versions)
    assert [r.classification_id for r in rows] == expected
    assert all(KENYA_VERSIONS[r.classification_id] == r.workflow_version for r in rows)


def test_minor_versions_compare_as_numbers() -> None:
    # 11.20 is minor 20 (not 11.2); 11.3 < 11.20
    assert (11, 3) in VersionRange.from_config({"max": "11.20"})
    assert (11, 20) not in VersionRange.from_config("11.2")
    # as the peer: a major-only max becomes "<= next major", so 12.0 itself is still in
    assert (11, 999) in VersionRange.from_config({"max": "11"})
    assert (12, 0) in VersionRange.from_config({"max": "11"})
    assert (12, 1) not in VersionRange.from_config({"max": "11"})


@pytest.mark.parametrize(("yaml_version", "count"), [("'33'", 3), ("'33.38'", 2), ("{max: '33'}", 4)])
def test_version_filter_through_extract(run_cli: RunCli, tmp_path: Path, yaml_version: str, count: int) -> None:
    result = extract(run_cli, tmp_path, DATA / "kenya_r.csv", QUESTION_2030.format(version=yaml_version))
    rows = read_rows(tmp_path / "out" / "question_extractor_extractions.csv")
    assert len(rows) == count
    assert f"7 rows read, {count} matched workflow 2030" in result.out


# ---- workflow exports into typed task models -----------------------------------------------

def test_slsn_workflow_export_versions_and_latest() -> None:
    rows = read_workflows(DATA / "slsn_wf_export.csv")
    assert [r.version for r in rows] == [(14, 52), (14, 53), (14, 54), (14, 55), (15, 55), (16, 55)]
    assert {r.workflow_id for r in rows} == {10}
    chosen, written = select_versions(rows, 10)
    assert (chosen.version, written) == ((16, 55), "16.55")
    chosen, written = select_versions(rows, 10, max_version="15")
    assert (chosen.version, written) == ((15, 55), {"max": "15"})
    chosen, written = select_versions(rows, 10, version="14")
    assert (chosen.version, written) == ((14, 55), "14")


def test_slsn_tasks_parse_into_questions() -> None:
    latest = read_workflows(DATA / "slsn_wf_export.csv")[-1]
    tasks = parse_tasks(latest.tasks, latest.strings)
    assert list(tasks) == ["T0", "T1"]
    t0, t1 = tasks["T0"], tasks["T1"]
    assert type(t0) is Task
    assert t0.type == "single"
    assert t0.text.startswith("**Has the lightcurve been rising for more than 20 days?**")
    assert [(a.label, a.next) for a in t0.answers] == [("Yes", "T1"), ("No", None)]
    assert t1.text == "Is the cross-hair in the image close to a faint, fuzzy galaxy?"
    assert [a.label for a in t1.answers] == ["Yes", "No"]


def test_every_task_type_parses() -> None:
    (workflow,) = read_workflows(DATA / "handmade_workflows.csv")
    assert (workflow.workflow_id, workflow.version, workflow.first_task) == (77, (3, 14), "T0")
    tasks = parse_tasks(workflow.tasks, workflow.strings)
    assert [(k, t.type) for k, t in tasks.items()] == [
        ("T0", "drawing"), ("T1", "survey"), ("T2", "dropdown"), ("T3", "slider"), ("T4", "combo"),
        ("T5", "text"), ("T6", "highlighter"), ("T7", "shortcut"), ("T8", "multiple"),
    ]
    drawing = tasks["T0"]
    assert isinstance(drawing, DrawingTask)
    assert drawing.text == "Mark the animals."
    assert [(t.index, t.type, t.label) for t in drawing.tools] == [
        (0, "point", "Head"), (1, "rectangle", "Body"), (2, "polygon", "Caption"),
    ]
    (awake,) = drawing.tools[0].details
    assert (awake.key, awake.type, awake.text) == ("T0.0.0", "single", "Is it awake?")
    assert [a.label for a in awake.answers] == ["Yes", "No"]
    assert drawing.tools[1].details == []
    assert [(d.type, d.text) for d in drawing.tools[2].details] == [("text", "Transcribe the caption.")]

    survey = tasks["T1"]
    assert isinstance(survey, SurveyTask)
    assert survey.choices == {"LN": "Lion", "ZBR": "Zebra"}
    assert survey.questions == {"HWMN": "How many?"}

    dropdown = tasks["T2"]
    assert isinstance(dropdown, DropdownTask)
    assert dropdown.text == "Pick a colour."
    assert [o["value"] for o in dropdown.selects[0]["options"]["*"]] == ["red", "blue"]

    slider = tasks["T3"]
    assert isinstance(slider, SliderTask)
    assert (slider.min, slider.max, slider.step, slider.text) == (0.0, 10.0, 0.5, "How bright is it?")

    combo = tasks["T4"]
    assert isinstance(combo, ComboTask)
    assert combo.task_keys == ["T5", "T6"]
    assert tasks["T5"].text == "Any notes?"
    highlighter = tasks["T6"]
    assert isinstance(highlighter, HighlighterTask)
    assert highlighter.labels == ["Person", "Place"]
    assert [a.label for a in tasks["T7"].answers] == ["Nothing here"]
    assert tasks["T8"].text == "Which colours?"
    assert [a.label for a in tasks["T8"].answers] == ["Red", "Blue"]
