"""Parameter values that cannot be meant are refused in one place (registry.Param), so the
config files, `-k`, the Caesar routes and live parameter changes all refuse them alike, with
the peer's refusals (scikit-learn's) as the floor: eps negative, zero, NaN or infinite;
min_samples below 1; a bool for a number (`eps: true` is not 1.0); "maybe" for a bool."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import DATA, write_yaml

from zooagg import registry
from zooagg.errors import ConfigError

WORKFLOWS = DATA / "slsn_wf_export.csv"
SLSN = DATA / "slsn_cls_export.csv"
DBSCAN_REDUCERS = ["point_reducer_dbscan", "shape_reducer_dbscan", "polygon_reducer", "tess_reducer_column"]


def every_param() -> list[tuple[registry.Kind, str, str]]:
    return [(kind, name, key) for kind in registry.KINDS for name, component in registry.components(kind).items()
            for key in component.all_params]


@pytest.mark.parametrize(("kind", "name", "key"), every_param())
def test_every_default_passes_its_own_check(kind: registry.Kind, name: str, key: str) -> None:
    param = registry.get(kind, name).all_params[key]
    if param.default is not None:
        assert param.parse(key, param.default, name) == param.default


@pytest.mark.parametrize("name", DBSCAN_REDUCERS)
@pytest.mark.parametrize("eps", [-5, 0, 0.0, "-5", float("nan"), "nan", float("inf"), "inf", True, False, "true"])
def test_dbscan_eps_that_cannot_be_meant_is_refused(name: str, eps: object) -> None:
    component = registry.get("reducer", name)
    with pytest.raises(ConfigError, match=r"parameter 'eps' must be"):
        component.parse_params({"eps": eps})


@pytest.mark.parametrize("name", DBSCAN_REDUCERS)
@pytest.mark.parametrize("min_samples", [-1, 0, "-3", 2.5, True, "many"])
def test_dbscan_min_samples_below_one_is_refused(name: str, min_samples: object) -> None:
    with pytest.raises(ConfigError, match=r"parameter 'min_samples' must be"):
        registry.get("reducer", name).parse_params({"min_samples": min_samples})


@pytest.mark.parametrize(("name", "key", "value"), [
    ("point_reducer_hdbscan", "min_cluster_size", 1), ("point_reducer_hdbscan", "min_samples", 0),
    ("shape_reducer_hdbscan", "min_cluster_size", -3), ("shape_reducer_optics", "min_samples", 1),
    ("shape_reducer_optics", "xi", 2), ("poly_line_text_reducer", "eps_line", -40),
    ("poly_line_text_reducer", "eps_slope", float("nan")), ("question_reducer", "track_user_ids", "maybe"),
    ("question_reducer", "pairs", 2), ("question_reducer", "pairs", 0.5),
])
def test_the_peers_refusals_are_the_floor(name: str, key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=rf"parameter '{key}' must be"):
        registry.get("reducer", name).parse_params({key: value})


@pytest.mark.parametrize(("raw", "value"), [(7.5, 7.5), ("7.5", 7.5), (3, 3.0), ("1e-3", 0.001)])
def test_meant_eps_values_are_taken(raw: object, value: float) -> None:
    parsed = registry.get("reducer", "point_reducer_dbscan").parse_params({"eps": raw})["eps"]
    assert math.isclose(parsed, value)


@pytest.mark.parametrize(("raw", "value"), [(True, True), ("false", False), (1, True), (0, False), ("yes", True)])
def test_meant_bools_are_taken(raw: object, value: bool) -> None:
    assert registry.get("reducer", "question_reducer").parse_params({"track_user_ids": raw}) == {
        "track_user_ids": value}


def test_a_reducer_config_with_negative_eps_is_refused(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    point_reducer_dbscan:\n        eps: -5\n")
    extracts = tmp_path / "x.csv"
    extracts.write_text("classification_id,user_name,user_id,workflow_id,task,created_at,subject_id,extractor,"
                        "data.frame0.T0_tool0_x,data.frame0.T0_tool0_y\n1,a,1,10,T0,2024,5,point_extractor_by_frame,"
                        "[1.0],[2.0]\n", encoding="utf-8")
    result = run_cli(["reduce", extracts, config, "-hb"], tmp_path)
    assert result.code == 2, result.err
    assert "point_reducer_dbscan: parameter 'eps' must be more than 0 (finite, float), got -5" in result.err
    assert not list(tmp_path.glob("*_reductions.csv"))


def test_k_with_a_bool_that_is_not_one_is_refused_before_a_config_is_written(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(["config", WORKFLOWS, "10", "-k", '{"T0": {"track_user_ids": "maybe"}}'], tmp_path)
    assert result.code == 2, result.err
    assert "question_reducer: parameter 'track_user_ids' must be bool, got 'maybe'" in result.err
    assert list(tmp_path.glob("*.yaml")) == []


def test_a_whole_number_over_64_bits_is_refused() -> None:
    """Found by the fuzzer: min_word_count=1.7e31 reached the answer, which JSON cannot carry."""
    with pytest.raises(ConfigError, match=r"parameter 'min_word_count' must be int"):
        registry.get("reducer", "poly_line_text_reducer").parse_params({"min_word_count": 17279095770112276348097066434560})
