"""What one recompute of a deliberation leaves for the chat: a JSON snapshot of aggregates, and the groups.

The snapshot holds no resident ids: per-statement counts and extremity (for ``next_statements``), and the
organisers' ``overview`` (common ground, divisive statements, majority, and only the groups of at least
MIN_GROUP_SIZE members). Each participant's group is stored beside it (``deliberation_participants.group_id``),
and only when that group is shown; ``summary_of`` then gives the same ParticipantSummary as ``summary_for``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.engine.deliberation_math import (
    DeliberationResult,
    Direction,
    GroupView,
    Majority,
    Overview,
    ParticipantSummary,
    Repness,
    StatementStats,
    StatementView,
    compute,
    overview,
)
from bot.engine.deliberation_model import Matrix

EMPTY_OVERVIEW = Overview((), (), (), ())


@dataclass(frozen=True)
class Snapshot:
    participants: int = 0  # residents with at least one vote on an approved statement
    clustered: int = 0  # of them, enough votes to be placed in a group
    hidden_groups: int = 0  # groups found but too small to show
    stats: dict[int, StatementStats] = field(default_factory=dict)
    extremity: dict[int, float] = field(default_factory=dict)
    overview: Overview = EMPTY_OVERVIEW

    def agree_share(self, statement: int) -> float | None:
        counts = self.stats.get(statement)
        return None if counts is None or counts.votes == 0 else counts.agrees / counts.votes


def unpack(packed: list[tuple[int, str]]) -> tuple[Matrix, list[int], list[int]]:
    """The vote matrix (as ``votes_matrix`` gives it) from ``bot.store.deliberations.packed_votes``: per statement
    its votes as comma-separated resident_id * 4 + vote + 1. numpy parses them without a Python object per vote;
    the statements come one per row and every (resident, statement) once (the table's primary key), so only the
    residents need sorting out."""
    per_statement = [np.fromstring(votes, dtype=np.int64, sep=",") for _, votes in packed]
    codes = np.concatenate(per_statement) if per_statement else np.zeros(0, dtype=np.int64)
    residents = codes >> 2
    if len(residents) and int(residents.min()) >= 0 and int(residents.max()) < 4 * len(residents) + 1_000_000:
        present = np.zeros(int(residents.max()) + 1, dtype=np.bool_)  # dense ids: a lookup table, no sort
        present[residents] = True
        participants = np.flatnonzero(present)
        row = (np.cumsum(present) - 1)[residents]
    else:
        participants, row = np.unique(residents, return_inverse=True)
    column = np.repeat(np.arange(len(packed)), [len(votes) for votes in per_statement])
    matrix = np.full((len(participants), len(packed)), np.nan)
    matrix[row, column] = (codes & 3) - 1
    return matrix, [int(p) for p in participants], [s for s, _ in packed]


def calculate(packed: list[tuple[int, str]], seed: int) -> tuple[Snapshot, dict[int, int | None]]:
    """The math for one deliberation from its packed votes (CPU-bound: run it in a thread). Returns the snapshot
    and, per participant, their group if it is shown (else None)."""
    matrix, participants, statements = unpack(packed)
    if not participants:
        return Snapshot(), {}
    result: DeliberationResult = compute(matrix, participants, statements, seed=seed)
    board = overview(result)
    shown = {g.id for g in board.groups}
    groups = {p: (g if g in shown else None) for p, g in result.group_of.items()}
    snapshot = Snapshot(participants=len(participants), clustered=len(result.clustered),
                        hidden_groups=len(result.groups) - len(board.groups), stats=dict(result.statement_stats),
                        extremity=dict(result.extremity), overview=board)
    return snapshot, groups


def summary_of(snapshot: Snapshot, participant: int, group: int | None) -> ParticipantSummary:
    """One resident's summary from a stored snapshot: what ``summary_for`` gives on the full result."""
    board = snapshot.overview
    mine = next((view for view in board.groups if view.id == group), None) if group is not None else None
    return ParticipantSummary(participant, board.common_ground, board.divisive, board.majority, mine)


def dumps(snapshot: Snapshot) -> str:
    board = snapshot.overview
    data: dict[str, Any] = {
        "participants": snapshot.participants,
        "clustered": snapshot.clustered,
        "hidden_groups": snapshot.hidden_groups,
        "stats": {str(s): list(c) for s, c in snapshot.stats.items()},
        "extremity": {str(s): round(e, 6) for s, e in snapshot.extremity.items()},
        "common_ground": list(board.common_ground),
        "divisive": list(board.divisive),
        "majority": [[m.statement, m.direction, m.probability] for m in board.majority],
        "groups": [{"id": g.id, "size": g.size,
                    "representative": [[r.statement, r.direction, r.probability, r.z, r.ratio]
                                       for r in g.representative],
                    "views": [[v.statement, v.agree, v.disagree, v.passed, v.votes] for v in g.views]}
                   for g in board.groups],
    }
    return json.dumps(data, separators=(",", ":"))


def _direction(value: Any) -> Direction:
    return "disagree" if value == "disagree" else "agree"


def loads(text: str | None) -> Snapshot | None:
    if not text:
        return None
    data = json.loads(text)
    groups = tuple(
        GroupView(int(g["id"]), int(g["size"]),
                  tuple(Repness(int(s), _direction(d), float(p), float(z), float(r))
                        for s, d, p, z, r in g["representative"]),
                  tuple(StatementView(int(s), float(a), float(d), float(p), int(n)) for s, a, d, p, n in g["views"]))
        for g in data["groups"])
    board = Overview(tuple(int(s) for s in data["common_ground"]), tuple(int(s) for s in data["divisive"]),
                     tuple(Majority(int(s), _direction(d), float(p)) for s, d, p in data["majority"]), groups)
    return Snapshot(participants=int(data["participants"]), clustered=int(data["clustered"]),
                    hidden_groups=int(data["hidden_groups"]),
                    stats={int(s): StatementStats(*(int(x) for x in c)) for s, c in data["stats"].items()},
                    extremity={int(s): float(e) for s, e in data["extremity"].items()}, overview=board)
