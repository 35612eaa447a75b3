"""Maintaining translations: `wijkbot i18n extract` refreshes messages.pot and every locale's .po file;
`wijkbot i18n check` lists missing or broken translations (the test suite runs the same check)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import locales_dir

KEYWORDS = ("_", "n_:1,2", "N_", "UserError", "StaleChoice")
SOURCES = ("bot", "handlers")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def extract(root: Path) -> None:
    """Write locales/messages.pot from the code and merge it into every shipped locale."""
    pot = locales_dir() / "messages.pot"
    args = ["pybabel", "extract", "--no-location", "--sort-output", "--project", "wijkbot",
            "--msgid-bugs-address", "", "-o", str(pot)]
    for keyword in KEYWORDS:
        args += ["-k", keyword]
    CommandLineInterface().run(  # type: ignore[no-untyped-call]
            [*args, *(str(root / s) for s in SOURCES)])
    _brace_format_only(pot)
    for language in SUPPORTED_LANGUAGES:
        po = locales_dir() / language / "LC_MESSAGES" / "messages.po"
        command = "update" if po.exists() else "init"
        CommandLineInterface().run(  # type: ignore[no-untyped-call]
            ["pybabel", command, "-i", str(pot), "-d", str(locales_dir()), "-l", language,
                                    "--no-wrap", *(["--ignore-obsolete"] if command == "update" else [])])


def _brace_format_only(path: Path) -> None:
    """Our messages use {named} placeholders; Babel flags any '%' text (e.g. "{percent}% disagree") as
    python-format, which makes msgfmt -c reject correct translations. Drop that flag."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = []
    for line in lines:
        if line.startswith("#,") and "python-format" in line:
            flags = [f.strip() for f in line[2:].split(",") if f.strip() and f.strip() != "python-format"]
            if not flags:
                continue
            line = "#, " + ", ".join(flags) + "\n"
        kept.append(line)
    path.write_text("".join(kept), encoding="utf-8")


def problems(language: str) -> list[str]:
    """Missing, fuzzy or placeholder-breaking translations in one locale, as readable lines."""
    po = locales_dir() / language / "LC_MESSAGES" / "messages.po"
    pot = locales_dir() / "messages.pot"
    if not po.exists():
        return [f"{language}: {po} is missing"]
    with po.open("rb") as handle:
        catalog: Catalog = read_po(handle, locale=language)
    with pot.open("rb") as handle:
        template: Catalog = read_po(handle)
    found: list[str] = []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        if translated is None or not translated.string or (
                isinstance(translated.string, tuple) and not all(translated.string)):
            found.append(f"{language}: missing translation for {message.id!r}")
            continue
        if translated.fuzzy:
            found.append(f"{language}: fuzzy (unchecked) translation for {message.id!r}")
        ids = [str(i) for i in message.id] if isinstance(message.id, (tuple, list)) else [str(message.id)]
        strings = ([str(x) for x in translated.string] if isinstance(translated.string, (tuple, list))
                   else [str(translated.string)])
        expected = set().union(*(set(_PLACEHOLDER.findall(i)) for i in ids))
        for string in strings:
            got = set(_PLACEHOLDER.findall(string))
            if got != expected and not (got < expected and expected - got == {"n"}):
                found.append(f"{language}: placeholders {sorted(got)} differ from {sorted(expected)} in "
                             f"{message.id!r}")
    return found
