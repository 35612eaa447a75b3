"""Deliberation math: the constants and the result types. Why each constant: see bot.engine.deliberation_math."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float64]
Direction = Literal["agree", "disagree"]

AGREE, DISAGREE, PASS = 1.0, -1.0, 0.0

# Who is clustered, and into how many groups (polismath conversation.clj / clusters.clj).
MIN_VOTES = 7
MIN_K, MAX_K = 2, 5
PARTICIPANTS_PER_EXTRA_K = 12
KMEANS_RESTARTS = 4
KMEANS_MAX_ITERATIONS = 100
SILHOUETTE_SAMPLE = 2000

# Statistics (polismath repness.clj / stats.clj).
PSEUDOCOUNT = 1.0
Z_90 = 1.2816
MAX_REPRESENTATIVE = 5
MAJORITY_THRESHOLD = 0.6

# Showing results.
MIN_GROUP_SIZE = 5
SUMMARY_LIMIT = 5

# Which statement next (polismath conversation.clj priority-metric).
NEWNESS_BOOST = 8.0
NEWNESS_HALF_LIFE_VOTES = 5.0


class StatementStats(NamedTuple):
    """Vote counts of one statement; ``votes`` counts agrees, disagrees and passes."""

    votes: int
    passes: int
    agrees: int
    disagrees: int


@dataclass(frozen=True)
class Repness:
    """Why a statement represents a group: the group leans ``direction`` on it much more than everyone else.

    ``probability`` is the group's smoothed share (pa or pd), ``z`` the two-proportion z-score of the group
    against all other clustered participants, ``ratio`` the group's probability over the others' (ra or rd).
    """

    statement: int
    direction: Direction
    probability: float
    z: float
    ratio: float


@dataclass(frozen=True)
class Group:
    """One opinion group: index ``id`` (0 is the largest), member participant ids, representative statements."""

    id: int
    members: tuple[int, ...]
    representative: tuple[Repness, ...]


class Consensus(NamedTuple):
    """Group-informed consensus: the product over groups of the group's smoothed agree (or disagree) share."""

    statement: int
    score: float


class Majority(NamedTuple):
    """A statement a clear majority of all voters agrees (or disagrees) with; ``probability`` is smoothed."""

    statement: int
    direction: Direction
    probability: float


class Divisive(NamedTuple):
    """A statement that puts groups on opposite sides; ``spread`` is max minus min smoothed group agree share."""

    statement: int
    spread: float


@dataclass(frozen=True, eq=False)
class DeliberationResult:
    """Everything one recompute produces. Rows of the arrays follow ``participant_ids``; columns ``statement_ids``.

    ``group_agrees``, ``group_disagrees`` and ``group_votes`` hold raw counts per group (rows follow ``groups``).
    ``components`` are the two principal axes (2 x statements); ``projections`` every participant's scaled
    position (participants x 2), also for those not clustered. ``k`` is 0 when nobody could be grouped.
    """

    participant_ids: tuple[int, ...]
    statement_ids: tuple[int, ...]
    clustered: tuple[int, ...]
    group_of: dict[int, int | None]
    groups: tuple[Group, ...]
    consensus_agree: tuple[Consensus, ...]
    consensus_disagree: tuple[Consensus, ...]
    majority: tuple[Majority, ...]
    divisive: tuple[Divisive, ...]
    components: Matrix
    center: Matrix
    explained_variance: tuple[float, float]
    projections: Matrix
    extremity: dict[int, float]
    statement_stats: dict[int, StatementStats]
    group_agrees: Matrix
    group_disagrees: Matrix
    group_votes: Matrix
    k: int
    silhouette: float


@dataclass(frozen=True)
class StatementView:
    """How one group voted on one statement, as raw shares of the group's votes on it."""

    statement: int
    agree: float
    disagree: float
    passed: float
    votes: int


@dataclass(frozen=True)
class GroupView:
    """What residents and organisers may see of a group (only groups of at least the minimum size)."""

    id: int
    size: int
    representative: tuple[Repness, ...]
    views: tuple[StatementView, ...]


@dataclass(frozen=True)
class Overview:
    """The organisers' summary: common ground, what divides, the majority view, and every group large enough."""

    common_ground: tuple[int, ...]
    divisive: tuple[int, ...]
    majority: tuple[Majority, ...]
    groups: tuple[GroupView, ...]


@dataclass(frozen=True)
class ParticipantSummary:
    """One resident's summary; ``your_group`` is None when unclustered or when the group is too small to show."""

    participant: int
    common_ground: tuple[int, ...]
    divisive: tuple[int, ...]
    majority: tuple[Majority, ...]
    your_group: GroupView | None
