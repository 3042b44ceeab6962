"""The registry derives what `zooagg config` picks (the decorators' task_types and default_reducer)
and one description of every component for `zooagg list`, `/-/registry` and the docs."""

from __future__ import annotations

import pytest

from zooagg import registry
from zooagg.errors import ConfigError

SHAPES = ("rectangle", "circle", "column", "ellipse", "fullWidthLine", "fullHeightLine", "line",
          "rotateRectangle", "triangle", "fan")

#: the peer's config choices (panoptes_aggregation 5.3.1 workflow_config), plus zooagg's own
#: defaults for highlighter and transcription tasks, which the peer does not configure
PEER_TYPES = {
    "single": "question_extractor", "multiple": "question_extractor", "shortcut": "shortcut_extractor",
    "dropdown": "dropdown_extractor", "survey": "survey_extractor", "slider": "slider_extractor",
    "text": "text_extractor", "point": "point_extractor_by_frame",
    **dict.fromkeys(SHAPES, "shape_extractor"),
    "freehandLine": "polygon_extractor", "polygon": "polygon_extractor", "bezier": "bezier_extractor",
    "highlighter": "highlighter_extractor", "transcription": "line_text_extractor",
    # FEM types the peer's config leaves out (configure/fem.py)
    "temporalPoint": "shape_extractor", "temporalRotateRectangle": "shape_extractor",
    "graph2dRangeX": "shape_extractor", "textFromSubject": "text_extractor",
}
PEER_REDUCERS = {
    "question_extractor": "question_reducer", "shortcut_extractor": "shortcut_reducer",
    "dropdown_extractor": "dropdown_reducer", "survey_extractor": "survey_reducer",
    "point_extractor": "point_reducer", "point_extractor_by_frame": "point_reducer_dbscan",
    "rectangle_extractor": "rectangle_reducer", "line_text_extractor": "poly_line_text_reducer",
    "poly_line_text_extractor": "poly_line_text_reducer", "shape_extractor": "shape_reducer_dbscan",
    "polygon_extractor": "polygon_reducer", "bezier_extractor": "polygon_reducer",
    "slider_extractor": "slider_reducer", "text_extractor": "text_reducer",
    "all_tasks_empty_extractor": "first_n_true_reducer", "highlighter_extractor": "highlighter_reducer",
    # the plugins of zooagg.projects: the reducers the peer's config pairs with them on SW/AnnoTate workflows
    "sw_extractor": "poly_line_text_reducer", "sw_graphic_extractor": "rectangle_reducer",
    "sw_variant_extractor": "sw_variant_reducer",
}


def test_config_maps_come_from_the_decorators() -> None:
    assert registry.extractor_for_type() == PEER_TYPES
    assert registry.default_reducers() == PEER_REDUCERS


def test_every_default_reducer_is_registered() -> None:
    reducers = registry.components("reducer")
    assert set(registry.default_reducers().values()) <= set(reducers)


def test_a_task_type_has_one_default_extractor() -> None:
    with pytest.raises(ConfigError, match="gives task type 'single' to my_extractor, but question_extractor has it"):
        registry.extractor("my_extractor", task_types=("single",))(lambda annotations, classification: {})
    assert "my_extractor" not in registry.components("extractor")


def test_describe_is_what_list_and_the_docs_show() -> None:
    listing = registry.describe()
    assert list(listing) == ["extractors", "reducers", "running_reducers", "weightings"]
    shape = next(i for i in listing["extractors"] if i["name"] == "shape_extractor")
    assert shape["task_types"] == [*SHAPES, "temporalPoint", "temporalRotateRectangle", "graph2dRangeX"]
    assert shape["default_reducer"] == "shape_reducer_dbscan"
    assert shape["wrapper_params"]["recursive"] == {"type": "bool", "default": False,
                                                    "help": "one extract per annotation of the task"}
    polygon = next(i for i in listing["reducers"] if i["name"] == "polygon_reducer")
    assert polygon["task_types"] == ["bezier", "freehandLine", "polygon"]
    assert polygon["wants"] == ["created_at"]
    question = next(i for i in listing["reducers"] if i["name"] == "question_reducer")
    assert question["params"]["pairs"]["default"] is False
    assert question["summary"] == question["doc"].splitlines()[0]


def test_the_reducers_of_an_extractor_come_from_the_decorators() -> None:
    """What the live server's form offers per task: the default reducer and those that `reads` it."""
    assert registry.reducers_for("question_extractor") == ["question_consensus_reducer", "question_reducer"]
    assert registry.reducers_for("point_extractor_by_frame") == ["point_reducer_dbscan", "point_reducer_hdbscan"]
    assert registry.reducers_for("shape_extractor") == ["shape_reducer_dbscan", "shape_reducer_hdbscan",
                                                        "shape_reducer_optics"]
    assert registry.reducers_for("polygon_extractor") == ["polygon_reducer", "polygon_reducer_contours"]
    assert registry.reducers_for("line_text_extractor") == ["optics_line_text_reducer", "poly_line_text_reducer"]
    assert registry.reducers_for("slider_extractor") == ["slider_reducer"]
    assert registry.reducers_for("nfn_extractor") == []


def test_every_reducer_reads_registered_extractors() -> None:
    extractors = registry.components("extractor")
    for name, component in registry.components("reducer").items():
        assert set(component.reads) <= set(extractors), name


def test_the_form_offers_the_reducers_of_the_task_and_the_current_one() -> None:
    from zooagg.service.web_views import reducer_choices

    assert reducer_choices("shape_extractor_rectangle", "shape_reducer_dbscan") == [
        "shape_reducer_dbscan", "shape_reducer_hdbscan", "shape_reducer_optics"]
    assert reducer_choices("shortcut_extractor", "shortcut_reducer") == ["shortcut_reducer"]
    assert reducer_choices("question_extractor", "first_n_true_reducer") == [
        "first_n_true_reducer", "question_consensus_reducer", "question_reducer"]
