"""Deliberation math, statistics: Pol.is repness, group-informed consensus, majority view and divisive statements.

Every function takes count matrices (groups x statements, or one row for everybody) and works on all
statements at once. The formulas follow polismath (math/src/polismath/math/repness.clj and stats.clj).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.engine.deliberation_model import (
    MAJORITY_THRESHOLD,
    MAX_REPRESENTATIVE,
    PSEUDOCOUNT,
    Z_90,
    Consensus,
    Direction,
    Divisive,
    Majority,
    Matrix,
    Repness,
)


def smoothed(successes: Matrix, trials: Matrix) -> Matrix:
    """Share under a Beta(1, 1) prior: (successes + 1) / (trials + 2). Never 0 or 1, defined without votes."""
    result: Matrix = (successes + PSEUDOCOUNT) / (trials + 2.0 * PSEUDOCOUNT)
    return result


def prop_test(successes: Matrix, trials: Matrix) -> Matrix:
    """z-score of a share against one half, one pseudo-vote added to both counts (polismath prop-test)."""
    result: Matrix = 2.0 * np.sqrt(trials + 1.0) * ((successes + 1.0) / (trials + 1.0) - 0.5)
    return result


def two_prop_test(successes_in: Matrix, successes_out: Matrix, trials_in: Matrix, trials_out: Matrix) -> Matrix:
    """Pooled two-proportion z-score, in minus out, one pseudo-vote added to each count (polismath two-prop-test)."""
    s1, s2, n1, n2 = successes_in + 1.0, successes_out + 1.0, trials_in + 1.0, trials_out + 1.0
    pooled = (s1 + s2) / (n1 + n2)
    variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    safe = np.where(variance > 0, variance, 1.0)
    result: Matrix = np.where(variance > 0, (s1 / n1 - s2 / n2) / np.sqrt(safe), 0.0)
    return result


def representative(agrees: Matrix, disagrees: Matrix, votes: Matrix,
                   statement_ids: Sequence[int]) -> list[tuple[Repness, ...]]:
    """Per group, up to MAX_REPRESENTATIVE statements on which the group differs most from everyone else.

    A statement represents a group in the agree direction when both the group's own agree share is
    significantly above one half (pat) and above the other clustered participants' share (rat), each at
    z > Z_90; likewise for disagree. Where both directions pass, the stronger repness test wins. They are
    ranked by the polismath metric ratio * z(ratio) * probability * z(probability), agrees listed first.
    """
    k = agrees.shape[0]
    if k < 2:
        return [() for _ in range(k)]
    chosen: list[tuple[Repness, ...]] = []
    rest_a, rest_d, rest_n = agrees.sum(0) - agrees, disagrees.sum(0) - disagrees, votes.sum(0) - votes
    pa, pd = smoothed(agrees, votes), smoothed(disagrees, votes)
    pat, pdt = prop_test(agrees, votes), prop_test(disagrees, votes)
    ra, rd = pa / smoothed(rest_a, rest_n), pd / smoothed(rest_d, rest_n)
    rat, rdt = two_prop_test(agrees, rest_a, votes, rest_n), two_prop_test(disagrees, rest_d, votes, rest_n)
    agree_ok = (rat > Z_90) & (pat > Z_90)
    disagree_ok = (rdt > Z_90) & (pdt > Z_90)
    use_agree = agree_ok & (~disagree_ok | (rat >= rdt))
    use_disagree = disagree_ok & ~use_agree
    metric = np.where(use_agree, ra * rat * pa * pat, rd * rdt * pd * pdt)
    for g in range(k):
        candidates = np.flatnonzero(use_agree[g] | use_disagree[g])
        top = candidates[np.argsort(-metric[g, candidates], kind="stable")][:MAX_REPRESENTATIVE]
        picked = []
        for j in top:
            agree = bool(use_agree[g, j])
            direction: Direction = "agree" if agree else "disagree"
            picked.append(Repness(int(statement_ids[j]), direction, float((pa if agree else pd)[g, j]),
                                  float((rat if agree else rdt)[g, j]), float((ra if agree else rd)[g, j])))
        chosen.append(tuple(sorted(picked, key=lambda r: r.direction != "agree")))
    return chosen


def group_consensus(successes: Matrix, votes: Matrix, statement_ids: Sequence[int]) -> tuple[Consensus, ...]:
    """Group-informed consensus (Small et al. 2021): product over groups of (successes + 1) / (votes + 2).

    A statement scores high only if every group, large or small, mostly shares the view: one group against
    it multiplies the score down however large the other groups are. Sorted high to low.
    """
    if successes.shape[0] == 0:
        return ()
    scores = smoothed(successes, votes).prod(axis=0)
    order = np.argsort(-scores, kind="stable")
    return tuple(Consensus(int(statement_ids[j]), float(scores[j])) for j in order)


def majority(agrees: Matrix, disagrees: Matrix, votes: Matrix, statement_ids: Sequence[int]) -> tuple[Majority, ...]:
    """Statements over MAJORITY_THRESHOLD smoothed agree (or disagree) among all voters, z > Z_90.

    Counts here are over everyone who voted, grouped or not. Ranked by probability * z, as polismath does.
    """
    found: list[tuple[float, int, Majority]] = []
    directions: tuple[tuple[Direction, Matrix], ...] = (("agree", agrees), ("disagree", disagrees))
    for direction, successes in directions:
        p, z = smoothed(successes, votes), prop_test(successes, votes)
        for j in (int(j) for j in np.flatnonzero((p > MAJORITY_THRESHOLD) & (z > Z_90))):
            found.append((-float(p[j] * z[j]), j, Majority(int(statement_ids[j]), direction, float(p[j]))))
    return tuple(entry for _, _, entry in sorted(found, key=lambda f: (f[0], f[1])))


def divisive(agrees: Matrix, disagrees: Matrix, votes: Matrix, sizes: Sequence[int], min_group_size: int,
             statement_ids: Sequence[int]) -> tuple[Divisive, ...]:
    """Statements that put groups on opposite sides, largest spread of the groups' agree shares first.

    Opposite sides: in one group more than half of the votes agree, in another more than half disagree, and
    the first group's agree share beats the second's with z > Z_90. A gap alone is not enough: picking the
    highest and lowest of several groups makes some gap look significant even where all groups agree.
    Only groups of at least ``min_group_size`` take part: with one pseudo-vote a group of one member that
    agreed already has an agree share of 2/3, and outliers would otherwise decide what "divides" the
    neighbourhood. ``spread`` is the highest minus the lowest smoothed agree share among those groups.
    """
    eligible = np.flatnonzero(np.asarray(sizes) >= min_group_size)
    if len(eligible) < 2:
        return ()
    a, d, n = agrees[eligible], disagrees[eligible], votes[eligible]
    pa, pd = smoothed(a, n), smoothed(d, n)
    columns = np.arange(a.shape[1])
    agreeing, disagreeing = pa.argmax(axis=0), pd.argmax(axis=0)
    z = two_prop_test(a[agreeing, columns], a[disagreeing, columns], n[agreeing, columns], n[disagreeing, columns])
    opposite = (pa[agreeing, columns] > 0.5) & (pd[disagreeing, columns] > 0.5) & (z > Z_90)
    spread = pa.max(axis=0) - pa.min(axis=0)
    keep = np.flatnonzero(opposite)
    keep = keep[np.argsort(-spread[keep], kind="stable")]
    return tuple(Divisive(int(statement_ids[int(j)]), float(spread[j])) for j in keep)
