"""Reading the scrubber's labelled corpora (tests/engine/scrub_corpus/*.json) and scoring the scrubber on them.

A case is a story with ``{{kind:value}}`` around personal data that must be replaced by the kind's marker, and
``{{flag:value}}`` around names that may stay but must be flagged to moderators.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine.scrub import KINDS, scrub

CORPUS_DIR = Path(__file__).parent / "scrub_corpus"
_LABEL = re.compile(r"\{\{(\w+):(.*?)\}\}")


@dataclass(frozen=True)
class Case:
    text: str
    gold: tuple[tuple[str, int, int], ...]  # (kind, start, end); kind "flag" for names to flag


def parse(labelled: str) -> Case:
    parts: list[str] = []
    gold: list[tuple[str, int, int]] = []
    pos = 0
    length = 0
    for m in _LABEL.finditer(labelled):
        kind, value = m.group(1), m.group(2)
        assert kind in (*KINDS, "flag"), kind
        parts.append(labelled[pos : m.start()])
        length += m.start() - pos
        gold.append((kind, length, length + len(value)))
        parts.append(value)
        length += len(value)
        pos = m.end()
    parts.append(labelled[pos:])
    return Case("".join(parts), tuple(gold))


def load(name: str) -> list[Case]:
    data = json.loads((CORPUS_DIR / name).read_text(encoding="utf-8"))
    cases = data["cases"] if "cases" in data else [c for section in data["sections"].values() for c in section]
    return [parse(c) for c in cases]


@dataclass
class Score:
    gold: Counter[str] = field(default_factory=Counter)  # labelled spans per kind
    found: Counter[str] = field(default_factory=Counter)  # labelled spans replaced by their kind
    reported: Counter[str] = field(default_factory=Counter)  # findings per kind
    correct: Counter[str] = field(default_factory=Counter)  # findings inside a labelled span of their kind
    cases: int = 0
    kept: int = 0  # cases where nothing outside the labelled spans changed
    misses: list[str] = field(default_factory=list)
    damage: list[str] = field(default_factory=list)

    def recall(self, kind: str | None = None) -> float:
        kinds = [k for k in self.gold if k != "flag"] if kind is None else [kind]
        total = sum(self.gold[k] for k in kinds)
        return sum(self.found[k] for k in kinds) / total if total else 1.0

    def precision(self, kind: str) -> float:
        return self.correct[kind] / self.reported[kind] if self.reported[kind] else 1.0

    @property
    def kept_ratio(self) -> float:
        return self.kept / self.cases if self.cases else 1.0

    def table(self) -> str:
        lines = [f"{'kind':<10} {'gold':>5} {'recall':>7} {'found':>6} {'precision':>9}"]
        for kind in (*KINDS, "flag"):
            if self.gold[kind] or self.reported[kind]:
                lines.append(f"{kind:<10} {self.gold[kind]:>5} {self.recall(kind):>7.3f} {self.reported[kind]:>6}"
                             f" {self.precision(kind):>9.3f}")
        lines.append(f"recall over all kinds {self.recall():.3f}; ordinary text kept in {self.kept}/{self.cases}"
                     f" stories ({self.kept_ratio:.3f})")
        return "\n".join(lines)


def score(cases: list[Case]) -> Score:
    s = Score()
    for case in cases:
        result = scrub(case.text)
        s.cases += 1
        spans = [(k, a, b) for k, a, b in case.gold if k != "flag"]
        for kind, a, b in case.gold:
            s.gold[kind] += 1
            if kind == "flag":
                hit = any(f.start <= a and f.end >= b for f in result.flagged)
            else:
                hit = any(f.kind == kind and f.start <= a and f.end >= b for f in result.findings)
            if hit:
                s.found[kind] += 1
            else:
                s.misses.append(f"{kind}: {case.text[a:b]!r} in {case.text!r}")
        for f in result.flagged:
            s.reported["flag"] += 1
            s.correct["flag"] += any(k == "flag" and a <= f.start and f.end <= b for k, a, b in case.gold)
        clean = True
        for f in result.findings:
            s.reported[f.kind] += 1
            if any(k == f.kind and a <= f.start and f.end <= b for k, a, b in spans):
                s.correct[f.kind] += 1
            if not any(a <= f.start and f.end <= b for _, a, b in spans):
                clean = False
                s.damage.append(f"{f.kind}: {f.original!r} in {case.text!r}")
        s.kept += clean
    return s
