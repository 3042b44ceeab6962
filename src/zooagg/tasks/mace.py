"""MACE (Hovy et al. 2013, NAACL), vectorised with numpy.

Each volunteer either knows the answer (and gives it) or spams a label from a distribution of
their own; competence is the chance they know. `skill` is the share of a volunteer's answers
the fitted model believes right (the mean posterior probability of the label they gave);
competence goes beside it.

Every step is crowd-kit's `MACE` with its defaults (crowd-kit 1.4: variational-Bayes M-step,
Beta(0.5, 0.5) prior on competence, Dirichlet(10) on the spamming distribution; starts drawn
uniform on [1, 2.5) and normalised, the competence pairs then the spamming distributions, each
from `numpy.random.RandomState(seed)` afresh, volunteers and labels in the order of their first
answer; `n_iter` rounds of M-step then E-step; the E-step's per-answer counts), over arrays
instead of a DataFrame per label and iteration, and with the subject's product over its answers
taken as a sum of logs (the same numbers, without underflow on subjects with many answers).

Two things crowd-kit does that zooagg keeps or leaves, on purpose:
- restarts: crowd-kit re-seeds the generator at every restart, so all `n_restarts` start from
  the same draw and end alike; the best of equal runs is the first, so zooagg runs it once.
- crowd-kit 1.4.2 tabulates the spamming counts by sorted volunteer and label names but reads
  them back by order of first answer, so where the two orders differ its volunteers swap
  spamming distributions after the first iteration (its result then changes when volunteers are
  renamed). zooagg keeps each volunteer's own: its result equals crowd-kit's where the orders
  agree (tests/test_weighting_mace.py gives crowd-kit the answers named in that order).
"""

from __future__ import annotations

import numpy as np

from ..registry import Param, weighting
from .weighting import Answers, Weighted, believed_right

#: crowd-kit's defaults: the starts are uniform on [1, 1 + 1 + DEFAULT_NOISE)
DEFAULT_NOISE = 0.5
#: Beta prior on (spamming, knowing) and the symmetric Dirichlet prior on a spammer's labels
ALPHA, BETA, STRATEGY_PRIOR = 0.5, 0.5, 10.0
#: the plain EM M-step's smoothing, per label (crowd-kit: 0.01 / labels, whatever its `smoothing`)
EM_SMOOTHING = 0.01


def _first_seen(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes renumbered 0.. in order of first appearance, the original code of each new one),
    as pandas.factorize numbers them."""
    uniques, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[order] = np.arange(len(uniques))
    return rank[inverse], uniques[order]


def _normalize(counts: np.ndarray, smoothing: float) -> np.ndarray:
    """crowd-kit's EM normalisation: rows of counts + smoothing over their sums (0 where a sum is)."""
    shifted = counts + smoothing
    norm = shifted.sum(axis=1, keepdims=True)
    return np.divide(shifted, norm, out=np.zeros_like(shifted), where=~np.isclose(norm, 0.0))


def _variational_normalize(counts: np.ndarray, prior: float | np.ndarray) -> np.ndarray:
    """crowd-kit's VB normalisation: exp(digamma(count + prior)) / exp(digamma(row sum))."""
    from scipy.special import digamma  # scipy (scikit-learn's) only when MACE runs

    shifted = counts + prior
    return np.exp(digamma(shifted)) / np.exp(digamma(shifted.sum(axis=1)))[:, None]


class _Fit:
    """One MACE fit over answers coded in order of first appearance (w, y) on subjects s."""

    def __init__(self, s: np.ndarray, w: np.ndarray, y: np.ndarray, n_subjects: int,
                 n_workers: int, n_labels: int) -> None:
        self.s, self.w, self.y = s, w, y
        self.n_subjects, self.n_workers, self.k = n_subjects, n_workers, n_labels
        self.cell = s * n_labels + y  # the answer's (subject, label) cell
        self.worker_cell = w * n_labels + y  # and its (volunteer, label) cell

    def start(self, seed: int, noise: float = DEFAULT_NOISE) -> tuple[np.ndarray, np.ndarray]:
        """crowd-kit's `_initialize`: two draws, each from the seed afresh."""
        high = 1 + noise
        spamming = 1 + high * np.random.RandomState(seed).uniform(size=(self.n_workers, 2))
        thetas = 1 + high * np.random.RandomState(seed).uniform(size=(self.n_workers, self.k))
        return (spamming / spamming.sum(axis=1, keepdims=True),
                thetas / thetas.sum(axis=1, keepdims=True))

    def e_step(self, spamming: np.ndarray, thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The label posterior per subject, the expected spamming counts per volunteer and label,
        and the expected (spamming, knowing) counts per volunteer."""
        s, w, y = self.s, self.w, self.y
        spam = spamming[w, 0] * thetas[w, y]  # P(this answer | spamming)
        know = spamming[w, 1]
        # log of the product over the subject's answers of P(answer | true label l)
        log_spam = np.log(spam)
        logits = np.bincount(self.cell, weights=np.log(spam + know) - log_spam, minlength=self.n_subjects * self.k)
        logits = logits.reshape(self.n_subjects, self.k)
        logits += np.bincount(s, weights=log_spam, minlength=self.n_subjects)[:, None]
        logits -= logits.max(axis=1, keepdims=True)
        posterior = np.exp(logits)
        posterior /= posterior.sum(axis=1, keepdims=True)
        # per answer: the chance it was known (its label is the truth and the volunteer knew)
        knowing = posterior[s, y] * know / (spam + know)
        spamming_share = 1.0 - knowing
        strategy = np.bincount(self.worker_cell, weights=spamming_share,
                               minlength=self.n_workers * self.k).reshape(self.n_workers, self.k)
        counts = np.column_stack([np.bincount(w, weights=spamming_share, minlength=self.n_workers),
                                  np.bincount(w, weights=knowing, minlength=self.n_workers)])
        return posterior, strategy, counts

    def run(self, n_iter: int, seed: int, method: str = "vb", alpha: float = ALPHA, beta: float = BETA,
            noise: float = DEFAULT_NOISE) -> tuple[np.ndarray, np.ndarray]:
        """The posterior and the (spamming, knowing) probabilities after n_iter rounds of the
        variational-Bayes ("vb") or plain ("em") M-step, then the E-step."""
        spamming, thetas = self.start(seed, noise)
        posterior, strategy, counts = self.e_step(spamming, thetas)
        priors = np.array([alpha, beta])
        for _ in range(n_iter):
            if method == "vb":
                spamming = _variational_normalize(counts, priors)
                thetas = _variational_normalize(strategy, STRATEGY_PRIOR)
            else:
                spamming = _normalize(counts, EM_SMOOTHING / self.k)
                thetas = _normalize(strategy, EM_SMOOTHING / self.k)
            posterior, strategy, counts = self.e_step(spamming, thetas)
        return posterior, spamming


@weighting("mace", params={
    "n_restarts": Param(int, 10, "EM runs from random starts; the best is kept (as in crowd-kit, every "
                                 "run starts from the same draw of the seed, so all end alike)", at_least=1),
    "n_iter": Param(int, 50, "EM iterations per run", at_least=0),
    "seed": Param(int, 0, "the random seed of the starts", at_least=0, at_most=2**32 - 1),
    "method": Param(str, "vb", "the M-step: variational Bayes with the priors below (vb), or plain "
                               "EM with crowd-kit's smoothing of 0.01 / labels (em)", choices=("vb", "em")),
    "alpha": Param(float, ALPHA, "vb: the Beta prior's weight on spamming", more_than=0, finite=True),
    "beta": Param(float, BETA, "vb: the Beta prior's weight on knowing (raise it to trust volunteers "
                               "more before the data says so)", more_than=0, finite=True),
    "default_noise": Param(float, DEFAULT_NOISE, "the spread of the random starts (uniform on "
                                                 "[1, 2 + default_noise), normalised)", at_least=0, finite=True),
})
def mace(answers: Answers, *, n_restarts: int = 10, n_iter: int = 50, seed: int = 0, method: str = "vb",
         alpha: float = ALPHA, beta: float = BETA, default_noise: float = DEFAULT_NOISE) -> Weighted:
    """MACE: finds volunteers who answer at random (spammers) and how they spam; `competence`
    (the chance a volunteer knows rather than guesses) is written beside the skill."""
    posterior = np.zeros((answers.n_subjects, answers.n_labels))
    competence = np.full(answers.n_volunteers, np.nan)
    if len(answers.label):
        w, workers = _first_seen(answers.volunteer)
        y, labels = _first_seen(answers.label)
        fit = _Fit(answers.subject, w, y, answers.n_subjects, len(workers), len(labels))
        # n_restarts equal runs: the first is the best
        found, spamming = fit.run(n_iter, seed, method, alpha, beta, default_noise)
        answered = np.bincount(answers.subject, minlength=answers.n_subjects) > 0
        posterior[np.ix_(answered, labels)] = found[answered]
        competence[workers] = spamming[:, 1]
    return Weighted(posterior, believed_right(answers, posterior), None, n_iter, {"competence": competence})
