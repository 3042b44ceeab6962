"""Notes from Nature: the facts its Field Book shows a volunteer about each classification.

`nfn_extractor` answers, per classification: the project's `workflow` name (as configured);
the `decade` of the specimen's collection year; its `country` and `state`; the time of day the
volunteer worked (`time`: earlybird 03-09, lunchbreak 09-15, dinnertime 15-21, else nightowl,
from `created_at` plus the browser's `metadata.utc_offset` seconds, as panoptes_aggregation
5.3.1 adds it); whether it was made on Earth Day (22 April, `earth_day: true`); and the
WeDigBio event it counts for (`we_dig_bio`: the event's year, `WEDIGBIO_EVENTS`). A key whose
answer is unknown is left out.

`year`, `country` and `state` name where each answer is: a subject metadata field of that
name (any case) wins; otherwise the parameter is a task id, and the answer is that task's
value (a dropdown's first selected value; tasks inside a combo task count too).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ..errors import ExtractError, Where
from ..registry import Param, extractor
from . import subject_metadata

#: WeDigBio events, (first day, last day) inclusive, by the date of `created_at` (UTC)
WEDIGBIO_EVENTS = (
    (date(2020, 10, 15), date(2020, 10, 18)), (date(2021, 4, 8), date(2021, 4, 11)),
    (date(2021, 10, 14), date(2021, 10, 17)), (date(2022, 4, 7), date(2022, 4, 10)),
    (date(2022, 10, 13), date(2022, 10, 16)), (date(2023, 4, 13), date(2023, 4, 16)),
    (date(2023, 10, 12), date(2023, 10, 15)), (date(2024, 4, 18), date(2024, 4, 21)),
    (date(2024, 10, 10), date(2024, 10, 13)), (date(2025, 4, 10), date(2025, 4, 13)),
    (date(2025, 10, 9), date(2025, 10, 12)),
)
#: (first hour, name) of each part of the day, from the latest
DAY_PARTS = ((21, "nightowl"), (15, "dinnertime"), (9, "lunchbreak"), (3, "earlybird"), (0, "nightowl"))

NFN_PARAMS = {
    "workflow": Param(str, None, "the workflow's name, copied into every extract"),
    "year": Param(str, None, "the collection year: a subject metadata field, else the task id that asks it"),
    "country": Param(str, None, "the country: a subject metadata field, else the task id that asks it"),
    "state": Param(str, None, "the state: a subject metadata field, else the task id that asks it"),
}


def _answers(annotations: list[dict[str, Any]]) -> dict[str, Any]:
    """task id -> value, the tasks inside combo tasks included (a later one wins)."""
    found: dict[str, Any] = {}
    for annotation in annotations:
        value = annotation.get("value")
        found[str(annotation.get("task"))] = value
        if isinstance(value, list | dict):
            for inner in value:
                if isinstance(inner, dict) and "task" in inner:
                    found[str(inner["task"])] = inner.get("value")
    return found


def _answer(label: str, where: str | None, subject: dict[str, Any], answers: dict[str, Any]) -> Any:
    if label in subject:
        return subject[label]
    if where is None or where not in answers:
        return None
    value = answers[where]
    if isinstance(value, str) or not isinstance(value, list):
        return value
    if value and isinstance(value[0], dict):  # a dropdown: its first select's value
        return value[0].get("value")
    return value if value else None


def _decade(year: Any) -> str | None:
    text = str(year) if year else ""
    return f"{text[-2]}0s" if len(text) == 4 else None


def _moment(created_at: str) -> datetime:
    """An export's `2019-01-14 19:28:13 UTC` or Caesar's `2019-01-14T19:28:13.667Z`, as written (UTC)."""
    text = created_at.strip().removesuffix(" UTC").replace("Z", "+00:00").replace(" ", "T", 1)
    return datetime.fromisoformat(text)


def _day_part(moment: datetime) -> str:
    return next(name for start, name in DAY_PARTS if moment.hour >= start)


@extractor("nfn_extractor", params=NFN_PARAMS, wants=("subject_data",))
def nfn_extractor(annotations: list[dict[str, Any]], classification: Any = None, *, workflow: str | None = None,
                  year: str | None = None, country: str | None = None, state: str | None = None) -> dict[str, Any]:
    """Notes from Nature's Field Book facts: workflow, decade, country, state, time of day, Earth Day, WeDigBio."""
    if not annotations:
        return {}
    metadata = {str(k).lower(): v for k, v in (getattr(classification, "metadata", None) or {}).items()}
    created_at = str(getattr(classification, "created_at", "") or "")
    try:
        moment = _moment(created_at)
    except ValueError:
        raise ExtractError(f"created_at {created_at!r} is not a date and time",
                           hint="nfn_extractor reads the time of day from created_at",
                           where=Where(column="created_at", value=created_at)) from None
    try:
        offset = int(metadata["utc_offset"])
    except (KeyError, ValueError, TypeError):
        raise ExtractError("metadata has no whole-number utc_offset",
                           hint="the time of day is created_at plus the browser's utc_offset (seconds); "
                                "classifications from Panoptes' front ends have it",
                           where=Where(column="metadata", value=metadata.get("utc_offset"))) from None
    subject = {str(k).lower(): v for k, v in subject_metadata(classification).items()}
    answers = _answers(annotations)
    out: dict[str, Any] = {
        "workflow": workflow,
        "decade": _decade(_answer("year", year, subject, answers)) if year is not None else None,
        "country": _answer("country", country, subject, answers) if country is not None else None,
        "state": _answer("state", state, subject, answers) if state is not None else None,
        "time": _day_part(moment + timedelta(seconds=offset)),
        "earth_day": True if (moment.month, moment.day) == (4, 22) else None,
        "we_dig_bio": next((first.year for first, last in WEDIGBIO_EVENTS if first <= moment.date() <= last), None),
    }
    return {k: v for k, v in out.items() if v is not None}

