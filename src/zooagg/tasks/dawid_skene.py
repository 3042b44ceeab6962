"""Dawid-Skene and one-coin Dawid-Skene, vectorised with numpy.

Dawid & Skene (1979, Applied Statistics 28, 20): each volunteer v has a confusion matrix
`e[v, true, answer]`; the classes have prior `p`; EM alternates the posterior of each subject's
label (E-step: `log p[k] + sum over its answers of log e[v, k, answer]`, normalised) and the
matrices (M-step: expected counts of (true, answer) per volunteer, normalised per true class).
One-coin (Zhang et al. 2016, JMLR 17): one number per volunteer, the chance `s` an answer is
right, a wrong answer spread evenly over the other K-1 labels.

Every step is crowd-kit's (`DawidSkene`, `OneCoinDawidSkene`, crowd-kit 1.4): start from the
majority-vote shares, the same 1e-10 floor, the same stopping rule (the evidence lower bound per
answer gains less than `tol`), so the results are equal to crowd-kit's on the same data
(tests/test_weighting_crowdkit.py) at a fraction of the time (bench/run.py, `weighting`).
Gold subjects (Answers.gold) are held at their known label after every E-step, as crowd-kit's
`true_labels` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..registry import Param, weighting
from .weighting import EPS, Answers, Weighted, believed_right, majority_posterior, with_gold

DS_PARAMS = {
    "n_iter": Param(int, 100, "the most EM iterations"),
    "tol": Param(float, 1e-5, "stop when the evidence lower bound per answer gains less than this"),
}


def _by_subject(answers: Answers, values: np.ndarray) -> np.ndarray:
    """Per subject and label, the sum of `values[i, k]` over the subject's answers."""
    out = np.empty((answers.n_subjects, values.shape[1]))
    for k in range(values.shape[1]):
        out[:, k] = np.bincount(answers.subject, weights=values[:, k], minlength=answers.n_subjects)
    return out


def _softmax2(log2_likelihood: np.ndarray) -> np.ndarray:
    scaled = np.exp2(log2_likelihood - log2_likelihood.max(axis=1, keepdims=True))
    return scaled / scaled.sum(axis=1, keepdims=True)


def _elbo(answers: Answers, posterior: np.ndarray, priors: np.ndarray, log_e: np.ndarray) -> float:
    """The evidence lower bound per answer; `log_e[i, k]` is log e[v_i, k, answer_i]. Clips
    `posterior` at the floor in place, as crowd-kit does."""
    joint = float(np.sum(posterior[answers.subject] * (log_e + np.log(priors))))
    np.clip(posterior, EPS, None, out=posterior)
    entropy = -float(np.sum(np.log(posterior) * posterior))
    return (joint + entropy) / len(answers.subject)


def _confusions(answers: Answers, posterior: np.ndarray) -> np.ndarray:
    """M-step: e[v, true, answer], each (v, true) row summing to 1 over the answers v gave."""
    k = answers.n_labels
    index = answers.volunteer * k + answers.label
    counts = np.empty((answers.n_volunteers * k, k))
    for true in range(k):
        counts[:, true] = np.bincount(index, weights=posterior[answers.subject, true],
                                      minlength=answers.n_volunteers * k)
    given = np.bincount(index, minlength=answers.n_volunteers * k) > 0
    floored = np.where(given[:, None], np.maximum(counts, EPS), 0.0).reshape(answers.n_volunteers, k, k)
    totals = floored.sum(axis=1, keepdims=True)
    errors = np.divide(floored, totals, out=np.zeros_like(floored), where=totals > 0)
    return errors.transpose(0, 2, 1)  # [v, answer, true] -> [v, true, answer]


#: an M-step: the posterior -> (the volunteers' parameters, log e[v_i, k, answer_i] per answer)
MStep = Callable[[np.ndarray], tuple[Any, np.ndarray]]


def _fit(answers: Answers, n_iter: int, tol: float, log_errors: MStep, seeded: bool
         ) -> tuple[np.ndarray, np.ndarray, Any, int]:
    """The shared EM loop."""
    posterior = majority_posterior(answers)
    if seeded:
        posterior = with_gold(posterior, answers)
    priors = posterior.mean(axis=0)
    state, log_e = log_errors(posterior)
    loss = -np.inf
    iterations = 0
    for iterations in range(1, n_iter + 1):  # noqa: B007 - the count is returned
        log_prior = np.log2(np.clip(priors, EPS, None))
        posterior = _softmax2(log_prior + _by_subject(answers, log_e / np.log(2)))
        if seeded:
            posterior = with_gold(posterior, answers)
        priors = np.clip(posterior.mean(axis=0), EPS, None)
        state, log_e = log_errors(posterior)
        new_loss = _elbo(answers, posterior, priors, log_e)
        if new_loss - loss < tol:
            break
        loss = new_loss
    return posterior, priors, state, iterations


def _trivial(answers: Answers) -> Weighted | None:
    """No answers, or one label only: nothing to estimate."""
    if len(answers.subject) and answers.n_labels > 1:
        return None
    posterior = np.ones((answers.n_subjects, answers.n_labels))
    confusion = np.ones((answers.n_volunteers, answers.n_labels, answers.n_labels))
    return Weighted(posterior, np.ones(answers.n_volunteers), confusion, 0)


@weighting("dawid_skene", params=DS_PARAMS, seeded=True)
def dawid_skene(answers: Answers, *, n_iter: int = 100, tol: float = 1e-5) -> Weighted:
    """Dawid-Skene: a full confusion matrix per volunteer (how often they answer each label
    for each true label), fitted by EM with the class priors; gold subjects seed it.

    `skill`: the chance an answer is right, sum over k of prior[k] * e[v, k, k]."""
    trivial = _trivial(answers)
    if trivial is not None:
        return trivial

    def m_step(posterior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        errors = _confusions(answers, posterior)
        return errors, np.log(errors[answers.volunteer, :, answers.label])

    posterior, priors, errors, iterations = _fit(answers, n_iter, tol, m_step, seeded=True)
    confusion = np.asarray(errors)
    skill = np.einsum("k,vkk->v", priors, confusion)
    return Weighted(posterior, skill, confusion, iterations)


def _one_coin_log_e(answers: Answers, skill: np.ndarray) -> np.ndarray:
    k = answers.n_labels
    s = skill[answers.volunteer]
    right = np.clip(s, EPS, 1 - EPS)
    wrong = np.clip((1 - s) / (k - 1), EPS, 1 - EPS)
    log_e = np.repeat(np.log(wrong)[:, None], k, axis=1)
    log_e[np.arange(len(s)), answers.label] = np.log(right)
    return log_e


@weighting("one_coin_dawid_skene", params=DS_PARAMS, seeded=True)
def one_coin_dawid_skene(answers: Answers, *, n_iter: int = 100, tol: float = 1e-5) -> Weighted:
    """One-coin Dawid-Skene: one skill per volunteer (the chance an answer is right, a wrong
    answer any other label alike), fitted by EM; steadier than the full model for volunteers
    with few answers. Gold subjects seed it."""
    trivial = _trivial(answers)
    if trivial is not None:
        return trivial

    def m_step(posterior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        skill = believed_right(answers, posterior)
        return skill, _one_coin_log_e(answers, skill)

    seeded = bool((answers.known >= 0).any())
    posterior, _, skill, iterations = _fit(answers, n_iter, tol, m_step, seeded=seeded)
    skill = np.asarray(skill)
    k = answers.n_labels
    off = (1 - skill) / (k - 1)
    confusion = np.repeat(off[:, None, None], k, axis=1).repeat(k, axis=2)
    confusion[:, np.arange(k), np.arange(k)] = skill[:, None]
    return Weighted(posterior, skill, confusion, iterations)
