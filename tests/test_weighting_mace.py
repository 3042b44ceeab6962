"""zooagg's own MACE against crowd-kit's `MACE` on the same data: simulated volunteers with
spammers and the Michigan ZoomIn golden case's real extracts.

crowd-kit 1.4.2 reads its spamming counts back in an order that is only right where volunteers
and labels, sorted by name, are in the order of their first answer (src/zooagg/tasks/mace.py);
so crowd-kit gets the answers named in that order (the same data: a name is only a name) and its
result is mapped back to zooagg's codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_weighting import simulate

from zooagg import registry
from zooagg.tasks.mace import _first_seen
from zooagg.tasks.weighting import Answers, Weighted, leading
from zooagg.weighting.answers import read_extracts

#: crowd-kit 1.4 uses pandas in ways pandas 3 deprecates
pytestmark = pytest.mark.filterwarnings("ignore::Warning:crowdkit")

CASE = Path(__file__).parent / "golden" / "michigan-2276" / "expected"
#: the same arithmetic in another order (a subject's product as a sum of logs): rounding only
TOLERANCE = 1e-9


def _aggregation() -> Any:
    return pytest.importorskip("crowdkit.aggregation", reason="the MACE equality tests need crowd-kit "
                               "(pip install 'zooagg[weighting]')")


def _frame(answers: Answers, names: str) -> Any:
    """crowd-kit's (task, worker, label) frame: named as our codes ("codes") or each volunteer
    and label by the order of its first answer ("first_seen")."""
    pd = pytest.importorskip("pandas")
    if names == "codes":
        return pd.DataFrame({"task": answers.subject, "worker": answers.volunteer, "label": answers.label})
    return pd.DataFrame({"task": answers.subject, "worker": _first_seen(answers.volunteer)[0],
                         "label": _first_seen(answers.label)[0]})


def _theirs(answers: Answers, names: str = "first_seen", **params: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    """crowd-kit's fitted MACE, its posterior and its competence (spamming_[:, 1], rows in order
    of first answer) in our codes (competence only where named "first_seen")."""
    model = _aggregation().MACE(**params)
    probas = model.fit_predict_proba(_frame(answers, names))
    competence = np.full(answers.n_volunteers, np.nan)
    if names == "first_seen":
        probas = probas.rename(columns=dict(enumerate(_first_seen(answers.label)[1])))
        competence[_first_seen(answers.volunteer)[1]] = model.spamming_[:, 1]
    posterior = probas.reindex(index=range(answers.n_subjects), columns=range(answers.n_labels)).fillna(0.0)
    return model, posterior.to_numpy(), competence


def _ours(answers: Answers, **params: Any) -> Weighted:
    return registry.get("weighting", "mace").func(answers, **params)


def _assert_equal(answers: Answers, ours: Weighted, model: Any, posterior: np.ndarray,
                  competence: np.ndarray) -> None:
    np.testing.assert_allclose(ours.posterior, posterior, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(ours.extra["competence"], competence, rtol=0, atol=TOLERANCE)
    labels = _first_seen(answers.label)[1]
    answered = np.unique(answers.subject)
    theirs = labels[model.labels_.reindex(answered).to_numpy(dtype=np.int64)]
    assert leading(ours.posterior)[answered].tolist() == theirs.tolist()


@pytest.mark.parametrize(("seed", "params"), [
    (6, {"n_restarts": 2}),  # crowd-kit's defaults but for fewer (equal) restarts
    (2, {"n_restarts": 1, "n_iter": 7, "random_state": 5}),
    (3, {"n_restarts": 1, "n_iter": 0}),  # the start alone
])
def test_mace_equals_crowdkit_on_simulated_volunteers(seed: int, params: dict[str, Any]) -> None:
    answers, _ = simulate(seed)
    ours = _ours(answers, n_restarts=params["n_restarts"], n_iter=params.get("n_iter", 50),
                 seed=params.get("random_state", 0))
    _assert_equal(answers, ours, *_theirs(answers, **params))
    assert ours.iterations == params.get("n_iter", 50)


@pytest.mark.parametrize("params", [
    {"method": "em"},
    {"method": "em", "default_noise": 2.0},
    {"alpha": 2.0, "beta": 8.0},
    {"method": "vb", "alpha": 0.1, "beta": 0.1, "default_noise": 0.0},
])
def test_mace_options_equal_crowdkits(params: dict[str, Any]) -> None:
    answers, _ = simulate(4)
    ours = _ours(answers, n_restarts=1, n_iter=20, **params)
    _assert_equal(answers, ours, *_theirs(answers, n_restarts=1, n_iter=20, **params))


def test_mace_options_change_the_answer() -> None:
    """Each option reaches the fit (a prior that trusts volunteers raises their competence)."""
    answers, _ = simulate(4)
    plain = _ours(answers, n_restarts=1, n_iter=20)
    trusting = _ours(answers, n_restarts=1, n_iter=20, alpha=0.5, beta=50.0)
    em = _ours(answers, n_restarts=1, n_iter=20, method="em")
    assert np.nanmean(trusting.extra["competence"]) > np.nanmean(plain.extra["competence"]) + 0.05
    assert np.abs(em.extra["competence"] - plain.extra["competence"]).max() > 1e-3


def test_mace_refuses_options_that_cannot_be_meant() -> None:
    from zooagg.errors import ConfigError

    mace = registry.get("weighting", "mace")
    for bad in ({"method": "gibbs"}, {"alpha": 0}, {"beta": float("nan")}, {"default_noise": -1}):
        with pytest.raises(ConfigError):
            mace.parse_params(bad)


def test_mace_equals_crowdkit_on_a_real_extract() -> None:
    found, _ = read_extracts([CASE / "question_extractor_extractions.csv", CASE / "survey_extractor_extractions.csv"])
    assert set(found) == {"T2", "T3", "T3.howmanyanimalsdoyousee", "T3.whatistheanimalsdoing"}
    for task, entry in sorted(found.items()):
        answers = entry.finish().answers()
        assert len(answers.label) > 20, task
        _assert_equal(answers, _ours(answers), *_theirs(answers, n_restarts=1))  # its restarts are alike


def _renamed() -> tuple[Answers, Answers, np.ndarray]:
    """Simulated answers, the same with the volunteers' codes reversed, and the renaming."""
    answers, _ = simulate(6)
    rename = np.arange(answers.n_volunteers)[::-1]
    return answers, Answers.of(answers.subject, rename[answers.volunteer], answers.label, answers.n_labels), rename


def test_mace_does_not_depend_on_the_volunteers_names() -> None:
    answers, renamed, rename = _renamed()
    ours, again = _ours(answers, n_restarts=1), _ours(renamed, n_restarts=1)
    np.testing.assert_array_equal(ours.posterior, again.posterior)
    np.testing.assert_array_equal(ours.extra["competence"], again.extra["competence"][rename])


def test_crowdkit_mace_depends_on_the_volunteers_names() -> None:
    """crowd-kit 1.4.2's fit changes when volunteers are renamed: the reason the tests above
    name them in order of first answer (if this fails, crowd-kit fixed it: simplify them)."""
    answers, renamed, _ = _renamed()
    _, as_codes, _ = _theirs(answers, "codes", n_restarts=1, n_iter=5)
    _, as_renamed, _ = _theirs(renamed, "codes", n_restarts=1, n_iter=5)
    assert np.abs(as_codes - as_renamed).max() > 0.01
