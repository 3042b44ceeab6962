"""Live SWAP (issue 16, docs/weighting.md), on SQLite and PostgreSQL: the team turns SWAP on
for the yes/no task through the parameters API; classifications posted one by one each append
a decision to the kept history; the history equals `zooagg weight -m swap` over the same
classifications in the same order, value for value; a duplicate delivery changes nothing; the
history survives a restart of the server and goes on from where it was."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Generator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from zooagg.service.schemas import ParametersChanged, SwapHistory, SwapStatus
from zooagg.service.weighting import swap_decisions
from zooagg.tasks.swap import agent_learns, new_agent, subject_update, swap_history
from zooagg.weighting.answers import TaskAnswers, gold_classifications, read_extracts, split_gold

from .conftest import Server, add_member, free_port, serve, spawn
from .exports import classification_rows, write_classification_export
from .helpers import make_project, post
from .test_crash import database  # noqa: F401 - the fixture: SQLite, then a throwaway PostgreSQL database
from .test_live_weighting import SWAP, _offline

PARAMS: dict[str, Any] = {k: (v if k == "positive" else float(v)) for k, v in SWAP.items()}
#: what the offline step function gives for each classification
STEP_KEYS = ("subject_id", "classification_id", "volunteer", "answer", "probability", "status", "decision")


def swap_rows(count: int = 90) -> list[dict[str, str]]:
    """Test rows with an expert's answer on every ninth; the expert rows come first (a training
    set is known before volunteers see it), then the rest, ids and times in that order."""
    rows = classification_rows(count, seed=3)
    gold = rows[::9]
    for row in gold:
        row["expert"] = "expert"
    ordered = gold + [row for row in rows if row["expert"] != "expert"]
    start = datetime(2024, 5, 1, 8, 0, 0)
    for i, row in enumerate(ordered):
        row["classification_id"] = str(700000 + i)
        row["created_at"] = (start + timedelta(seconds=30 * i)).strftime("%Y-%m-%d %H:%M:%S UTC")
    return ordered


def question_entry(client: httpx.Client, project: int, task: str = "T0") -> int:
    entries = client.get(f"/api/projects/{project}/parameters").json()
    return int(next(e["id"] for e in entries if e["task"] == task and e["extractor"] == "question_extractor"))


def turn_on(client: httpx.Client, project: int, params: dict[str, Any] | bool) -> httpx.Response:
    return client.patch(f"/api/projects/{project}/parameters/{question_entry(client, project)}", json={"swap": params})


def history(client: httpx.Client, project: int) -> dict[str, Any]:
    response = client.get(f"/api/projects/{project}/weighting/swap/decisions")
    assert response.status_code == 200, response.text
    SwapHistory.model_validate_json(response.content, strict=True)
    return dict(response.json())


def offline_run(tmp_path: Path, rows: list[dict[str, str]]) -> tuple[list[dict[str, Any]], TaskAnswers, Path]:
    """`zooagg run` + `zooagg weight -m swap` over the rows as an export: the step of each
    classification, the task's answers, and the folder with the weighted tables."""
    export = write_classification_export(tmp_path / "classifications.csv", rows)
    folder = _offline(tmp_path, export)
    found, _ = read_extracts(sorted(folder.glob("*_extractions.csv")), {"T0"})
    split_gold(found, gold_classifications(export))
    entry = found["T0"].finish()
    return swap_decisions(entry, PARAMS), entry, folder


def check_equal_offline(live: dict[str, Any], state: dict[str, Any], tmp_path: Path,
                        rows: list[dict[str, str]]) -> None:
    expected, entry, folder = offline_run(tmp_path, rows)
    steps = live["decisions"]
    assert [{k: step[k] for k in STEP_KEYS} for step in steps] == expected  # exact values
    assert [step["step"] for step in steps] == sorted(step["step"] for step in steps)
    last: dict[str, float] = {}
    for step in steps:  # each step starts where its subject's last one ended
        assert step["probability_before"] == last.get(step["subject_id"], PARAMS["prior"])
        last[step["subject_id"]] = step["probability"]
    # the state now is the offline run's end: each subject's P(yes), each volunteer's PL and PD
    p, agents, _ = swap_history(entry.answers(entry.truth_codes()), **PARAMS)
    subjects = {s["subject_id"]: s["probability"] for s in state["subjects"] if s["classifications"]}
    assert subjects == {entry.items[i][0]: float(p[i]) for i in range(len(entry.items))}
    with (folder / "weighted_volunteers_swap.csv").open(encoding="utf-8") as handle:
        offline_agents = {row["volunteer"]: row for row in csv.DictReader(handle)}
    volunteers = {v["volunteer"]: v for v in state["volunteers"]}
    assert set(volunteers) == set(offline_agents) == set(entry.volunteers)
    for i, name in enumerate(entry.volunteers):
        assert (volunteers[name]["PL"], volunteers[name]["PD"]) == (agents[i]["PL"], agents[i]["PD"])
        # the volunteers' CSV rounds to 6 significant digits (the exact values: just above)
        assert (volunteers[name]["PL"], volunteers[name]["PD"]) == pytest.approx(
            (float(offline_agents[name]["PL"]), float(offline_agents[name]["PD"])), rel=1e-5)
        assert volunteers[name]["training"] == agents[i]["training"]
    assert sum(v["training"] for v in volunteers.values()) > 0  # the experts' truth taught some


def live_state(client: httpx.Client, project: int) -> dict[str, Any]:
    response = client.get(f"/api/projects/{project}/weighting/swap/live")
    assert response.status_code == 200, response.text
    SwapStatus.model_validate_json(response.content, strict=True)
    return dict(response.json())


def test_live_swap_decisions_are_kept_and_equal_offline(database: str | None, tmp_path: Path) -> None:  # noqa: F811
    rows = swap_rows()
    data = tmp_path / "data"
    servers: Generator[Server, None, None] = serve(data, database)  # type: ignore[assignment]
    server = next(servers)
    token = server.member("swapper")
    with server.client(token) as client:
        project = make_project(client, tmp_path)
        on = turn_on(client, project, SWAP)  # as a form sends them: texts
        assert on.status_code == 200, on.text
        ParametersChanged.model_validate_json(on.content, strict=True)
        assert on.json()["swap_decisions"] == 0
        entry = next(e for e in on.json()["parameters"] if e["extractor"] == "question_extractor")
        assert entry["swap"] == PARAMS
        counts = []
        for row in rows[:-10]:  # one by one, as Panoptes would send them
            assert post(client, project, row).status_code == 201
            counts.append(len(history(client, project)["decisions"]))
        assert post(client, project, rows[20]).status_code == 200  # delivered twice: nothing applied twice
        before = history(client, project)
    servers.close()  # the server stops; the history is in the store

    servers = serve(data, database)  # type: ignore[assignment]
    server = next(servers)
    try:
        with server.client(token) as client:
            after = history(client, project)
            assert after == before
            for row in rows[-10:]:
                assert post(client, project, row).status_code == 201
            live = history(client, project)
            assert live["decisions"][:len(before["decisions"])] == before["decisions"]
            state = live_state(client, project)
            download = client.get(f"/api/projects/{project}/weighting/swap/decisions.csv")
    finally:
        servers.close()
    # each volunteer classification added its step (an expert's, or a volunteer's second look, none)
    assert counts[-1] == len(before["decisions"])
    assert len(set(counts)) < len(counts)
    check_equal_offline(live, state, tmp_path, rows)
    assert live["settings"] == {"T0": PARAMS}
    assert download.status_code == 200
    table = list(csv.DictReader(io.StringIO(download.text)))
    assert [(r["classification_id"], float(r["probability"]), r["decision"]) for r in table] == \
        [(s["classification_id"], s["probability"], s["decision"]) for s in live["decisions"]]


def test_turning_swap_on_later_replays_the_stored_classifications(server: Server, tmp_path: Path) -> None:
    """SWAP turned on after the classifications came (or its thresholds changed): the history
    is made anew over the stored classifications, as the offline run; off, it is gone."""
    rows = swap_rows(60)
    token = server.member("late")
    with server.client(token) as client:
        project = make_project(client, tmp_path)
        assert post(client, project, rows[::-1]).status_code == 201  # order of arrival does not matter here
        on = turn_on(client, project, {**PARAMS, "detection": 0.99})
        assert on.status_code == 200, on.text
        changed = turn_on(client, project, SWAP)
        assert changed.status_code == 200, changed.text
        live = history(client, project)
        state = live_state(client, project)
        assert changed.json()["swap_decisions"] == len(live["decisions"]) > 0
        paged = client.get(f"/api/projects/{project}/weighting/swap/decisions", params={"limit": 5}).json()
        assert paged["decisions"] == live["decisions"][:5]
        assert paged["next_after"] == live["decisions"][4]["step"]
        off = turn_on(client, project, False)
        assert off.status_code == 200, off.text
        assert history(client, project)["decisions"] == []
        assert post(client, project, swap_rows(61)[-1]).status_code == 201
        assert history(client, project) == {"settings": {}, "decisions": [], "next_after": None}
    check_equal_offline(live, state, tmp_path, rows)


@pytest.mark.parametrize(("change", "field", "says"), [
    ({"detection": 0.1, "rejection": 0.2}, "swap.detection", "rejection < detection"),
    ({"prior": 1}, "swap.prior", "between 0 and 1"),
    ({"initial_skill": "high"}, "swap.initial_skill", "initial_skill"),
    ({"positive": " "}, "swap.positive", "the answer that means yes"),
    ({"detectoin": 0.9}, "swap.detectoin", "did you mean 'detection'"),
])
def test_bad_swap_parameters_are_named(server: Server, tmp_path: Path, change: Any, field: str, says: str) -> None:
    with server.client(server.member("checker")) as client:
        project = make_project(client, tmp_path)
        answer = turn_on(client, project, change)
        multiple = client.get(f"/api/projects/{project}/parameters").json()
    assert answer.status_code == 422, answer.text
    assert says in answer.json()["errors"][field], answer.json()
    assert all(e.get("swap") is None for e in multiple)


def test_swap_is_an_object_or_true_or_false(server: Server, tmp_path: Path) -> None:
    with server.client(server.member("yesman")) as client:
        answer = turn_on(client, make_project(client, tmp_path), "yes")  # type: ignore[arg-type]
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"swap": "must be true (the defaults), false (off) or an object of SWAP's "
                                                "parameters: prior, detection, rejection, initial_skill, positive"}


def test_swap_only_on_a_yes_no_question(server: Server, tmp_path: Path) -> None:
    with server.client(server.member("colours")) as client:
        project = make_project(client, tmp_path)
        entry = question_entry(client, project, "T1")  # Colours?: a multiple-answer question of three
        answer = client.patch(f"/api/projects/{project}/parameters/{entry}", json={"swap": True})
    assert answer.status_code == 422
    assert answer.json()["errors"]["swap"] == ("SWAP takes a yes/no question (one answer of two); task T1 is a "
                                               "multiple task with 3 answers")


def test_two_server_processes_keep_one_sequential_history(database: str | None,  # noqa: F811
                                                          tmp_path: Path) -> None:
    """`zooagg serve --workers 2`, posts from six threads at once, each row twice: the kept
    history is one SWAP run in step order, nothing lost or applied twice (each step starts
    from its subject's previous step, with the volunteer's agent as their earlier steps made it)."""
    data = tmp_path / "data"
    where = ["--database", database] if database else ["--data-dir", str(data)]
    token = add_member(data, database=database)
    port = free_port()
    process = spawn([*where, "--workers", "2"], port)
    rows = swap_rows(120)
    gold = [row for row in rows if row["expert"]]
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            project = make_project(client, tmp_path)
            assert turn_on(client, project, PARAMS).status_code == 200
            assert post(client, project, gold).status_code == 201  # the truth first

        def send(part: list[dict[str, str]]) -> None:
            with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
                for row in part:
                    assert post(client, project, row).status_code in (200, 201)
                    assert post(client, project, row).status_code == 200

        volunteers = [row for row in rows if not row["expert"]]
        senders = [threading.Thread(target=send, args=(volunteers[i::6],)) for i in range(6)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            steps = history(client, project)["decisions"]
            state = live_state(client, project)
    finally:
        process.terminate()
        process.wait(timeout=30)
    truth: dict[str, str] = {}
    for row in gold:  # a subject's first expert answer is its truth
        truth.setdefault(row["subject_ids"], "yes" if '"Yes"' in row["annotations"] else "no")
    agents: dict[str, dict[str, float]] = {}
    last: dict[str, float] = {}
    seen: set[tuple[str, str]] = set()
    for step in steps:
        assert (step["subject_id"], step["volunteer"]) not in seen
        seen.add((step["subject_id"], step["volunteer"]))
        agent = agents.setdefault(step["volunteer"], new_agent(PARAMS["initial_skill"]))
        before = last.get(step["subject_id"], PARAMS["prior"])
        assert step["probability_before"] == before
        said_yes = step["answer"] == "yes"
        assert step["probability"] == subject_update(before, said_yes, agent["PL"], agent["PD"])
        last[step["subject_id"]] = step["probability"]
        if step["subject_id"] in truth:
            agents[step["volunteer"]] = agent_learns(agent, said_yes, truth[step["subject_id"]] == "yes")
    assert len(steps) == len(seen) > 60
    assert {s["subject_id"]: s["probability"] for s in state["subjects"] if s["classifications"]} == last
    assert {v["volunteer"]: (v["PL"], v["PD"], v["answers"]) for v in state["volunteers"]} == {
        name: (agent["PL"], agent["PD"], sum(s["volunteer"] == name for s in steps)) for name, agent in agents.items()}
