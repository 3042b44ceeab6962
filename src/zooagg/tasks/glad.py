"""GLAD (Whitehill et al. 2009, NIPS 22), vectorised with numpy and scipy.

The chance volunteer v answers subject s rightly is sigmoid(alpha_v * exp(beta_s)): alpha is the
volunteer's expertise (negative: they tend to be wrong), exp(beta) the subject's easiness; a
wrong answer is any other label alike. EM: the E-step gives each subject's label posterior
(log prior + sum over its answers of log P(answer | label)); the M-step maximises the expected
log-likelihood plus standard normal priors on alpha - 1 and beta - 1 by conjugate gradients.

Every step is crowd-kit's `GLAD` (crowd-kit 1.4: alphas and betas start at 1, uniform class
prior, CG with tol 1e-2 and at most 25 steps per M-step, the same stopping rule and the same
stable softplus), computed over arrays instead of a melted DataFrame, so the result is crowd-kit's
(tests/test_weighting.py) in a fraction of its time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..registry import Param, weighting
from .weighting import Answers, Weighted, believed_right

#: crowd-kit's M-step settings
M_STEP_TOL, M_STEP_MAX_ITER = 1e-2, 25


def _softplus(x: np.ndarray, limit: int = 30) -> np.ndarray:
    """log(1 + exp(x)), as crowd-kit computes it (linear beyond +-limit)."""
    positive = x > limit
    mask = positive | (x < -limit)
    return np.log1p(np.exp(x * (1 - mask))) * (1 - mask) + x * positive


class _Fit:
    """One GLAD fit's data and the functions of alpha and beta its EM needs."""

    def __init__(self, answers: Answers) -> None:
        self.answers = answers
        self.k = answers.n_labels
        self.log_wrong = np.log(self.k - 1)
        self.log_prior = np.log(np.full(self.k, 1.0 / self.k))

    def _terms(self, alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per answer: sigmoid(alpha exp(beta)), log of it, log of 1 - it (less log(K-1))."""
        a = self.answers
        ab = alpha[a.volunteer] * np.exp(beta[a.subject])
        return 1 / (1 + np.exp(-ab)), -_softplus(-ab), -_softplus(ab) - self.log_wrong

    def e_step(self, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
        a = self.answers
        _, log_right, log_wrong = self._terms(alpha, beta)
        base = np.bincount(a.subject, weights=log_wrong, minlength=a.n_subjects)
        logits = np.repeat(base[:, None], self.k, axis=1) + self.log_prior
        np.add.at(logits, (a.subject, a.label), log_right - log_wrong)
        logits -= logits.max(axis=1, keepdims=True)
        scaled = np.exp(logits)
        return scaled / scaled.sum(axis=1, keepdims=True)

    def q(self, posterior: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> float:
        from scipy.stats import norm

        a = self.answers
        _, log_right, log_wrong = self._terms(alpha, beta)
        right = posterior[a.subject, a.label]
        total = posterior[a.subject].sum(axis=1)
        value = float(np.sum(right * log_right + (total - right) * log_wrong))
        value += float(np.log(norm.pdf(alpha - 1)).sum()) + float(np.log(norm.pdf(beta - 1)).sum())
        return -np.inf if np.isnan(value) else value

    def gradient(self, posterior: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
        a = self.answers
        sigma, _, _ = self._terms(alpha, beta)
        moved = posterior[a.subject, a.label] - sigma * posterior[a.subject].sum(axis=1)
        easiness = np.exp(beta[a.subject])
        d_alpha = np.bincount(a.volunteer, weights=moved * easiness, minlength=a.n_volunteers) - (alpha - 1)
        d_beta = np.bincount(a.subject, weights=moved * alpha[a.volunteer] * easiness,
                             minlength=a.n_subjects) - (beta - 1)
        return np.concatenate([d_alpha, d_beta])

    def m_step(self, posterior: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from scipy.optimize import minimize

        w = self.answers.n_volunteers

        def f(x: np.ndarray) -> float:
            return -self.q(posterior, x[:w], x[w:])

        def df(x: np.ndarray) -> Any:
            return -self.gradient(posterior, x[:w], x[w:])

        result = minimize(f, np.concatenate([alpha, beta]), method="CG", jac=df, tol=M_STEP_TOL,
                          options={"disp": False, "maxiter": M_STEP_MAX_ITER})
        return result.x[:w], result.x[w:]


@weighting("glad", params={
    "n_iter": Param(int, 100, "the most EM iterations"),
    "tol": Param(float, 1e-5, "stop when the expected log-likelihood per answer and label gains less than this"),
})
def glad(answers: Answers, *, n_iter: int = 100, tol: float = 1e-5) -> Weighted:
    """GLAD: volunteer expertise `alpha` and subject easiness together; helps where some
    subjects are hard for everyone. `skill` is the share of a volunteer's answers the fit
    believes right; `alpha` and each subject's easiness go beside it."""
    if not len(answers.subject) or answers.n_labels < 2:
        return Weighted(np.ones((answers.n_subjects, answers.n_labels)), np.ones(answers.n_volunteers))
    fit = _Fit(answers)
    alpha, beta = np.ones(answers.n_volunteers), np.ones(answers.n_subjects)
    posterior = fit.e_step(alpha, beta)
    q = fit.q(posterior, alpha, beta)
    iterations = 0
    for iterations in range(1, n_iter + 1):  # noqa: B007 - the count is returned
        last = q
        posterior = fit.e_step(alpha, beta)
        alpha, beta = fit.m_step(posterior, alpha, beta)
        q = fit.q(posterior, alpha, beta) / (len(answers.subject) * answers.n_labels)
        if q - last < tol:
            break
    return Weighted(posterior, believed_right(answers, posterior), None, iterations, {"alpha": alpha})
