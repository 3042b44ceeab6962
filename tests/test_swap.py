"""SWAP (Marshall et al. 2016): the published update rule by hand, and the live running
reducers giving the same decisions as the offline method over the same classifications."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from zooagg import registry
from zooagg.call import ReducerCall
from zooagg.errors import ConfigError
from zooagg.tasks.swap import agent_learns, new_agent, subject_update, swap_history
from zooagg.tasks.weighting import Answers

PARAMS: dict[str, Any] = {"prior": 0.3, "detection": 0.9, "rejection": 0.1, "initial_skill": 0.6, "positive": "yes"}


def test_agent_learns_the_share_of_gold_it_got_right() -> None:
    agent = new_agent(0.5)  # as if 2 gold lenses and 2 gold duds were seen, half right
    agent = agent_learns(agent, said_yes=True, truth_yes=True)
    assert agent["PL"] == pytest.approx((0.5 * 2 + 1) / 3)
    agent = agent_learns(agent, said_yes=True, truth_yes=False)
    assert agent["PD"] == pytest.approx((0.5 * 2 + 0) / 3)
    assert agent["training"] == 2


def test_subject_update_is_bayes() -> None:
    p = subject_update(0.5, True, pl=0.8, pd=0.9)
    assert p == pytest.approx(0.8 * 0.5 / (0.8 * 0.5 + 0.1 * 0.5))
    assert subject_update(p, False, pl=0.8, pd=0.9) == pytest.approx(0.2 * p / (0.2 * p + 0.9 * (1 - p)))


def test_swap_takes_yes_no_tasks_only() -> None:
    answers = Answers.of([0], [0], [0], 3, labels=("a", "b", "c"))
    with pytest.raises(ConfigError, match="yes/no"):
        registry.get("weighting", "swap").func(answers)
    with pytest.raises(ConfigError, match="positive"):
        registry.get("weighting", "swap").func(Answers.of([0], [0], [0], 2, labels=("lens", "not")))


def _classifications(seed: int = 11, n: int = 300) -> tuple[Answers, list[str], dict[int, int]]:
    """Yes/no answers from 12 volunteers of mixed skill on 60 subjects, 15 of them gold."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, 60)
    skill = rng.uniform(0.4, 0.95, 12)
    subject = rng.integers(0, 60, n)
    volunteer = rng.integers(0, 12, n)
    label = np.where(rng.random(n) < skill[volunteer], truth[subject], 1 - truth[subject])
    gold = {s: int(truth[s]) for s in range(0, 60, 4)}
    return Answers.of(subject, volunteer, label, 2, gold, labels=("no", "yes")), ["no", "yes"], gold


def test_live_swap_decisions_equal_the_offline_run() -> None:
    """Each classification in order, as Caesar sends it: the subject's `swap` running reducer
    gets the volunteer's `swap_skill` reduction as relevant_reduction; a gold classification
    then goes to the volunteer's `swap_skill` with the truth. Every step's probability and
    decision is the offline run's."""
    answers, labels, gold = _classifications()
    _, agents, steps = swap_history(answers, **PARAMS)
    subject_call = ReducerCall.named("running_reducer", "swap", PARAMS)
    skill_params = {k: PARAMS[k] for k in ("initial_skill", "positive")}
    skill_call = ReducerCall.named("running_reducer", "swap_skill", skill_params)
    subject_store: dict[int, dict[str, Any]] = {}
    skill_store: dict[int, dict[str, Any]] = {}
    skill_reduction: dict[int, dict[str, Any]] = {}
    live = []
    for i, (s, v, y) in enumerate(zip(answers.subject.tolist(), answers.volunteer.tolist(),
                                      answers.label.tolist(), strict=True)):
        extract = {labels[y]: 1}
        relevant = {"data": skill_reduction[v]} if v in skill_reduction else None
        result = subject_call([extract], {"user_ids": [v], "relevant_reduction": [relevant],
                                          "classification_ids": [i]}, subject_store.get(s, {}))
        subject_store[s] = json.loads(json.dumps(result["_store"]))  # as Caesar keeps it: JSON
        live.append((s, result["probability"], result["status"]))
        if s in gold:
            learnt = skill_call([{**extract, "gold": labels[gold[s]]}], {}, skill_store.get(v, {}))
            skill_store[v] = json.loads(json.dumps(learnt["_store"]))
            skill_reduction[v] = {k: val for k, val in learnt.items() if k != "_store"}
    assert [(s, status) for s, _, status in live] == [(s, status) for s, _, status in steps]
    np.testing.assert_allclose([p for _, p, _ in live], [p for _, p, _ in steps], rtol=1e-12)
    for v, agent in enumerate(agents):
        assert skill_store.get(v, {"PL": 0.6})["PL"] == pytest.approx(agent["PL"])
    history = subject_store[int(answers.subject[0])]["history"]
    assert [h["decision"] for h in history] == ["keep" if h["status"] == "undecided" else "retire" for h in history]


def test_offline_swap_reports_skills_and_posteriors() -> None:
    answers, _, _ = _classifications()
    result = registry.get("weighting", "swap").func(answers, **PARAMS)
    p, agents, _ = swap_history(answers, **PARAMS)
    np.testing.assert_allclose(result.posterior[:, 1], p)
    assert result.extra["PL"].tolist() == [a["PL"] for a in agents]
    assert result.confusion[0, 1, 1] == agents[0]["PL"]
