"""panoptes_aggregation 5.3.1's own component test cases, each sent to a real `zooagg serve`.

Every test method of the peer's extractor, reducer and running reducer tests that makes a
component call is recorded in `tests/data/peer/peer_cases.json` (scripts/record_peer_cases.py)
with its request and expected answer; here each is posted to its route and judged as the
peer's test judges it (tests/peer_cases.py). The methods no HTTP call can show (internal
helpers, in-process types and warnings) are counted, with their reasons, by
`make peer-cases`, which writes bench/peer-cases.md. Cases another issue owns are expected to
fail until it lands (`PENDING`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from peer_cases import DIFFERENT, check, load_cases

CASES = [case for case in load_cases() if case["status"] == "http"]
#: case id prefix -> the open issue that owns it
PENDING: dict[str, str] = {}


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as session:
        yield session


def _marks(case: dict[str, Any]) -> list[pytest.MarkDecorator]:
    pending = next((why for prefix, why in PENDING.items() if case["id"].startswith(prefix)), None)
    return [pytest.mark.xfail(reason=pending, strict=False)] if pending else []


def test_every_applicable_method_is_recorded() -> None:
    every = load_cases()
    assert len(every) == 1177
    assert len(CASES) == 404
    assert all(case["reason"] for case in every if case["status"] == "n/a")
    assert set(DIFFERENT) <= {case["id"] for case in CASES}


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"], marks=_marks(c)) for c in CASES])
def test_peer_case_through_serve(client: httpx.Client, zooagg_serve: str, case: dict[str, Any]) -> None:
    passed, detail = check(client, zooagg_serve, case)
    assert passed, detail
