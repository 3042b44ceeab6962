"""SWAP, the Space Warps Analysis Pipeline (Marshall et al. 2016, MNRAS 455, 1171), for yes/no
tasks: offline over a whole workflow (`@weighting("swap")`) and live, one classification at a
time (the running reducers `swap` and `swap_skill`).

The published update rule, step by step in classification order:

- Each volunteer has an agent with two numbers: PL = P("yes" | yes) and PD = P("no" | no),
  both starting at `initial_skill`, as if learnt from 1/initial_skill gold subjects of each
  kind. On a gold subject whose truth is yes, PL <- (PL * NL + [answer is yes]) / (NL + 1),
  NL <- NL + 1 (PD and ND alike on a no): PL is the share of gold yeses they got right.
- Each subject starts at P(yes) = `prior`; a "yes" from a volunteer makes it
  PL p / (PL p + (1 - PD)(1 - p)), a "no" (1 - PL) p / ((1 - PL) p + PD (1 - p)) (Bayes).
- After each classification the subject is `detected` (p >= detection), `rejected`
  (p <= rejection) or `undecided`; detected or rejected means retire, undecided keep.

Within one classification the subject is updated with the agent as it was, then the agent
learns from the subject if it is gold (the order Space Warps used). The offline method and the
running reducers share these functions, so a live run over the same classifications in the
same order gives the same decisions (tests/test_swap.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError, ReduceError, Where
from ..registry import Param, running_reducer, weighting
from .weighting import Answers, NotForThisTask, Weighted

SWAP_PARAMS = {
    "prior": Param(float, 0.5, "every subject's P(yes) before its first classification (Space Warps: 2e-4)"),
    "detection": Param(float, 0.95, "P(yes) at or above which a subject is detected (retired as yes)"),
    "rejection": Param(float, 0.05, "P(yes) at or below which a subject is rejected (retired as no; Space Warps: 1e-7)"),
    "initial_skill": Param(float, 0.5, "every volunteer's PL and PD before any gold subject"),
    "positive": Param(str, "yes", "the answer that means yes (matched without case)"),
}


def new_agent(initial_skill: float) -> dict[str, float]:
    if not 0 < initial_skill < 1:
        raise ConfigError(f"swap: initial_skill must be between 0 and 1, got {initial_skill}",
                          hint="0.5 is SWAP's cautious start")
    return {"PL": initial_skill, "PD": initial_skill, "NL": 1 / initial_skill, "ND": 1 / initial_skill,
            "training": 0}


def agent_learns(agent: dict[str, float], said_yes: bool, truth_yes: bool) -> dict[str, float]:
    """The agent after one gold subject (a new dict)."""
    out = dict(agent)
    if truth_yes:
        out["PL"] = (agent["PL"] * agent["NL"] + float(said_yes)) / (agent["NL"] + 1)
        out["NL"] = agent["NL"] + 1
    else:
        out["PD"] = (agent["PD"] * agent["ND"] + float(not said_yes)) / (agent["ND"] + 1)
        out["ND"] = agent["ND"] + 1
    out["training"] = agent["training"] + 1
    return out


def subject_update(p: float, said_yes: bool, pl: float, pd: float) -> float:
    """P(yes) after one answer from a volunteer with skills (PL, PD)."""
    if said_yes:
        return pl * p / (pl * p + (1 - pd) * (1 - p))
    return (1 - pl) * p / ((1 - pl) * p + pd * (1 - p))


def status_of(p: float, detection: float, rejection: float) -> str:
    if p >= detection:
        return "detected"
    if p <= rejection:
        return "rejected"
    return "undecided"


def _positive_code(answers: Answers, positive: str) -> int:
    names = [str(n).lower() for n in answers.labels]
    if positive.lower() in names:
        return names.index(positive.lower())
    raise NotForThisTask(f"swap: no answer {positive!r} among this task's answers {list(answers.labels)}",
                      hint="SWAP takes yes/no tasks: set the method's `positive` parameter to the answer that means yes")


def swap_history(answers: Answers, *, prior: float = 0.5, detection: float = 0.95, rejection: float = 0.05,
                 initial_skill: float = 0.5, positive: str = "yes") -> tuple[np.ndarray, list[dict[str, float]],
                                                                             list[tuple[int, float, str]]]:
    """SWAP over the answers in order: each subject's final P(yes), each volunteer's agent, and
    per answer (subject code, P(yes) after it, status)."""
    if answers.n_labels > 2:
        raise NotForThisTask(f"swap takes yes/no tasks; this one has {answers.n_labels} answers {list(answers.labels)}",
                          hint="use dawid_skene or one_coin_dawid_skene for tasks with more answers")
    yes = _positive_code(answers, positive)
    p = np.full(answers.n_subjects, float(prior))
    agents = [new_agent(initial_skill) for _ in range(answers.n_volunteers)]
    known = answers.known
    steps: list[tuple[int, float, str]] = []
    for s, v, y in zip(answers.subject.tolist(), answers.volunteer.tolist(), answers.label.tolist(), strict=True):
        said_yes = y == yes
        p[s] = subject_update(p[s], said_yes, agents[v]["PL"], agents[v]["PD"])
        steps.append((s, float(p[s]), status_of(p[s], detection, rejection)))
        if known[s] >= 0:
            agents[v] = agent_learns(agents[v], said_yes, bool(known[s] == yes))
    return p, agents, steps


@weighting("swap", params=SWAP_PARAMS, binary=True, seeded=True)
def swap(answers: Answers, *, prior: float = 0.5, detection: float = 0.95, rejection: float = 0.05,
         initial_skill: float = 0.5, positive: str = "yes") -> Weighted:
    """SWAP (Space Warps): each volunteer's PL and PD learnt from gold subjects only, each
    subject's P(yes) updated by Bayes with every answer in classification order; yes/no tasks.

    `skill` is (PL + PD) / 2; PL, PD and the gold subjects each learnt from go beside it."""
    p, agents, _ = swap_history(answers, prior=prior, detection=detection, rejection=rejection,
                                initial_skill=initial_skill, positive=positive)
    yes = _positive_code(answers, positive)
    posterior = np.zeros((answers.n_subjects, 2))
    posterior[:, yes] = p
    posterior[:, 1 - yes] = 1 - p
    pl = np.array([a["PL"] for a in agents])
    pd = np.array([a["PD"] for a in agents])
    confusion = np.zeros((answers.n_volunteers, 2, 2))
    confusion[:, yes, yes], confusion[:, yes, 1 - yes] = pl, 1 - pl
    confusion[:, 1 - yes, 1 - yes], confusion[:, 1 - yes, yes] = pd, 1 - pd
    return Weighted(posterior, (pl + pd) / 2, confusion, 1,
                    {"PL": pl, "PD": pd, "training": np.array([a["training"] for a in agents], dtype=float)})


# ---- live: Caesar's running reducers ---------------------------------------------------------

def said_yes(extract: dict[str, Any], positive: str) -> bool | None:
    """A question extract's answer as yes (True) / no (False); None when it gave none."""
    given = [str(k).lower() for k, v in extract.items()
             if k not in ("aggregation_version", "feedback", "gold") and v]
    if not given:
        return None
    return positive.lower() in given


def _agent_of(relevant: Any, initial_skill: float) -> dict[str, float]:
    """The volunteer's agent from their `swap_skill` reduction (Caesar's relevant_reduction)."""
    data = relevant.get("data", relevant) if isinstance(relevant, dict) else None
    if isinstance(data, dict) and all(isinstance(data.get(k), int | float) for k in ("PL", "PD", "NL", "ND")):
        return {k: float(data[k]) for k in ("PL", "PD", "NL", "ND")} | {"training": data.get("training", 0)}
    return new_agent(initial_skill)


@running_reducer("swap", params=SWAP_PARAMS, wants=("user_ids", "relevant_reduction", "classification_ids"))
def swap_running(extracts: list[dict[str, Any]], store: dict[str, Any], *, user_ids: list[Any] | None = None,
                 relevant_reduction: list[Any] | None = None, classification_ids: list[Any] | None = None,
                 prior: float = 0.5, detection: float = 0.95, rejection: float = 0.05,
                 initial_skill: float = 0.5, positive: str = "yes") -> dict[str, Any]:
    """SWAP per subject, live: its P(yes), status and retire/keep decision after every
    classification, with the history of each. Each extract's `relevant_reduction` is the
    volunteer's `swap_skill` reduction (their PL and PD); without it they count at
    initial_skill. The store is {probability, history}."""
    p = store.get("probability", prior)
    history = store.get("history", [])
    if not isinstance(p, int | float) or not isinstance(history, list):
        raise ReduceError("the store must be {probability: number, history: [...]}",
                          hint="send back the _store of the previous answer, or {} to start", where=Where(value=store))
    history = list(history)
    for i, extract in enumerate(extracts):
        answer = said_yes(extract, positive)
        if answer is None:
            continue
        agent = _agent_of((relevant_reduction or [None] * len(extracts))[i], initial_skill)
        p = subject_update(float(p), answer, agent["PL"], agent["PD"])
        status = status_of(p, detection, rejection)
        history.append({"classification_id": (classification_ids or [None] * len(extracts))[i],
                        "user_id": (user_ids or [None] * len(extracts))[i], "answer": "yes" if answer else "no",
                        "PL": agent["PL"], "PD": agent["PD"], "probability": p, "status": status,
                        "decision": "keep" if status == "undecided" else "retire"})
    status = status_of(float(p), detection, rejection)
    result = {"probability": p, "status": status, "decision": "keep" if status == "undecided" else "retire",
              "classifications": len(history), "history": history}
    return {**result, "_store": {"probability": p, "history": history}}


@running_reducer("swap_skill", params={k: SWAP_PARAMS[k] for k in ("initial_skill", "positive")})
def swap_skill_running(extracts: list[dict[str, Any]], store: dict[str, Any], *, initial_skill: float = 0.5,
                       positive: str = "yes") -> dict[str, Any]:
    """SWAP per volunteer, live: PL and PD learnt from the gold subjects they classified. An
    extract counts when it carries the truth as `gold` (the answer that is right); others
    leave the agent as it is. The store is the agent {PL, PD, NL, ND, training}."""
    agent = _agent_of(store, initial_skill) if store else new_agent(initial_skill)
    for extract in extracts:
        answer = said_yes(extract, positive)
        truth = extract.get("gold")
        if answer is None or truth is None:
            continue
        agent = agent_learns(agent, answer, str(truth).lower() == positive.lower())
    return {**agent, "_store": dict(agent)}
