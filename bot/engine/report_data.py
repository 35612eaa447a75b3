"""The report's figures as open data: CSV (one figure a row) and JSON (the same rows, and the lists).

CSV columns (documented in the README, "Report back"): section, measure, neighbourhood (empty: all the
neighbourhoods of the report, the sum of their shown figures), theme (empty: all themes; for polls and
conversations the reference), period (``current`` or ``previous``), category (a channel, language, poll option
or group), value (empty when not shown), hidden (empty, ``fewer_than_5``, or ``complementary``: hidden so that a
small number cannot be worked out).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from typing import Any

from bot.engine.report_model import Report

COLUMNS = ("section", "measure", "neighbourhood", "theme", "period", "category", "value", "hidden")


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for f in report.figures:
        writer.writerow((f.section, f.measure, f.neighbourhood, f.theme, f.period, f.category,
                         "" if f.value is None else f.value, f.hidden))
    return buffer.getvalue()


def to_json(report: Report) -> str:
    data: dict[str, Any] = {
        "municipality": report.municipality,
        "period": {"from": report.start.isoformat(), "to": report.end.isoformat()},
        "previous_period": {"from": report.previous_start.isoformat(),
                            "to": report.start.fromordinal(report.start.toordinal() - 1).isoformat()},
        "neighbourhoods": [{"id": hood, "name": name} for hood, name in report.neighbourhoods],
        "generated": report.generated,
        "columns": list(COLUMNS),
        "figures": [{"section": f.section, "measure": f.measure, "neighbourhood": f.neighbourhood,
                     "theme": f.theme, "period": f.period, "category": f.category, "value": f.value,
                     "hidden": f.hidden} for f in report.figures],
        "quotes": [asdict(q) for q in report.quotes],
        "you_said_we_did": [asdict(line) for line in report.said_did],
        "commitments": [{**asdict(c), "due": c.due.isoformat()} for c in report.commitments],
        "polls": [{**asdict(p), "closed": p.closed.isoformat(),
                   "options": [{"label": label, "votes": votes, "hidden": why} for label, votes, why in p.options]}
                  for p in report.polls],
        "deliberations": [asdict(d) for d in report.deliberations],
        "contact_positions": [{**asdict(p), "since": p.since.isoformat() if p.since else None}
                              for p in report.positions],
        "observations": [asdict(o) for o in report.observations],
        "signals": [asdict(s) for s in report.signals],
    }
    return json.dumps(data, ensure_ascii=False, indent=1)
