"""MACE, run by crowd-kit (PyPI `crowd-kit`, zooagg's optional `weighting` extra).

MACE (Hovy et al. 2013, NAACL): each volunteer either knows the answer or, with some
probability, spams a label from a volunteer-specific distribution; competence is the chance
they know. `skill` is the share of a volunteer's answers the fitted model believes right (the
mean posterior probability of the label they gave); competence goes beside it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..registry import Param, weighting
from .weighting import Answers, Weighted, believed_right


def _crowdkit(name: str) -> Any:
    try:
        from crowdkit import aggregation
    except ModuleNotFoundError as exc:
        raise ConfigError(f"the weighting method {name} runs in crowd-kit, which is not installed",
                          hint="pip install 'zooagg[weighting]' (or pick majority_vote, dawid_skene, "
                               "one_coin_dawid_skene, glad or swap, which zooagg computes itself)") from exc
    return aggregation


@contextmanager
def _quiet() -> Iterator[None]:
    """crowd-kit 1.4 calls pandas in ways newer pandas deprecates: not the user's concern."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


def long_frame(answers: Answers) -> Any:
    """The answers as crowd-kit's (task, worker, label) DataFrame, integer codes."""
    import pandas as pd

    return pd.DataFrame({"task": answers.subject, "worker": answers.volunteer, "label": answers.label})


def posterior_of(probas: Any, answers: Answers) -> np.ndarray:
    """crowd-kit's probas (task x label frame) as our (n_subjects x n_labels) matrix."""
    return probas.reindex(index=range(answers.n_subjects), columns=range(answers.n_labels)).fillna(0.0).to_numpy()


def _per_volunteer(series: Any, answers: Answers) -> np.ndarray:
    return series.reindex(range(answers.n_volunteers)).to_numpy(dtype=float)


@weighting("mace", params={
    "n_restarts": Param(int, 10, "EM runs from random starts; the best is kept"),
    "n_iter": Param(int, 50, "EM iterations per run"),
    "seed": Param(int, 0, "the random seed of the starts"),
})
def mace(answers: Answers, *, n_restarts: int = 10, n_iter: int = 50, seed: int = 0) -> Weighted:
    """MACE (crowd-kit): finds volunteers who answer at random (spammers) and how they spam;
    `competence` (the chance a volunteer knows rather than guesses) is written beside the skill."""
    aggregation = _crowdkit("mace")
    import pandas as pd

    model = aggregation.MACE(n_restarts=n_restarts, n_iter=n_iter, random_state=seed)
    frame = long_frame(answers)
    with _quiet():
        posterior = posterior_of(model.fit_predict_proba(frame), answers)
    workers = pd.factorize(frame["worker"])[1]
    competence = pd.Series(model.spamming_[:, 1], index=workers)
    return Weighted(posterior, believed_right(answers, posterior), None, n_iter,
                    {"competence": _per_volunteer(competence, answers)})
