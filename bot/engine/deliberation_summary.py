"""Deliberation math, presentation: what residents and organisers see, and which statement to ask next.

Pure functions over a DeliberationResult (or plain vote counts); constants are explained in
bot.engine.deliberation_math. Groups below MIN_GROUP_SIZE members are never shown.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import numpy.typing as npt

from bot.engine.deliberation_model import (
    MIN_GROUP_SIZE,
    NEWNESS_BOOST,
    NEWNESS_HALF_LIFE_VOTES,
    SUMMARY_LIMIT,
    DeliberationResult,
    Group,
    GroupView,
    Overview,
    ParticipantSummary,
    StatementView,
)
from bot.engine.deliberation_stats import smoothed


def _shown_groups(result: DeliberationResult, min_group_size: int) -> list[Group]:
    if min_group_size < MIN_GROUP_SIZE:
        raise ValueError(f"groups smaller than {MIN_GROUP_SIZE} are never shown (asked for {min_group_size})")
    return [g for g in result.groups if len(g.members) >= min_group_size]


def common_ground(result: DeliberationResult, min_group_size: int = MIN_GROUP_SIZE,
                  limit: int = SUMMARY_LIMIT) -> tuple[int, ...]:
    """Statements with broad agreement across groups, best group-informed consensus first.

    Broad means: in every shown group more than half of the votes on it agree (smoothed share above 1/2 is
    exactly that). Nothing when no group is large enough to show.
    """
    shown = [g.id for g in _shown_groups(result, min_group_size)]
    if not shown:
        return ()
    agreeing: npt.NDArray[np.bool_] = np.all(smoothed(result.group_agrees[shown], result.group_votes[shown]) > 0.5,
                                             axis=0)
    column = {statement: j for j, statement in enumerate(result.statement_ids)}
    return tuple(c.statement for c in result.consensus_agree if agreeing[column[c.statement]])[:limit]


def _view(result: DeliberationResult, group: Group, statements: tuple[int, ...]) -> GroupView:
    column = {statement: j for j, statement in enumerate(result.statement_ids)}
    views = []
    for statement in dict.fromkeys(statements):
        j = column[statement]
        votes = int(result.group_votes[group.id, j])
        agrees, disagrees = int(result.group_agrees[group.id, j]), int(result.group_disagrees[group.id, j])
        total = max(votes, 1)
        views.append(StatementView(statement, agrees / total, disagrees / total,
                                   (votes - agrees - disagrees) / total, votes))
    return GroupView(group.id, len(group.members), group.representative, tuple(views))


def overview(result: DeliberationResult, min_group_size: int = MIN_GROUP_SIZE,
             limit: int = SUMMARY_LIMIT) -> Overview:
    """The organisers' summary. Each shown group comes with how it voted on its representative statements,
    the common ground and the divisive statements."""
    shown = _shown_groups(result, min_group_size)
    ground = common_ground(result, min_group_size, limit)
    divides = tuple(d.statement for d in result.divisive[:limit])
    groups = tuple(_view(result, g, (*(r.statement for r in g.representative), *ground, *divides)) for g in shown)
    return Overview(ground, divides, result.majority[:limit], groups)


def summary_for(result: DeliberationResult, participant_id: int, min_group_size: int = MIN_GROUP_SIZE,
                limit: int = SUMMARY_LIMIT) -> ParticipantSummary:
    """One resident's summary: common ground, what divides, the majority view, and "how your group sees it".

    ``your_group`` is None for residents who were not clustered (too few votes, or not in this recompute)
    and for members of a group smaller than ``min_group_size`` (which may not go below MIN_GROUP_SIZE).
    """
    board = overview(result, min_group_size, limit)
    group = result.group_of.get(participant_id)
    mine = next((view for view in board.groups if view.id == group), None)
    return ParticipantSummary(participant_id, board.common_ground, board.divisive, board.majority, mine)


def priority(votes: int, passes: int, agrees: int, extremity: float = 0.0) -> float:
    """Pol.is comment priority: ((1 - p) * (E + 1) * a * (1 + 8 * 2^(-S/5)))^2.

    S = votes (agree, disagree and pass), p = (passes + 1) / (S + 2) and a = (agrees + 1) / (S + 2) are
    smoothed pass and agree shares, E the statement's extremity in the PCA (how far a lone vote on it moves
    someone). Rarely passed, informative statements score higher; the newness factor gives an unvoted
    statement 9 times the weight, halving its boost every 5 votes; squaring deepens the bias.
    """
    p = (passes + 1.0) / (votes + 2.0)
    a = (agrees + 1.0) / (votes + 2.0)
    importance = (1.0 - p) * (max(extremity, 0.0) + 1.0) * a
    newness = 1.0 + NEWNESS_BOOST * 2.0 ** (-votes / NEWNESS_HALF_LIFE_VOTES)
    return float((importance * newness) ** 2)


def next_statements(n: int, *, seen: Collection[int], stats: Mapping[int, tuple[int, int, int, int]],
                    created: Mapping[int, int] | None = None, extremity: Mapping[int, float] | None = None,
                    rng: np.random.Generator | None = None) -> list[int]:
    """Up to ``n`` statements this participant has not seen yet, by Pol.is priority (see ``priority``).

    ``stats`` maps statement -> (votes, passes, agrees, disagrees), e.g. ``result.statement_stats``;
    statements only in ``created`` (statement -> creation sequence, larger is newer) count as unvoted.
    ``extremity`` is ``result.extremity``; statements missing there (newer than the recompute) get 0.
    Without ``rng`` the order is by priority, newer first on ties (the ``created`` sequence, else the higher
    statement id). With ``rng`` statements are drawn without replacement with probability proportional to
    priority (Efraimidis-Spirakis keys), as the Pol.is server picks the next comment.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    excluded = set(seen)
    candidates = sorted({*stats, *(created or {})} - excluded)
    if not candidates or n == 0:
        return []
    weights = np.array([priority(*_counts(stats.get(s)), (extremity or {}).get(s, 0.0)) for s in candidates])
    age = np.array([(created or {}).get(s, s) for s in candidates], dtype=np.float64)
    if rng is None:
        order = np.lexsort((-age, -weights))
    else:
        keys = np.log(rng.random(len(candidates))) / weights
        order = np.argsort(-keys, kind="stable")
    return [candidates[i] for i in order[:n]]


def _counts(entry: tuple[int, int, int, int] | None) -> tuple[int, int, int]:
    votes, passes, agrees, _ = entry if entry is not None else (0, 0, 0, 0)
    return votes, passes, agrees
