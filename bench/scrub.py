"""Benchmark: the personal-data scrubber (bot.engine.scrub) on one core.

    python bench/scrub.py [--repeat 200] [--tiny] [--json bench/results/scrub.json]

Three measurements (issue 15, points 4 and 7):

* a 2,000-character story as residents write them, with a phone number, an e-mail address written around a
  filter, a name, a house number and an IBAN: median CPU microseconds per scrub (target < 2,000 µs), and the
  same for 2,000 characters cut from the labelled corpus, where nearly every sentence holds personal data
  (reported, no target);
* linearity: every adversarial input of ``ADVERSARIAL`` (long runs of digits, separators, repeated patterns)
  at 10,000 and 100,000 characters; the CPU time must grow at most 15 times for 10 times the input (a
  quadratic scrubber shows about 100);
* the hand-written phone scanner against the ``phonenumbers`` library (``PhoneNumberMatcher``, region NL,
  leniency VALID) on the phone numbers of the labelled corpora: recall, numbers wrongly taken from ordinary
  text (service numbers such as 0900-8844 and 14 020 must stay) and microseconds per story. Skipped when
  phonenumbers is not installed; it is in the dev extra only for this comparison.

Times are process CPU time (``time.process_time``), so other processes on a busy machine inflate them less
than wall-clock time, though they still share caches; the JSON says what the load was. Exit status 1 when a
target is missed. ``--tiny`` runs a few repeats at 1,000 and 10,000 characters (what the smoke test does).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if str(ROOT := Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import RESULTS, machine, warn_if_busy, write_json
from bot.engine.scrub import scrub
from bot.engine.scrub_base import everywhere
from bot.engine.scrub_phone import find_phone

TARGET_STORY_US = 2000.0
TARGET_GROWTH = 15.0  # CPU time at 10x the input; linear is 10

STORY_PARTS = (
    "Hallo, ik woon nu zeven jaar in de wijk en ik wil graag iets vertellen over onze flat aan de Merelstraat 14b. "
    "Sinds de zomer doet de lift het bijna nooit. Mijn buurvrouw Fatima El Amrani woont op de vierde verdieping "
    "met drie kleine kinderen en een kinderwagen, en zij moet elke dag de trap op en af. De woningcorporatie zegt "
    "dat de monteur komt, maar er gebeurt niets. Ik heb al vier keer gebeld en twee keer gemaild. ",
    "Ook de verlichting in het portiek is kapot. 's Avonds is het zo donker dat oudere mensen niet meer naar "
    "buiten durven. Vorige week is meneer Jansen van driehoog gevallen op de trap. Hij lag een uur voordat "
    "iemand hem vond. De ambulance kwam gelukkig snel, maar dit had niet mogen gebeuren. ",
    "Wij betalen € 742,50 huur per maand en de servicekosten gingen in januari met 12% omhoog. Voor wat? "
    "De containers staan vol, de ratten lopen rond en op de speelplaats ligt glas. De kinderen van groep 5 "
    "van de basisschool spelen daar elke middag tussen 15:00 en 17:00 uur. ",
    "Als u meer wilt weten kunt u mij bellen op 06-12 34 56 78 of mailen naar anna.devries [at] gmail punt com. "
    "Ik wil ook best meedoen met een bewonersavond. Het geld voor het buurtfeest kan naar NL91 ABNA 0417 1643 00, "
    "dat is de rekening van de bewonerscommissie. ",
    "We hopen echt dat er nu iets gebeurt. Vroeger was dit een fijne buurt waar iedereen elkaar kende. "
    "Nu voelt het alsof niemand naar ons luistert. Bedankt voor het lezen. ",
)
STORY = "".join(STORY_PARTS)

# Inputs that make careless scanners super-linear (the same as tests/engine/test_scrub_linear.py counts).
ADVERSARIAL: dict[str, str] = {
    "letters": "a",
    "zeros": "0",
    "digit pairs": "01 ",
    "plus ones": "+1 ",
    "double zero": "001 ",
    "dashes": "ab-",
    "at signs": "a@",
    "dots": "a.",
    "one dash": "1-",
    "dots and digits": "06.",
    "slashes": "06/",
    "brackets": "(0)",
    "street words": "Kerkstraat ",
    "IBAN starts": "NL91 ",
    "IBAN groups": " ABNA",
    "spelled zeros": "nul ",
    "spelled digits": "nul zes een ",
    "at written out": "anna [at] ",
    "punt": "gmail punt ",
    "titles": "mevrouw ",
    "names": "Henk de ",
    "particles": "van der ",
    "capitals": "Kees ",
    "handles": "@a",
    "births": "geboren op 12-",
    "postcodes": "1234AB",
    "plates": "GV12",
    "house numbers": "nummer 1",
    "story": "Mijn buurman Henk (06-12345678, henk [at] gmail punt com) woont op Kerkstraat 12a. ",
    "many findings": "06-12345678 ",
    "glued findings": "12a-NL91 ABNA 0417 1643 00-",
}


def repeat_to(piece: str, size: int) -> str:
    return (piece * (size // len(piece) + 1))[:size]


def cpu_us(action: Callable[[], object], repeat: int) -> float:
    """Median CPU microseconds of ``action`` over ``repeat`` runs (after one warm-up run)."""
    action()
    samples = []
    for _ in range(repeat):
        start = time.process_time_ns()
        action()
        samples.append((time.process_time_ns() - start) / 1000)
    return statistics.median(samples)


def corpus_cases() -> list[Any]:
    from tests.engine.scrub_corpus_support import CORPUS_DIR, load

    return [case for path in sorted(CORPUS_DIR.glob("*.json")) for case in load(path.name)]


def dense_text(size: int) -> str:
    return repeat_to(" ".join(case.text for case in corpus_cases()), size)


def linearity(small: int, large: int, repeat: int) -> list[dict[str, Any]]:
    rows = []
    for name, piece in ADVERSARIAL.items():
        a, b = repeat_to(piece, small), repeat_to(piece, large)
        small_us = min(cpu_us(lambda a=a: scrub(a), 1) for _ in range(repeat))
        large_us = min(cpu_us(lambda b=b: scrub(b), 1) for _ in range(repeat))
        growth = large_us / max(small_us, 1.0)
        rows.append({"input": name, "small_us": round(small_us), "large_us": round(large_us),
                     "growth": round(growth, 2), "passed": growth <= TARGET_GROWTH * large / small / 10})
    return rows


def phone_comparison() -> dict[str, Any]:
    """Recall, wrongly taken numbers and µs per story: the hand-written scanner and phonenumbers."""
    cases = corpus_cases()
    gold = [[(a, b) for kind, a, b in case.gold if kind == "phone"] for case in cases]
    labelled = [[(a, b) for kind, a, b in case.gold if kind != "flag"] for case in cases]

    def score(spans: list[list[tuple[int, int]]]) -> dict[str, Any]:
        found = sum(any(s <= a and b <= e for s, e in found) for g, found in zip(gold, spans, strict=True)
                    for a, b in g)
        # Taken from ordinary text (a number inside an IBAN is the IBAN's, and the IBAN wins in scrub()).
        wrong = sum(not any(s < b and a < e for a, b in g) for g, found in zip(labelled, spans, strict=True)
                    for s, e in found)
        return {"recall": round(found / sum(map(len, gold)), 3), "wrongly_taken": wrong}

    def hand(text: str) -> list[tuple[int, int]]:
        return list(find_phone(text, everywhere(text)))

    report: dict[str, Any] = {"phone_numbers": sum(map(len, gold)), "stories": len(cases)}
    finders: dict[str, Callable[[str], list[tuple[int, int]]]] = {"hand-written scanner": hand}
    try:
        import phonenumbers
    except ImportError:
        report["phonenumbers"] = "not installed"
    else:
        def library(text: str) -> list[tuple[int, int]]:
            matcher = phonenumbers.PhoneNumberMatcher(text, "NL", leniency=phonenumbers.Leniency.VALID)
            return [(m.start, m.end) for m in matcher]

        finders["phonenumbers " + phonenumbers.__version__] = library
    for name, find in finders.items():
        row = score([find(case.text) for case in cases])
        start = time.process_time_ns()
        for case in cases:
            find(case.text)
        row["us_per_story"] = round((time.process_time_ns() - start) / 1000 / len(cases), 1)
        report[name] = row
    return report


def run(size: int, repeat: int, small: int, large: int) -> dict[str, Any]:
    warn_if_busy()
    story = repeat_to(STORY, size)
    dense = dense_text(size)
    story_us = cpu_us(lambda: scrub(story), repeat)
    dense_us = cpu_us(lambda: scrub(dense), repeat)
    rows = linearity(small, large, 3)
    linear = all(row["passed"] for row in rows)
    worst = max(rows, key=lambda row: row["growth"])
    phones = phone_comparison()
    passed = story_us < TARGET_STORY_US and linear
    return {
        "story_chars": len(story),
        "story_us": round(story_us, 1),
        "dense_us": round(dense_us, 1),
        "target_story_us": TARGET_STORY_US,
        "findings_in_story": len(scrub(story).findings),
        "linearity": {"small": small, "large": large, "target_growth": TARGET_GROWTH * large / small / 10,
                      "rows": rows},
        "phones": phones,
        "load_average": os.getloadavg()[0],
        "machine": machine(),
        "passed": passed,
        "summary": [
            {"metric": f"scrub a {len(story):,}-character story (median CPU µs)", "value": round(story_us),
             "target": f"< {TARGET_STORY_US:.0f}", "passed": story_us < TARGET_STORY_US},
            {"metric": f"scrub {len(dense):,} characters of corpus (µs)", "value": round(dense_us), "target": ""},
            {"metric": f"worst growth at {large // small}x input ({worst['input']})", "value": worst["growth"],
             "target": f"<= {TARGET_GROWTH * large / small / 10:.0f}", "passed": linear},
        ],
    }


def table(report: dict[str, Any]) -> str:
    lines = [f"{row['metric']:<52} {row['value']!s:>8} {row['target']!s:>8}"
             f"  {'' if 'passed' not in row else 'pass' if row['passed'] else 'FAIL'}" for row in report["summary"]]
    lines.append("")
    lines.append(f"{'adversarial input':<20} {'small µs':>9} {'large µs':>9} {'growth':>7}")
    for row in report["linearity"]["rows"]:
        lines.append(f"{row['input']:<20} {row['small_us']:>9} {row['large_us']:>9} {row['growth']:>7}"
                     f"  {'pass' if row['passed'] else 'FAIL'}")
    phones = report["phones"]
    lines.append("")
    lines.append(f"phone numbers in the corpora: {phones['phone_numbers']} in {phones['stories']} stories")
    for name, row in phones.items():
        if isinstance(row, dict):
            lines.append(f"{name:<28} recall {row['recall']:.3f}, wrongly taken {row['wrongly_taken']},"
                         f" {row['us_per_story']} µs per story")
        elif name == "phonenumbers":
            lines.append(f"phonenumbers: {row}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=2000, help="characters of the story")
    parser.add_argument("--repeat", type=int, default=200, help="timed scrubs of the story")
    parser.add_argument("--small", type=int, default=10_000, help="adversarial input size, small")
    parser.add_argument("--large", type=int, default=100_000, help="adversarial input size, large")
    parser.add_argument("--tiny", action="store_true", help="a few repeats at 1,000 and 10,000 characters")
    parser.add_argument("--json", type=Path, default=RESULTS / "scrub.json", help="where the numbers go")
    args = parser.parse_args(argv)
    if args.tiny:
        args.repeat, args.small, args.large = 10, 1_000, 10_000
    if args.size < 1 or args.repeat < 1 or not 0 < args.small < args.large:
        parser.error("--size and --repeat must be positive and --small below --large")
    report = run(args.size, args.repeat, args.small, args.large)
    print(table(report))
    write_json(args.json, report)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
