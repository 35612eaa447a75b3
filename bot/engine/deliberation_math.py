"""Deliberation math (issue 8): Pol.is-style opinion groups, representative statements and common ground.

Residents vote on short statements: agree (+1), disagree (-1) or pass (0); a statement someone has not seen
is NaN. A scheduled job, not every vote, builds the matrix (``votes_matrix``) and calls ``compute``;
``summary_for`` / ``overview`` turn the result into what residents and organisers see, and
``next_statements`` picks what to ask someone next. Everything is pure numpy and deterministic per seed.

The steps follow Pol.is (polismath, github.com/compdemocracy/polis, math/src/polismath/math/*.clj, and
Small et al. 2021, "Polis: Scaling deliberation by mapping high dimensional opinion spaces"):

1. PCA to two components of the vote matrix with unseen cells mean-imputed per statement (top eigenvectors
   of the statements' scatter matrix; Pol.is uses power iteration for the same axes).
2. Projection scaled by sqrt(statements / own votes), so that people who voted little are not pulled into
   the centre by the imputed means.
3. Only participants with at least min(MIN_VOTES, statements) votes (passes count) are clustered.
4. k-means (k-means++ seeding, restarts) on the clustered 2-D positions; k in 2..5 chosen by silhouette.
5. Per group, representative statements (repness); over groups, group-informed consensus; over everyone, the
   majority view; across shown groups, the divisive statements.

Vote coding: Pol.is stores agree as -1 internally; we use agree = +1. Every formula is symmetric in the sign.

Constants, and why:

- ``MIN_VOTES = 7`` (really ``min(7, statements)``): Pol.is's rule for entering the clustering. With fewer
  votes a position is mostly imputed means blown up by the projection scaling, i.e. noise. Pol.is also tops
  up to 15 participants with the most active voters; we do not: a resident below the minimum is never
  clustered, and a young conversation simply has no groups yet.
- ``MIN_K, MAX_K = 2, 5`` and at most ``2 + clustered / PARTICIPANTS_PER_EXTRA_K (12)`` groups: Pol.is's
  range and its max-k rule; more than five groups cannot be explained in a chat, and each extra group needs
  about a dozen more people. Fewer than two distinct positions give a single group.
- ``KMEANS_RESTARTS = 4``, ``KMEANS_MAX_ITERATIONS = 100``: Pol.is reuses the previous clustering as a warm
  start; a recompute here is stateless, so k-means++ with a seed gives determinism and the best of four runs
  (lowest inertia) guards against an unlucky seeding. In 2-D a run takes milliseconds. Pol.is caps at 100
  iterations too. It first groups people into 100 "base clusters" to keep Clojure fast; numpy clusters
  10,000 points directly, as the issue asks.
- ``SILHOUETTE_SAMPLE = 2000``: the silhouette needs all pairwise distances (quadratic: 10^8 for 10,000
  people). A uniform, seeded sample of 2,000 (4 * 10^6 distances) estimates the mean silhouette within about
  0.02 (standard error below 1 / sqrt(2000)), enough to tell k apart; every k is scored on the same sample.
  Pol.is's "keep the old k until a new one wins four times" smoothing needs state across recomputes and is
  left out; compute is a pure function.
- ``PSEUDOCOUNT = 1``: a Beta(1, 1) (Laplace) prior, pa = (agrees + 1) / (votes + 2), as Pol.is. Shares are
  never 0 or 1 and exist without votes, and two agreeing votes do not read as "100% agree". The z-tests add
  one pseudo-vote to every count, as polismath's prop-test and two-prop-test do.
- ``Z_90 = 1.2816``: the one-sided 90% normal quantile, Pol.is's z-sig-90. Lenient on purpose: it picks what
  to show, it proves nothing. A representative statement must pass it twice (the group's share against 1/2,
  and against everyone else's share). No correction for testing many statements: the ranking and the
  limit of five keep chance findings at the bottom.
- ``MAX_REPRESENTATIVE = 5``: Pol.is shows the top five per group, ranked by ratio * z * probability * z.
- ``MAJORITY_THRESHOLD = 0.6`` (with z > Z_90): the issue's "clear majority". polismath uses 0.5; 0.6 keeps
  a statistically detectable 51% out of "what most people think".
- ``MIN_GROUP_SIZE = 5``: privacy. In a smaller group "how your group sees it" comes close to telling what
  named neighbours voted. Small groups are still computed and count in the math (group-informed consensus
  gives each group a veto, as published), but are never shown, and do not decide what counts as divisive.
- ``SUMMARY_LIMIT = 5``: statements per list in a chat message.
- ``NEWNESS_BOOST = 8``, ``NEWNESS_HALF_LIFE_VOTES = 5``: Pol.is's priority-metric; see ``priority``.

Divisive (not in Pol.is's math, which reports per-group repness instead): statements on which one shown group
mostly agrees and another mostly disagrees, that difference passing the two-proportion z-test at Z_90; ranked
by the spread between the highest and lowest smoothed agree share among shown groups.

Cost: 10,000 x 300 recomputes in 0.3 to 0.5 s on one core (python bench/deliberation.py); the scatter matrix
and the counts are single BLAS products, k-means and silhouette work on 2-D points.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from bot.engine.deliberation_geometry import cluster, pca, project
from bot.engine.deliberation_model import (
    AGREE,
    DISAGREE,
    KMEANS_MAX_ITERATIONS,
    KMEANS_RESTARTS,
    MAJORITY_THRESHOLD,
    MAX_K,
    MAX_REPRESENTATIVE,
    MIN_GROUP_SIZE,
    MIN_K,
    MIN_VOTES,
    NEWNESS_BOOST,
    NEWNESS_HALF_LIFE_VOTES,
    PARTICIPANTS_PER_EXTRA_K,
    PASS,
    PSEUDOCOUNT,
    SILHOUETTE_SAMPLE,
    SUMMARY_LIMIT,
    Z_90,
    Consensus,
    DeliberationResult,
    Direction,
    Divisive,
    Group,
    GroupView,
    Majority,
    Matrix,
    Overview,
    ParticipantSummary,
    Repness,
    StatementStats,
    StatementView,
)
from bot.engine.deliberation_stats import divisive, group_consensus, majority, representative
from bot.engine.deliberation_summary import common_ground, next_statements, overview, priority, summary_for

__all__ = [
    "AGREE", "DISAGREE", "KMEANS_MAX_ITERATIONS", "KMEANS_RESTARTS", "MAJORITY_THRESHOLD", "MAX_K",
    "MAX_REPRESENTATIVE", "MIN_GROUP_SIZE", "MIN_K", "MIN_VOTES", "NEWNESS_BOOST", "NEWNESS_HALF_LIFE_VOTES",
    "PARTICIPANTS_PER_EXTRA_K", "PASS", "PSEUDOCOUNT", "SILHOUETTE_SAMPLE", "SUMMARY_LIMIT", "Z_90",
    "Consensus", "DeliberationResult", "Direction", "Divisive", "Group", "GroupView", "Majority", "Overview",
    "ParticipantSummary", "Repness", "StatementStats", "StatementView",
    "common_ground", "compute", "matrix_of", "next_statements", "overview", "priority", "statement_stats",
    "summary_for", "votes_matrix",
]


def votes_matrix(rows: Iterable[tuple[int, int, int]]) -> tuple[Matrix, list[int], list[int]]:
    """(participant, statement, vote) rows to a participants x statements matrix of +1 / -1 / 0 / NaN.

    Ids come back sorted. When a participant voted on a statement more than once, the last row wins.
    """
    data = np.array(list(rows), dtype=np.int64).reshape(-1, 3)
    return matrix_of(data[:, 0], data[:, 1], data[:, 2])


def matrix_of(participant_column: npt.NDArray[np.int64], statement_column: npt.NDArray[np.int64],
              vote_column: npt.NDArray[np.int64]) -> tuple[Matrix, list[int], list[int]]:
    """``votes_matrix`` from three equally long columns (the recompute reads them so; see
    bot.engine.deliberation_snapshot.unpack)."""
    if not np.isin(vote_column, (-1, 0, 1)).all():
        raise ValueError("votes must be -1 (disagree), 0 (pass) or 1 (agree)")
    participants, row = np.unique(participant_column, return_inverse=True)
    statements, column = np.unique(statement_column, return_inverse=True)
    cell = row * len(statements) + column
    _, last_from_end = np.unique(cell[::-1], return_index=True)
    last = len(cell) - 1 - last_from_end
    matrix = np.full((len(participants), len(statements)), np.nan)
    matrix[row[last], column[last]] = vote_column[last]
    return matrix, [int(p) for p in participants], [int(s) for s in statements]


def statement_stats(votes: Matrix, statement_ids: Sequence[int]) -> dict[int, StatementStats]:
    """Per statement (votes, passes, agrees, disagrees) over every participant, for ``next_statements``."""
    seen = ~np.isnan(votes)
    totals = seen.sum(0), (votes > 0).sum(0), (votes < 0).sum(0)
    return {int(s): StatementStats(int(n), int(n - a - d), int(a), int(d))
            for s, n, a, d in zip(statement_ids, *totals, strict=True)}


def _group_counts(masks: Sequence[npt.NDArray[np.bool_]], rows: npt.NDArray[np.intp],
                  labels: npt.NDArray[np.intp], k: int) -> list[Matrix]:
    membership = np.zeros((k, masks[0].shape[0]), dtype=np.float32)
    membership[labels, rows] = 1.0  # float32 counts are exact below 2^24 participants
    return [(membership @ mask.astype(np.float32)).astype(np.float64) for mask in masks]


def compute(votes: npt.ArrayLike, participant_ids: Sequence[int], statement_ids: Sequence[int], *,
            seed: int = 0, min_group_size: int = MIN_GROUP_SIZE) -> DeliberationResult:
    """Recompute the whole deliberation: positions, opinion groups, repness, consensus, majority, divisive.

    ``votes`` is participants x statements with +1 agree, -1 disagree, 0 pass and NaN unseen.
    ``min_group_size`` only limits which groups decide what counts as divisive; all groups are computed.
    """
    matrix = np.asarray(votes, dtype=np.float64)
    n, m = matrix.shape if matrix.ndim == 2 else (-1, -1)
    if (n, m) != (len(participant_ids), len(statement_ids)):
        raise ValueError(f"votes must be {len(participant_ids)} x {len(statement_ids)}, got {np.shape(votes)}")
    if len(set(participant_ids)) != n or len(set(statement_ids)) != m:
        raise ValueError("participant and statement ids must be unique")
    seen = ~np.isnan(matrix)
    agree, disagree = matrix > 0, matrix < 0
    if (seen & ~agree & ~disagree & (matrix != PASS)).any() or (matrix[agree] != AGREE).any() \
            or (matrix[disagree] != DISAGREE).any():
        raise ValueError("votes must be 1 (agree), -1 (disagree), 0 (pass) or NaN (unseen)")
    n_votes = seen.sum(axis=1)
    axes = pca(matrix, seen)
    projections = project(axes.centred, axes.components, n_votes)
    rows = np.flatnonzero(n_votes >= max(min(MIN_VOTES, m), 1))
    grouping = cluster(projections[rows], np.random.default_rng(seed))
    k = grouping.k
    ids = [int(p) for p in participant_ids]
    statements = [int(s) for s in statement_ids]
    group_agrees, group_disagrees, group_votes = _group_counts((agree, disagree, seen), rows, grouping.labels, k)
    reps = representative(group_agrees, group_disagrees, group_votes, statements)
    members = [tuple(ids[i] for i in rows[grouping.labels == g]) for g in range(k)]
    groups = tuple(Group(g, members[g], reps[g]) for g in range(k))
    group_of: dict[int, int | None] = dict.fromkeys(ids)
    group_of.update({ids[i]: int(g) for i, g in zip(rows, grouping.labels, strict=True)})
    all_agrees, all_disagrees = agree.sum(0).astype(np.float64), disagree.sum(0).astype(np.float64)
    all_votes = seen.sum(0).astype(np.float64)
    extremity = np.abs(AGREE - axes.center) * np.sqrt(m) * np.linalg.norm(axes.components, axis=0)
    return DeliberationResult(
        participant_ids=tuple(ids),
        statement_ids=tuple(statements),
        clustered=tuple(ids[i] for i in rows),
        group_of=group_of,
        groups=groups,
        consensus_agree=group_consensus(group_agrees, group_votes, statements),
        consensus_disagree=group_consensus(group_disagrees, group_votes, statements),
        majority=majority(all_agrees, all_disagrees, all_votes, statements),
        divisive=divisive(group_agrees, group_disagrees, group_votes, [len(g) for g in members], min_group_size,
                          statements),
        components=axes.components,
        center=axes.center,
        explained_variance=axes.explained,
        projections=projections,
        extremity={s: float(e) for s, e in zip(statements, extremity, strict=True)},
        statement_stats={s: StatementStats(int(v), int(v - a - d), int(a), int(d))
                         for s, v, a, d in zip(statements, all_votes, all_agrees, all_disagrees, strict=True)},
        group_agrees=group_agrees,
        group_disagrees=group_disagrees,
        group_votes=group_votes,
        k=k,
        silhouette=grouping.silhouette,
    )
