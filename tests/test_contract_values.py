"""The contract tests' typical inputs (tests/test_contract.py) with their exact answers: every
registered extractor on its typical annotation and every reducer on one typical extract must
give these values, not just an answer of the right type. Recorded from zooagg when written and
read through by hand (the encodings are the peer's; the golden tests compare whole files with
the peer's). A component added later is checked here once its answer is added to the tables."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_contract import (
    EXTRACTORS,
    REDUCERS,
    TYPICAL_ANNOTATIONS,
    TYPICAL_CLASSIFICATIONS,
    _typical_extract,
    _wants,
)

from zooagg.exports.marks import normalise_annotation

EXTRACTS: dict[str, Any] = {
    "all_tasks_empty_extractor": {"result": True},
    "bezier_extractor": {
        "frame0": {
            "T0_tool0_pathX": [
                [
                    0.0,
                    0.44444444444444464,
                    0.8888888888888893,
                    1.3333333333333335,
                    1.7777777777777777,
                    2.2222222222222223,
                    2.666666666666667,
                    3.111111111111111,
                    3.5555555555555554,
                    4.0,
                ]
            ],
            "T0_tool0_pathY": [
                [
                    0.0,
                    0.3950617283950619,
                    0.6913580246913582,
                    0.888888888888889,
                    0.9876543209876543,
                    0.9876543209876543,
                    0.888888888888889,
                    0.691358024691358,
                    0.3950617283950617,
                    0.0,
                ]
            ],
        }
    },
    "dropdown_extractor": {"value": [{"red": 1}]},
    "highlighter_extractor": {"start": [0], "end": [5], "text": ["Hello"], "label": ["Person"]},
    "i2a_extractor": {
        "galaxy_id": "1237",
        "url": "http://sdss",
        "RA": "121.6",
        "dec": "17.4",
        "dist": 480.88235294117646,
        "redshift": 0.11460510374670857,
        "velocity": 34381.531124012574,
        "lambdacen": 438.45220966084275,
    },
    "line_text_extractor": {
        "frame0": {
            "points": {"x": [[10, 210]], "y": [[100, 102]]},
            "text": [["the cat sat"]],
            "slope": [0.5729386976834859],
            "gold_standard": False,
        }
    },
    "nfn_extractor": {"workflow": "herbarium", "decade": "70s", "time": "dinnertime"},
    "pluck_and_split_extractor": {"data": "Yes"},
    "point_extractor": {"T0_tool0_x": [1.5], "T0_tool0_y": [2.5]},
    "point_extractor_by_frame": {"frame0": {"T0_tool0_x": [1.5], "T0_tool0_y": [2.5]}},
    "poly_line_text_extractor": {
        "frame0": {"points": {"x": [], "y": []}, "text": [], "slope": [], "gold_standard": False}
    },
    "polygon_extractor": {
        "frame0": {"T0_tool0_pathX": [[0, 4, 4]], "T0_tool0_pathY": [[0, 0, 3]], "gold_standard": False}
    },
    "question_extractor": {"yes": 1},
    "rectangle_extractor": {
        "frame0": {"T0_tool0_x": [1.0], "T0_tool0_y": [2.0], "T0_tool0_width": [3.0], "T0_tool0_height": [4.0]}
    },
    "shape_extractor": {
        "frame0": {"T0_tool0_x": [1.0], "T0_tool0_y": [2.0], "T0_tool0_width": [3.0], "T0_tool0_height": [4.0]}
    },
    "shape_extractor:column": {"frame0": {"T0_tool0_x": [1.0], "T0_tool0_width": [3.0]}},
    "shape_extractor:temporalPoint": {
        "frame0": {"T0_tool0_x": [1.0], "T0_tool0_y": [2.0], "T0_tool0_displayTime": [0.5]}
    },
    "shortcut_extractor": {"nothing-here": 1},
    "slider_extractor": {"slider_value": "0.5"},
    "survey_extractor": [{"choice": "lion", "answers_howmany": {"2": 1}, "answers_doing": {"eating": 1}}],
    "sw_extractor": {
        "frame0": {
            "points": {"x": [[10, 210]], "y": [[100, 102]]},
            "text": [["the <sl>cat</sl> sat"]],
            "slope": [0.5729386976834859],
            "gold_standard": False,
        }
    },
    "sw_graphic_extractor": {
        "frame0": {
            "tool0_tag": ["<graphic>seal</graphic>"],
            "tool0_x": [1.0],
            "tool0_y": [2.0],
            "tool0_width": [3.0],
            "tool0_height": [4.0],
        }
    },
    "sw_variant_extractor": {"variants": ["ye"]},
    "text_extractor": {"text": "The quick brown fox", "gold_standard": False},
}
REDUCTIONS: dict[str, Any] = {
    "dropdown_reducer": {"value": [{"red": 1}]},
    "first_n_false_reducer": {"result": False},
    "first_n_true_reducer": {"result": True},
    "highlighter_reducer": {
        "spans_start": [0],
        "spans_end": [5],
        "spans_text": ["Hello"],
        "spans_label": ["Person"],
        "spans_votes": [1],
        "spans_max_votes": [1],
        "number_views": 1,
    },
    "optics_line_text_reducer": {
        "frame0": [
            {
                "clusters_x": [10, 210],
                "clusters_y": [100, 102],
                "clusters_text": [["the"], ["cat"], ["sat"]],
                "number_views": 1,
                "line_slope": 0.573,
                "consensus_score": 1.0,
                "consensus_text": "the cat sat",
                "user_ids": [7],
                "extract_index": [0],
                "gold_standard": [False],
                "low_consensus": True,
                "flagged": True,
                "slope_label": 0,
                "gutter_label": 0,
            }
        ],
        "low_consensus_lines": 1,
        "transcribed_lines": 1,
        "reducer": "optics_line_text_reducer",
        "parameters": {
            "min_samples": "auto",
            "max_eps": None,
            "xi": 0.15,
            "angle_eps": 30.0,
            "gutter_eps": 300.0,
            "low_consensus_threshold": 3.0,
            "minimum_views": 5,
            "min_line_length": 0.0,
        },
    },
    "point_reducer": {"T0_tool0_points_x": [1.5], "T0_tool0_points_y": [2.5], "T0_tool0_cluster_labels": [-1]},
    "point_reducer_dbscan": {
        "frame0": {"T0_tool0_points_x": [1.5], "T0_tool0_points_y": [2.5], "T0_tool0_cluster_labels": [-1]}
    },
    "point_reducer_hdbscan": {
        "frame0": {
            "T0_tool0_points_x": [1.5],
            "T0_tool0_points_y": [2.5],
            "T0_tool0_cluster_labels": [-1],
            "T0_tool0_cluster_probabilities": [0],
        }
    },
    "poly_line_text_reducer": {
        "frame0": [
            {
                "clusters_x": [10.0, 210.0],
                "clusters_y": [100.0, 102.0],
                "clusters_text": [["the"], ["cat"], ["sat"]],
                "number_views": 1,
                "consensus_score": 1.0,
                "consensus_text": "the cat sat",
                "line_slope": 0.5729386976834859,
                "slope_label": 0,
                "gutter_label": 0,
                "gold_standard": [False],
                "extract_index": [0],
                "user_ids": [7],
                "low_consensus": True,
                "flagged": True,
            }
        ],
        "low_consensus_lines": 1,
        "transcribed_lines": 1,
        "reducer": "poly_line_text_reducer",
        "parameters": {
            "eps_slope": 25.0,
            "eps_line": 40.0,
            "eps_word": 40.0,
            "gutter_tol": 0.0,
            "min_word_count": 1,
            "dot_freq": "line",
            "min_samples": 1,
            "low_consensus_threshold": 3,
            "minimum_views": 5,
            "process_by_line": False,
        },
    },
    "polygon_reducer": {
        "frame0": {"T0_tool0_cluster_labels": [-1]},
        "parameters": {
            "min_samples": 2,
            "eps": 0.5,
            "average_type": "median",
            "collab": False,
            "step_key": "S0",
            "task_index": 0,
            "tool_type": "freehandLine",
            "min_threshold": 0,
        },
    },
    "polygon_reducer_contours": [
        {"frame0": {"T0_tool0_cluster_labels": [-1]}, "parameters": {"min_samples": 2, "eps": 0.5}}
    ],
    "question_consensus_reducer": {"most_likely": "yes", "num_votes": 1, "agreement": 1.0},
    "question_reducer": {"yes": 1},
    "rectangle_reducer": {
        "frame0": {
            "T0_tool0_rec_x": [1.0],
            "T0_tool0_rec_y": [2.0],
            "T0_tool0_rec_width": [3.0],
            "T0_tool0_rec_height": [4.0],
            "T0_tool0_cluster_labels": [-1],
        }
    },
    "shape_reducer_dbscan": {
        "frame0": {
            "T0_tool0_rectangle_x": [1.0],
            "T0_tool0_rectangle_y": [2.0],
            "T0_tool0_rectangle_width": [3.0],
            "T0_tool0_rectangle_height": [4.0],
            "T0_tool0_cluster_labels": [-1],
        }
    },
    "shape_reducer_hdbscan": {
        "frame0": {
            "T0_tool0_rectangle_x": [1.0],
            "T0_tool0_rectangle_y": [2.0],
            "T0_tool0_rectangle_width": [3.0],
            "T0_tool0_rectangle_height": [4.0],
            "T0_tool0_cluster_labels": [-1],
            "T0_tool0_cluster_probabilities": [0],
        }
    },
    "shape_reducer_optics": {
        "frame0": {
            "T0_tool0_rectangle_x": [1.0],
            "T0_tool0_rectangle_y": [2.0],
            "T0_tool0_rectangle_width": [3.0],
            "T0_tool0_rectangle_height": [4.0],
            "T0_tool0_cluster_labels": [-1],
        }
    },
    "shortcut_reducer": {"nothing-here": 1},
    "slider_reducer": {"slider_mean": 0.5, "slider_median": 0.5, "slider_var": 0.0},
    "subject_difficulty_reducer": {"difficulty": [1.0]},
    "survey_reducer": [
        {
            "choice": "lion",
            "total_vote_count": 1,
            "choice_count": 1,
            "answers_howmany": {"2": 1},
            "answers_doing": {"eating": 1},
        }
    ],
    "sw_variant_reducer": {"variants": ["ye"]},
    "temporal_point_reducer_dbscan": {
        "frame0": {
            "T0_tool0_points_x": [1.0],
            "T0_tool0_points_y": [2.0],
            "T0_tool0_points_displayTime": [0.5],
            "T0_tool0_cluster_labels": [-1],
        }
    },
    "temporal_point_reducer_hdbscan": {
        "frame0": {
            "T0_tool0_points_x": [1.0],
            "T0_tool0_points_y": [2.0],
            "T0_tool0_points_displayTime": [0.5],
            "T0_tool0_cluster_labels": [-1],
            "T0_tool0_cluster_probabilities": [0],
        }
    },
    "tess_gold_standard_reducer": {"difficulty": [1.0, 0.0]},
    "tess_reducer_column": {
        "centers": [1.0],
        "widths": [3.0],
        "counts": [1],
        "weighted_counts": [1.0],
        "user_ids": [[7]],
        "max_weighted_count": 1.0,
    },
    "text_reducer": {
        "aligned_text": [["The"], ["quick"], ["brown"], ["fox"]],
        "number_views": 1,
        "consensus_score": 1.0,
        "consensus_text": "The quick brown fox",
        "gold_standard": [False],
        "user_ids": [7],
    },
    "user_skill_reducer": {
        "classes": ["True", "False"],
        "confusion_simple": [[1, 0], [0, 0]],
        "weighted_skill": {"True": 0.9999999999999996, "False": 0.0},
        "skill": {"True": 1.0, "False": 0.0},
        "count": {"True": 1, "False": 0},
        "mean_skill": 0.9999999999999996,
        "level_up": False,
    },
}


@pytest.mark.parametrize("key", sorted(EXTRACTS))
def test_extractor_gives_its_known_extract(key: str) -> None:
    name = key.split(":")[0]
    annotations, params = TYPICAL_ANNOTATIONS[key]
    result = EXTRACTORS[name].func(
        [normalise_annotation(json.loads(json.dumps(a))) for a in annotations],
        TYPICAL_CLASSIFICATIONS.get(name),
        **params,
    )
    assert json.loads(json.dumps(result)) == EXTRACTS[key]


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reducer_gives_its_known_reduction(name: str) -> None:
    component = REDUCERS[name]
    extract, params = _typical_extract(name)
    result = component.func([extract], **params, **_wants(component, 1))
    assert json.loads(json.dumps(result, default=float)) == REDUCTIONS[name]


def test_the_known_answers_cover_the_components_registered_when_they_were_written() -> None:
    assert len(EXTRACTS) >= 20
    assert len(REDUCTIONS) >= 27
