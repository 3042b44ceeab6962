"""Volunteer weighting on simulated volunteers with known skills and known truth, and
zooagg's own Dawid-Skene, one-coin Dawid-Skene, GLAD and majority vote against crowd-kit's on
the same data (MACE's: tests/test_weighting_mace.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from zooagg import registry
from zooagg.tasks.weighting import Answers, Weighted

#: crowd-kit 1.4 uses pandas in ways pandas 3 deprecates
pytestmark = pytest.mark.filterwarnings("ignore::Warning:crowdkit")

#: spammers answer at random, biased volunteers say the first label half the time (else right
#: 80% of the time), careful volunteers are right 90% of the time: 15, 15 and 20 of them
KINDS = ["spammer"] * 15 + ["biased"] * 15 + ["careful"] * 20
SUBJECTS, LABELS, PER_SUBJECT, SEED = 400, 3, 6, 7
#: how much better than majority vote a method must be, in accuracy
MARGIN = 0.10
#: how far a volunteer's estimated skill may be from the share of their answers that were right
TOLERANCE = {"dawid_skene": 0.16, "glad": 0.15}
MEAN_TOLERANCE = 0.04


def _answer(rng: np.random.Generator, kind: str, truth: int) -> int:
    if kind == "spammer":
        return int(rng.integers(0, LABELS))
    if kind == "biased":
        if rng.random() < 0.5:
            return 0
        return truth if rng.random() < 0.8 else int(rng.integers(0, LABELS))
    return truth if rng.random() < 0.9 else int((truth + rng.integers(1, LABELS)) % LABELS)


def simulate(seed: int = SEED) -> tuple[Answers, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, LABELS, SUBJECTS)
    subject = np.repeat(np.arange(SUBJECTS), PER_SUBJECT)
    volunteer = np.concatenate([rng.choice(len(KINDS), PER_SUBJECT, replace=False) for _ in range(SUBJECTS)])
    label = np.array([_answer(rng, KINDS[v], truth[s]) for s, v in zip(subject, volunteer, strict=True)])
    return Answers.of(subject, volunteer, label, LABELS), truth


Simulated = tuple[Answers, np.ndarray, dict[str, Weighted]]


@pytest.fixture(scope="module")
def simulated() -> Simulated:
    answers, truth = simulate()
    methods = ("majority_vote", "dawid_skene", "one_coin_dawid_skene", "glad")
    return answers, truth, {name: registry.get("weighting", name).func(answers) for name in methods}


def _accuracy(weighted: Weighted, truth: np.ndarray) -> float:
    return float(np.mean(np.argmax(weighted.posterior, axis=1) == truth))


def _right_share(answers: Answers, truth: np.ndarray) -> np.ndarray:
    right = (answers.label == truth[answers.subject]).astype(float)
    return np.bincount(answers.volunteer, weights=right) / np.bincount(answers.volunteer)


@pytest.mark.parametrize("name", ["dawid_skene", "glad"])
def test_beats_majority_vote_by_the_margin(simulated: Simulated, name: str) -> None:
    _, truth, results = simulated
    assert _accuracy(results[name], truth) >= _accuracy(results["majority_vote"], truth) + MARGIN


@pytest.mark.parametrize("name", ["dawid_skene", "glad"])
def test_recovers_every_volunteers_skill(simulated: Simulated, name: str) -> None:
    answers, truth, results = simulated
    error = np.abs(results[name].skill - _right_share(answers, truth))
    assert error.max() <= TOLERANCE[name]
    assert error.mean() <= MEAN_TOLERANCE


def test_dawid_skene_finds_the_spammers_and_the_careful(simulated: Simulated) -> None:
    _, _, results = simulated
    skill = results["dawid_skene"].skill
    kinds = np.array(KINDS)
    assert skill[kinds == "spammer"].max() < skill[kinds == "careful"].min()


def test_majority_vote_is_the_vote_share() -> None:
    answers = Answers.of([0, 0, 0, 1], [0, 1, 2, 0], [1, 1, 0, 0], 2)
    result = registry.get("weighting", "majority_vote").func(answers)
    np.testing.assert_allclose(result.posterior, [[1 / 3, 2 / 3], [1.0, 0.0]])
    assert result.skill.tolist() == [1.0, 1.0, 0.0]


def test_one_label_only_is_certain() -> None:
    answers = Answers.of([0, 1], [0, 0], [0, 0], 1)
    result = registry.get("weighting", "dawid_skene").func(answers)
    assert result.posterior.tolist() == [[1.0], [1.0]]


def test_gold_subjects_seed_dawid_skene() -> None:
    answers, truth = simulate(seed=3)
    gold = {s: int(truth[s]) for s in range(0, SUBJECTS, 4)}
    seeded = registry.get("weighting", "dawid_skene").func(Answers.of(
        answers.subject, answers.volunteer, answers.label, LABELS, gold))
    rows = np.array(sorted(gold))
    assert np.argmax(seeded.posterior[rows], axis=1).tolist() == truth[rows].tolist()


# ---- the same as crowd-kit ------------------------------------------------------------------

def _crowdkit_frame(answers: Answers) -> Any:
    pd = pytest.importorskip("pandas")
    return pd.DataFrame({"task": answers.subject, "worker": answers.volunteer, "label": answers.label})


def _both(name: str, crowdkit_class: str, seed: int) -> tuple[Weighted, Any, np.ndarray]:
    """zooagg's method and crowd-kit's (default settings) on one simulation: ours, their
    fitted model, their posterior as our matrix."""
    aggregation = pytest.importorskip("crowdkit.aggregation")
    answers, _ = simulate(seed)
    model = getattr(aggregation, crowdkit_class)()
    theirs = _as_matrix(model.fit_predict_proba(_crowdkit_frame(answers)), answers)
    return registry.get("weighting", name).func(answers), model, theirs


def _as_matrix(probas: Any, answers: Answers) -> np.ndarray:
    return probas.reindex(index=range(answers.n_subjects), columns=range(answers.n_labels)).to_numpy()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_dawid_skene_equals_crowdkit(seed: int) -> None:
    ours, model, theirs = _both("dawid_skene", "DawidSkene", seed)
    np.testing.assert_allclose(ours.posterior, theirs, rtol=0, atol=1e-9)
    assert ours.iterations == len(model.loss_history_)
    errors = model.errors_  # [(worker, answer), true]
    confusion = ours.confusion
    assert confusion is not None
    for volunteer in (0, 17, 42):
        for answer in range(LABELS):
            for true in range(LABELS):
                assert confusion[volunteer, true, answer] == pytest.approx(
                    errors.loc[(volunteer, answer), true], abs=1e-9)


def test_seeded_dawid_skene_equals_crowdkit_with_true_labels() -> None:
    aggregation = pytest.importorskip("crowdkit.aggregation")
    pd = pytest.importorskip("pandas")
    answers, truth = simulate(seed=4)
    gold = {s: int(truth[s]) for s in range(0, SUBJECTS, 5)}
    ours = registry.get("weighting", "dawid_skene").func(Answers.of(
        answers.subject, answers.volunteer, answers.label, LABELS, gold))
    true_labels = pd.Series(gold)
    theirs = aggregation.DawidSkene(n_iter=100).fit_predict_proba(_crowdkit_frame(answers), true_labels)
    np.testing.assert_allclose(ours.posterior, _as_matrix(theirs, answers), rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", [1, 2])
def test_one_coin_dawid_skene_equals_crowdkit(seed: int) -> None:
    ours, model, theirs = _both("one_coin_dawid_skene", "OneCoinDawidSkene", seed)
    np.testing.assert_allclose(ours.posterior, theirs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.skill, model.skills_.reindex(range(len(ours.skill))).to_numpy(),
                               rtol=0, atol=1e-9)


#: GLAD's M-step is a conjugate-gradient search stopped at a loose tolerance (crowd-kit's 1e-2),
#: which magnifies rounding differences: zooagg's f and gradient equal crowd-kit's to 1e-12, the
#: fitted posteriors to this
GLAD_TOLERANCE = 0.01


@pytest.mark.parametrize("seed", [1, 2])
def test_glad_equals_crowdkit(seed: int) -> None:
    ours, model, theirs = _both("glad", "GLAD", seed)
    np.testing.assert_allclose(ours.posterior, theirs, rtol=0, atol=GLAD_TOLERANCE)
    assert np.argmax(ours.posterior, axis=1).tolist() == np.argmax(theirs, axis=1).tolist()
    alphas = model.alphas_.reindex(range(len(ours.skill))).to_numpy()
    np.testing.assert_allclose(ours.extra["alpha"], alphas, rtol=0, atol=GLAD_TOLERANCE)
    assert ours.iterations == len(model.loss_history_)


def test_majority_vote_equals_crowdkit() -> None:
    ours, _, theirs = _both("majority_vote", "MajorityVote", 5)
    np.testing.assert_allclose(ours.posterior, theirs, rtol=0, atol=1e-12)


def test_mace_finds_the_spammers() -> None:
    answers, truth = simulate(seed=6)
    result = registry.get("weighting", "mace").func(answers)
    competence = result.extra["competence"]
    kinds = np.array(KINDS)
    assert competence[kinds == "spammer"].mean() < 0.5 < competence[kinds == "careful"].mean()
    majority = registry.get("weighting", "majority_vote").func(answers)
    assert _accuracy(result, truth) >= _accuracy(majority, truth) + MARGIN
