"""The scrubber on labelled stories: recall and precision per kind, and ordinary text kept.

corpus.json (353 stories, every kind and form of issue 15 and as many negatives) is what the scrubber was
developed against; heldout.json (92 stories) was written and committed before that work and never used to
tune it; heldout2.json (47 messier stories) was held out until its first run (recall 0.862, see its "about"),
and the gaps it showed were then closed. Run with ``-s`` to see the tables.
"""

from __future__ import annotations

import pytest

from bot.engine.scrub import KINDS
from tests.engine.scrub_corpus_support import Score, load, parse, score

TARGET_RECALL = 0.95
TARGET_KEPT = 0.95


def _report(name: str, s: Score) -> str:
    return f"\n{name}\n{s.table()}\nmissed:\n  " + "\n  ".join(s.misses) + "\nchanged:\n  " + "\n  ".join(s.damage)


@pytest.mark.parametrize("name", ["corpus.json", "heldout.json", "heldout2.json"])
def test_recall_and_ordinary_text_kept(name: str) -> None:
    s = score(load(name))
    print(_report(name, s))
    assert s.recall() >= TARGET_RECALL, _report(name, s)
    assert s.kept_ratio >= TARGET_KEPT, _report(name, s)


def test_the_corpus_covers_every_kind_and_many_negatives() -> None:
    cases = load("corpus.json")
    s = score(cases)
    assert len(cases) >= 300
    for kind in KINDS:
        assert s.gold[kind] >= 10, kind
    negatives = [c for c in cases if not c.gold]
    assert len(negatives) >= 120


def test_every_kind_is_found_and_precise_on_the_corpus() -> None:
    s = score(load("corpus.json"))
    for kind in KINDS:
        assert s.recall(kind) >= 0.9, _report(kind, s)
        assert s.precision(kind) >= 0.9, _report(kind, s)
    assert s.recall("flag") >= 0.75, _report("flag", s)


def test_labels_are_read_exactly() -> None:
    case = parse("Bel {{phone:06-12345678}} of {{flag:Kees}}.")
    assert case.text == "Bel 06-12345678 of Kees."
    assert case.gold == (("phone", 4, 15), ("flag", 19, 23))


def test_the_score_notices_misses_and_damage() -> None:
    """A scorer that cannot fail proves nothing: a missed label and a changed ordinary word both count."""
    s = score([parse("Mijn wachtwoord is {{phone:geheim}}."), parse("Bel 06-12345678 na vijven.")])
    assert s.recall("phone") == 0.0 and s.misses
    assert s.kept == 1 and s.damage == ["phone: '06-12345678' in 'Bel 06-12345678 na vijven.'"]
