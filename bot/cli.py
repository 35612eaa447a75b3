"""`wijkbot …` sub-commands: run, shell, check-config, redact."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot import logs
from bot.channels.base import Channel
from bot.config import Config, ConfigError, load
from bot.store.broken import StorageError
from bot.store.db import DatabaseTooNew

log = logging.getLogger("bot")


def _config(path: str) -> Config:
    return load(Path(path))


def _configured_channels(config: Config) -> list[Channel]:
    channels: list[Channel] = []
    if config.telegram is not None:
        from bot.channels.telegram import TelegramChannel
        from handlers.commands import translated_menu

        channels.append(TelegramChannel(config, translated_menu(config.languages)))
    if config.matrix is not None:
        from bot.channels.matrix import MatrixChannel

        channels.append(MatrixChannel(config))
    if config.whatsapp is not None:
        from bot.channels.whatsapp import WhatsAppChannel
        from handlers.commands import command_table

        channels.append(WhatsAppChannel(config, command_table()))
    return channels


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import App

    config = _config(args.config)
    channels = _configured_channels(config)
    if not channels:
        print(f"No channel is configured in {args.config}: add a [telegram], [matrix] or [whatsapp] section.\n"
              f"To try wijkbot in this terminal, run: wijkbot shell --config {args.config}", file=sys.stderr)
        return 1
    asyncio.run(App(config, channels).run_until_signal())
    return 0


def shell_config(config: Config) -> Config:
    """The configuration as ``wijkbot shell`` uses it: each neighbourhood's moderation room is a console room
    (``console_room``), so residents' stories reach an organiser's console on the same database instead of waiting
    for a Matrix server that is not there."""
    from dataclasses import replace

    from bot.channels.console import console_room

    return replace(config, neighbourhoods=tuple(replace(n, moderation_room=console_room(n.id))
                                                for n in config.neighbourhoods))


def cmd_shell(args: argparse.Namespace) -> int:
    from bot.app import App
    from bot.channels.console import ConsoleChannel, console_room

    config = shell_config(_config(args.config))
    if args.organiser is not None:
        if args.neighbourhood is None or config.neighbourhood(args.neighbourhood) is None:
            known = ", ".join(n.id for n in config.neighbourhoods)
            print(f"wijkbot shell: --organiser needs --neighbourhood, one of: {known}", file=sys.stderr)
            return 2
        console = ConsoleChannel(user=args.organiser, language_hint=args.language,
                                 room=console_room(args.neighbourhood), room_language=config.moderation.language)
    else:
        console = ConsoleChannel(user=args.user, language_hint=args.language)

    async def main() -> None:
        app = App(config, [console])
        console.deliver = app.outbox.drain  # what is due for this person or room, before each line is read
        try:
            await app.start()
            await app.until(console.finished.wait())
            if app.db.failure is None:
                await app.outbox.drain()  # what is queued for this person or room by now is shown before leaving
        finally:
            await app.stop()
        if app.db.failure is not None:
            raise app.db.failure

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    try:
        config = load(Path(args.file))
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem)
        return 1
    if config.database.dialect == "postgresql":  # SQLite's file is made at start; a server must be there
        from bot.store.pg_backend import reachable

        unreachable = asyncio.run(reachable(config.database))
        if unreachable is not None:
            print(f"database.url: the database {config.database.shown} {unreachable}")
            return 1
    print("ok")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from bot.store.copy import CopyRefused, copy
    from bot.store.url import parse

    try:
        source = parse(args.source, Path.cwd(), args.from_schema)
        target = parse(args.target, Path.cwd(), args.to_schema)
    except ValueError as exc:
        print(f"wijkbot db copy: {exc}", file=sys.stderr)
        return 2
    try:
        counts = asyncio.run(copy(source, target))
    except CopyRefused as exc:
        print(f"wijkbot db copy: {exc}", file=sys.stderr)
        return 1
    print(f"copied {sum(counts.values())} row(s) in {len(counts)} table(s) from {source.shown} to {target.shown};"
          " the row counts match")
    return 0


def cmd_qr(args: argparse.Namespace) -> int:
    from bot.qr import QrError, make_codes

    config = _config(args.config)
    try:
        url, png, svg = asyncio.run(make_codes(config, args.neighbourhood, Path(args.output), args.channel))
    except QrError as exc:
        print(f"wijkbot qr: {exc}", file=sys.stderr)
        return 1
    print(f"{url}\n{png}\n{svg}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.engine import report
    from bot.errors import UserError
    from bot.i18n import Translator

    config = _config(args.config)
    hoods = args.neighbourhood or [n.id for n in config.neighbourhoods]
    language = args.language or config.report.language or config.moderation.language
    try:
        files = asyncio.run(report.make(config, config.database, hoods, args.start, args.end, language,
                                        datetime.now(UTC)))
    except UserError as exc:
        print(f"wijkbot report: {Translator(language)._(exc.msgid, **exc.params)}", file=sys.stderr)
        return 1
    for path in files.write(Path(args.out), report.file_stem(hoods, args.start, args.end)):
        print(path)
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-06-30") from None


def cmd_redact(args: argparse.Namespace) -> int:
    from bot.engine.scrub import redact_stream

    redact_stream(sys.stdin, sys.stdout)
    return 0


def cmd_i18n(args: argparse.Namespace) -> int:
    from bot.config import SUPPORTED_LANGUAGES
    from bot.i18n_tools import extract, problems

    if args.action == "extract":
        extract(Path(__file__).resolve().parent.parent)
        return 0
    found = [line for language in SUPPORTED_LANGUAGES for line in problems(language)]
    for line in found:
        print(line)
    print("ok" if not found else f"{len(found)} problem(s)")
    return 1 if found else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wijkbot", description="wijkbot: the neighbourhood chat bot.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start every configured channel and the scheduler")
    run.add_argument("--config", default="config.toml")
    run.set_defaults(func=cmd_run)

    shell = sub.add_parser("shell", help="talk to the bot in this terminal (one message per line)")
    shell.add_argument("--config", default="config.toml")
    shell.add_argument("--user", default="resident", help="who you are; different names are different residents")
    shell.add_argument("--language", default=None, help="language hint for a new resident (nl, en, tr, ar, pl)")
    shell.add_argument("--organiser", default=None, metavar="NAME",
                       help="be an organiser in a neighbourhood's moderation room instead (!approve, !feedback …)")
    shell.add_argument("--neighbourhood", default=None, metavar="ID", help="with --organiser: whose room")
    shell.set_defaults(func=cmd_shell)

    check = sub.add_parser("check-config", help="print 'ok' or every problem in a config file")
    check.add_argument("file")
    check.set_defaults(func=cmd_check_config)

    db = sub.add_parser("db", help="'copy' a whole database to an empty one (bot stopped), e.g. SQLite to PostgreSQL")
    db.add_argument("action", choices=["copy"])
    db.add_argument("--from", dest="source", required=True, help="sqlite:///data/wijkbot.sqlite3 or postgresql://…")
    db.add_argument("--to", dest="target", required=True, help="an empty database: postgresql://user@host/db or sqlite:///…")
    db.add_argument("--from-schema", default=None, help="the source's PostgreSQL schema (default: public)")
    db.add_argument("--to-schema", default=None, help="the target's PostgreSQL schema (made when missing)")
    db.set_defaults(func=cmd_db)

    qr = sub.add_parser("qr", help="write QR codes (PNG and SVG) of a neighbourhood's Telegram deep link")
    qr.add_argument("--neighbourhood", required=True, help="a neighbourhood id from the configuration")
    qr.add_argument("--config", default="config.toml")
    qr.add_argument("--output", default=".", help="folder for wijkbot-<id>.png and .svg (default: here)")
    qr.add_argument("--channel", choices=("telegram", "whatsapp"), default="telegram",
                    help="link to the Telegram bot (default) or to the WhatsApp number (wijkbot-whatsapp-<id>.*)")
    qr.set_defaults(func=cmd_qr)

    rep = sub.add_parser("report", help="write the report back (HTML, CSV, JSON, PDF) for a period")
    rep.add_argument("--config", default="config.toml")
    rep.add_argument("--from", dest="start", type=_day, required=True, help="first day, e.g. 2026-01-01")
    rep.add_argument("--to", dest="end", type=_day, required=True, help="last day, e.g. 2026-06-30")
    rep.add_argument("--neighbourhood", action="append", help="a neighbourhood id (repeat for several; default: all)")
    rep.add_argument("--language", choices=["nl", "en", "tr", "ar", "pl"], default=None,
                     help="the report's language (default: report.language, else moderation.language)")
    rep.add_argument("--out", default=".", help="folder for the four files (default: here)")
    rep.set_defaults(func=cmd_report)

    redact = sub.add_parser("redact", help="remove personal data from text (stdin to stdout)")
    redact.set_defaults(func=cmd_redact)

    i18n = sub.add_parser("i18n", help="translations: 'extract' refreshes the catalogs, 'check' finds gaps")
    i18n.add_argument("action", choices=["extract", "check"])
    i18n.set_defaults(func=cmd_i18n)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logs.setup(args.verbose, quiet=args.command == "shell")
    try:
        result: int = args.func(args)
    except ConfigError as exc:
        print(f"The configuration has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except DatabaseTooNew as exc:
        print(exc, file=sys.stderr)
        return 3
    except StorageError as exc:  # one line: the file and what is wrong with it
        print(f"wijkbot: {exc}", file=sys.stderr)
        return 4
    return result
