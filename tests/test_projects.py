"""The project plugins (zooagg.projects): registered through the entry points, and the rules
learnt by running panoptes_aggregation 5.3.1 on inputs its own tests do not cover."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from zooagg import registry
from zooagg.errors import ExtractError
from zooagg.exports.classifications import Classification
from zooagg.projects.notes_from_nature import nfn_extractor
from zooagg.projects.shakespeares_world import clean_text, sw_extractor


def test_the_project_modules_are_plugins_of_zooagg_itself() -> None:
    named = {entry.name: entry.value for entry in entry_points(group="zooagg.plugins")}
    assert named["shakespeares_world"] == "zooagg.projects.shakespeares_world"
    assert named["notes_from_nature"] == "zooagg.projects.notes_from_nature"
    assert named["intro2astro"] == "zooagg.projects.intro2astro"
    for name in ("sw_extractor", "sw_graphic_extractor", "sw_variant_extractor", "nfn_extractor", "i2a_extractor"):
        assert registry.get("extractor", name).func.__module__.startswith("zooagg.projects.")
    assert registry.get("reducer", "sw_variant_reducer").func.__module__ == "zooagg.projects.shakespeares_world"


# what the peer's sw_extractor wrote for each line (run 2026-12-03)
@pytest.mark.parametrize(("sent", "cleaned"), [
    ("a\u200bb", "ab"), (" lead and trail  ", " lead and trail  "), ("x<br/>y", "xy"), ("a&nbsp;b", "a b"),
    ("<unclear>w</unclear>", "w"), ("a\nb", "a\nb"), ("a\tb", "a\tb"), ("<xml>q</xml>", "q"), ("a\xa0b", "ab"),
    ("\u00e2\u0080\u008b", ""), ("A<BR>", "A"), ("<br>a<br>b", "ab"),
    ("<xml>stuff\n</xml>", "stuff"), ("in <sl>the</sl> Strand", "in <sl>the</sl> Strand"),
    ("<sl> </sl>Thomas", " Thomas"), ('a <b>bold</b> &amp; <sl a="1">x</sl>', 'a bold & <sl a="1">x</sl>'),
    ("<sw-del>old</sw-del><unclear>", "<sw-del>old</sw-del>"), ("x < y", "x < y"),
])
def test_line_text_is_cleaned_as_the_peer_cleans_it(sent: str, cleaned: str) -> None:
    assert clean_text(sent) == cleaned


def test_a_line_drawn_right_to_left_has_slope_180_and_a_line_without_an_end_is_left_out() -> None:
    marks = [{"type": "text", "text": "back", "startPoint": {"x": 5, "y": 0}, "endPoint": {"x": 0, "y": 0}},
             {"type": "text", "text": "no end", "startPoint": {"x": 0, "y": 0}}]
    frame = sw_extractor([{"task": "T0", "value": marks}])["frame0"]
    assert frame == {"points": {"x": [[5, 0]], "y": [[0, 0]]}, "text": [["back"]], "slope": [180.0],
                     "gold_standard": False}


def _classification(metadata: dict[str, str], created_at: str = "2019-05-22 10:28:13 UTC") -> Classification:
    return Classification(classification_id="1", user_name="ada", user_id="7", workflow_id="1",
                          workflow_version="1.1", created_at=created_at, subject_ids="9", annotations=[],
                          metadata=metadata)


def test_nfn_without_a_utc_offset_is_a_bad_row_that_says_what_is_missing() -> None:
    with pytest.raises(ExtractError, match="utc_offset") as raised:
        nfn_extractor([{"task": "T0", "value": 1976}], _classification({}), workflow="herbarium")
    assert raised.value.where.column == "metadata"
    with pytest.raises(ExtractError, match="created_at 'yesterday'"):
        nfn_extractor([{"task": "T0", "value": 1976}], _classification({"utc_offset": "0"}, "yesterday"))


def test_nfn_counts_a_wedigbio_event_by_the_date_it_was_made() -> None:
    answer = nfn_extractor([{"task": "T0", "value": 1976}], _classification({"utc_offset": "-3600"}, "2024-04-21 00:30:00 UTC"),
                           year="T0")
    assert answer == {"decade": "70s", "time": "nightowl", "we_dig_bio": 2024}
