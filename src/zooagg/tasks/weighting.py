"""Volunteer weighting: the answers of every volunteer to one task over a whole workflow in,
each subject's label probabilities and each volunteer's skill out.

Every method is a `@weighting` function of `Answers` (long format, as crowd-kit takes them: one
entry per answer, with the subject, the volunteer and the label as integer codes) returning a
`Weighted`. Methods here: `majority_vote`; Dawid-Skene and one-coin Dawid-Skene in
`dawid_skene.py`; GLAD in `glad.py`; MACE in `mace.py`; SWAP in `swap.py`.
Pure functions over numpy arrays: no files, no engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError
from ..registry import weighting

#: smallest probability a method keeps (crowd-kit's own floor, so results compare)
EPS = 1e-10


class NotForThisTask(ConfigError):
    """A method does not fit this task's answers (SWAP on a task that is not yes/no): the
    caller weighs a workflow's other tasks and says why it left this one out."""


@dataclass(frozen=True)
class Answers:
    """One task's answers: volunteer `volunteer[i]` answered `label[i]` on subject
    `subject[i]`, in classification order. `gold[s]` is subject s's known
    label code (-1: unknown); methods that take a seed use it."""

    subject: np.ndarray
    volunteer: np.ndarray
    label: np.ndarray
    n_subjects: int
    n_volunteers: int
    n_labels: int
    gold: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: the label text of each label code, where known (SWAP finds its "yes" among them)
    labels: tuple[str, ...] = ()

    @classmethod
    def of(cls, subject: list[int] | np.ndarray, volunteer: list[int] | np.ndarray,
           label: list[int] | np.ndarray, n_labels: int | None = None,
           gold: dict[int, int] | None = None, labels: tuple[str, ...] = ()) -> Answers:
        """From integer codes (0..n-1 each); `gold`: subject code -> label code."""
        s, v, y = (np.asarray(a, dtype=np.int64) for a in (subject, volunteer, label))
        n_subjects = int(s.max()) + 1 if len(s) else 0
        k = n_labels if n_labels is not None else (int(y.max()) + 1 if len(y) else 0)
        known = np.full(n_subjects, -1, dtype=np.int64)
        for code, truth in (gold or {}).items():
            if 0 <= code < n_subjects:
                known[code] = truth
        return cls(s, v, y, n_subjects, int(v.max()) + 1 if len(v) else 0, k, known, tuple(labels))

    @property
    def known(self) -> np.ndarray:
        """Gold label code per subject (-1 unknown), always n_subjects long."""
        if len(self.gold) == self.n_subjects:
            return self.gold
        return np.full(self.n_subjects, -1, dtype=np.int64)

    def counts(self) -> np.ndarray:
        """Votes per subject and label (n_subjects x n_labels)."""
        flat = np.bincount(self.subject * self.n_labels + self.label, minlength=self.n_subjects * self.n_labels)
        return flat.reshape(self.n_subjects, self.n_labels).astype(float)

    def answers_per_volunteer(self) -> np.ndarray:
        return np.bincount(self.volunteer, minlength=self.n_volunteers)


@dataclass
class Weighted:
    """A method's result: `posterior[s, k]` the probability that subject s's true label is k;
    `skill[v]` the probability that volunteer v's answer is right, as the method models it;
    `confusion[v, true, answer]` where the method has one (Dawid-Skene, SWAP); `iterations` of
    its fit; `extra` other per-volunteer numbers by name (GLAD's alpha, MACE's competence)."""

    posterior: np.ndarray
    skill: np.ndarray
    confusion: np.ndarray | None = None
    iterations: int = 0
    extra: dict[str, np.ndarray] = field(default_factory=dict)


def with_gold(posterior: np.ndarray, answers: Answers) -> np.ndarray:
    """Gold subjects' rows set to their known label (crowd-kit's `true_labels` correction)."""
    known = answers.known
    rows = np.flatnonzero(known >= 0)
    if len(rows):
        posterior[rows] = 0.0
        posterior[rows, known[rows]] = 1.0
    return posterior


def majority_posterior(answers: Answers) -> np.ndarray:
    """Each subject's share of votes per label (crowd-kit's MajorityVote probabilities)."""
    counts = answers.counts()
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def agreement(answers: Answers, labels: np.ndarray) -> np.ndarray:
    """Per volunteer: the share of their answers equal to `labels[subject]` (NaN with none)."""
    right = (answers.label == labels[answers.subject]).astype(float)
    hits = np.bincount(answers.volunteer, weights=right, minlength=answers.n_volunteers)
    seen = answers.answers_per_volunteer()
    return np.divide(hits, seen, out=np.full(answers.n_volunteers, np.nan), where=seen > 0)


def believed_right(answers: Answers, posterior: np.ndarray) -> np.ndarray:
    """Per volunteer: the mean posterior probability of the labels they gave (the share of
    their answers a fit believes right; one-coin Dawid-Skene's skill)."""
    right = posterior[answers.subject, answers.label]
    seen = answers.answers_per_volunteer()
    total = np.bincount(answers.volunteer, weights=right, minlength=answers.n_volunteers)
    return np.divide(total, seen, out=np.full(answers.n_volunteers, np.nan), where=seen > 0)


def leading(posterior: np.ndarray) -> np.ndarray:
    """The most probable label per subject; ties go to the lowest label code."""
    return np.argmax(posterior, axis=1) if posterior.size else np.zeros(0, dtype=np.int64)


@weighting("majority_vote")
def majority_vote(answers: Answers) -> Weighted:
    """Every answer counts once: a subject's label is its most given answer, its probability
    the share of votes; a volunteer's skill is how often they agree with the majority."""
    posterior = majority_posterior(answers)
    return Weighted(posterior, agreement(answers, leading(posterior)))
