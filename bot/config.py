"""config.toml → frozen dataclasses.

Loading collects every problem it finds and names the key of each, so ``wijkbot check-config`` can list them all
at once. A string value ``"env:NAME"`` is read from the environment variable NAME, so secrets need not live in
the file. Placeholders from config.example.toml (``CHANGE-ME``, ``<...>``) are refused.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import config_addresses as addresses
from bot.channels.base import Address
from bot.config_channels import MatrixConfig, TelegramConfig, parse_matrix, parse_telegram
from bot.config_contacts import ContactPerson, ContinuityConfig, parse_contacts, parse_continuity
from bot.config_database import parse_database
from bot.config_professionals import Professional, parse_professionals
from bot.config_whatsapp import WhatsAppConfig, parse_whatsapp
from bot.store.url import DatabaseUrl

SUPPORTED_LANGUAGES = ("nl", "en", "tr", "ar", "pl")
_PLACEHOLDER = re.compile(r"change[-_ ]?me|<[^<>]+>|\bxxx+\b", re.IGNORECASE)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_POSTCODE4 = re.compile(r"^[1-9][0-9]{3}$")


class ConfigError(Exception):
    """The configuration is unusable; ``problems`` lists ``key: what is wrong`` lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Neighbourhood:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()
    moderation_room: str | None = None  # Matrix room id or alias
    public_rooms: tuple[str, ...] = ()  # Matrix rooms where approved stories appear
    telegram_chat: str | None = None  # Telegram group or channel id for approved stories
    contacts: tuple[ContactPerson, ...] = ()  # [[neighbourhoods.contacts]] (bot/config_contacts.py)
    residents: int | None = None  # how many people live there (the report's participation per 1,000 residents)
    professionals_room: str | None = None  # Matrix room of the neighbourhood's professionals (issue 20)
    professionals: tuple[Professional, ...] = ()  # [[neighbourhoods.professionals]] (bot/config_professionals.py)

    @property
    def moderation_address(self) -> Address | None:
        return addresses.room(self.moderation_room) if self.moderation_room else None

    @property
    def professionals_address(self) -> Address | None:
        return addresses.room(self.professionals_room) if self.professionals_room else None

    @property
    def room_addresses(self) -> tuple[Address, ...]:
        """The public rooms where approved stories appear (they can show a native poll)."""
        return tuple(addresses.room(room) for room in self.public_rooms)

    @property
    def group_address(self) -> Address | None:
        """The group or channel for approved stories (text only)."""
        return addresses.group(self.telegram_chat) if self.telegram_chat else None

    @property
    def public_addresses(self) -> tuple[Address, ...]:
        """Every place approved stories appear: the public rooms, then the group."""
        return (*self.room_addresses, *((self.group_address,) if self.group_address else ()))


@dataclass(frozen=True)
class Privacy:
    controller: str
    contact: str
    statement_url: str
    retention_months: int = 24


@dataclass(frozen=True)
class Sharing:
    min_length: int = 10
    max_length: int = 2000


@dataclass(frozen=True)
class Moderation:
    language: str = "nl"  # language of the bot's messages in moderation rooms
    remind_after_hours: int = 48  # remind organisers of stories waiting longer than this


@dataclass(frozen=True)
class FeedbackConfig:
    digest_time: str = "18:00"  # local time at which weekly and monthly digests go out
    digest_weekday: int = 4  # 0 = Monday … 6 = Sunday (default Friday)
    no_feedback_days: int = 28  # stories without any feedback after this many days are listed as overdue
    tell_residents_overdue: bool = False  # also tell residents when a promise is late


@dataclass(frozen=True)
class PollsConfig:
    min_results: int = 5  # youth polls: results (and any group compared) are shown only from this many voters on


@dataclass(frozen=True)
class LimitsConfig:
    flood_messages: int = 10  # more private messages than this within flood_seconds is a flood (0: no limit)
    flood_seconds: int = 10


@dataclass(frozen=True)
class DeliberationConfig:
    recompute_minutes: int = 5  # how often conversations whose votes changed are recomputed


@dataclass(frozen=True)
class ReportConfig:
    monthly: bool = False  # send the report of the previous month to each moderation room
    day: int = 1  # on this day of the month, at 09:00 local time
    language: str | None = None  # the report's language (default: moderation.language)


@dataclass(frozen=True)
class Config:
    municipality: str
    timezone: ZoneInfo
    languages: tuple[str, ...]
    default_language: str
    database_path: Path  # SQLite's file (tests and tools that read it); the engine is chosen by database_url
    privacy: Privacy
    neighbourhoods: tuple[Neighbourhood, ...]
    sharing: Sharing = field(default_factory=Sharing)
    moderation: Moderation = field(default_factory=Moderation)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)
    polls: PollsConfig = field(default_factory=PollsConfig)
    continuity: ContinuityConfig = field(default_factory=ContinuityConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    deliberation: DeliberationConfig = field(default_factory=DeliberationConfig)
    telegram: TelegramConfig | None = None
    matrix: MatrixConfig | None = None
    whatsapp: WhatsAppConfig | None = None
    database_url: DatabaseUrl | None = None  # PostgreSQL's; None: SQLite at database_path
    source: Path | None = None

    @property
    def database(self) -> DatabaseUrl:
        """Where the database is, whichever the engine."""
        return self.database_url or DatabaseUrl.sqlite(self.database_path)

    def neighbourhood(self, nid: str) -> Neighbourhood | None:
        return next((n for n in self.neighbourhoods if n.id == nid), None)


class _Reader:
    """Reads typed values from nested tables, remembering every problem with its dotted key."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def table(self, data: Mapping[str, Any], key: str, path: str, required: bool = True) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(path, "missing section")
            return {}
        if not isinstance(value, dict):
            self.problem(path, "must be a table")
            return {}
        return value

    def string(self, data: Mapping[str, Any], key: str, path: str, default: str | None = None,
               required: bool = True) -> str | None:
        value = data.get(key, default)
        if value is None:
            if required:
                self.problem(path, "missing")
            return None
        if not isinstance(value, str):
            self.problem(path, f"must be a string, not {type(value).__name__}")
            return None
        if value.startswith("env:"):
            name = value[4:]
            if name not in self.env or not self.env[name].strip():
                self.problem(path, f"environment variable {name} is not set")
                return None
            value = self.env[name]
        value = value.strip()
        if required and not value:
            self.problem(path, "must not be empty")
            return None
        if _PLACEHOLDER.search(value):
            self.problem(path, f"still holds the example placeholder {value!r}; fill in a real value")
            return None
        return value

    def integer(self, data: Mapping[str, Any], key: str, path: str, default: int, low: int, high: int) -> int:
        value = data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.problem(path, f"must be a whole number from {low} to {high}")
            return default
        return value

    def number(self, data: Mapping[str, Any], key: str, path: str, default: float, low: float, high: float
               ) -> float:
        value = data.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
            self.problem(path, f"must be a number from {low:g} to {high:g}")
            return default
        return float(value)

    def flag(self, data: Mapping[str, Any], key: str, path: str, default: bool = False) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem(path, "must be true or false")
            return default
        return value

    def strings(self, data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(path, "must be a list of strings")
            return ()
        return tuple(v.strip() for v in value if v.strip())

    def unknown(self, data: Mapping[str, Any], known: set[str], path: str) -> None:
        for key in sorted(set(data) - known):
            self.problem(f"{path}.{key}" if path else key, "unknown key (a typo?)")


def _neighbourhoods(r: _Reader, raw: Any, base: Path = Path(), languages: tuple[str, ...] = SUPPORTED_LANGUAGES,
                    ) -> tuple[Neighbourhood, ...]:
    if not isinstance(raw, list) or not raw:
        r.problem("neighbourhoods", "give at least one [[neighbourhoods]] table")
        return ()
    result: list[Neighbourhood] = []
    seen_ids: set[str] = set()
    seen_postcodes: dict[str, str] = {}
    seen_contacts: set[str] = set()
    seen_professionals: set[str] = set()
    for index, item in enumerate(raw):
        path = f"neighbourhoods[{index}]"
        if not isinstance(item, dict):
            r.problem(path, "must be a table")
            continue
        r.unknown(item, {"id", "name", "aliases", "postcodes", "moderation_room", "public_rooms",
                         "telegram_chat", "contacts", "residents", "professionals_room", "professionals"}, path)
        nid = r.string(item, "id", f"{path}.id") or ""
        if nid and not _ID.match(nid):
            r.problem(f"{path}.id", "use lower-case letters, digits, '-' or '_' (at most 32)")
        if nid in seen_ids:
            r.problem(f"{path}.id", f"{nid!r} is used twice")
        seen_ids.add(nid)
        postcodes = r.strings(item, "postcodes", f"{path}.postcodes")
        for code in postcodes:
            if not _POSTCODE4.match(code):
                r.problem(f"{path}.postcodes", f"{code!r} is not the 4 digits of a Dutch postcode")
            elif code in seen_postcodes:
                r.problem(f"{path}.postcodes", f"{code} is already in {seen_postcodes[code]!r}")
            else:
                seen_postcodes[code] = nid
        result.append(Neighbourhood(
            id=nid,
            name=r.string(item, "name", f"{path}.name") or nid,
            aliases=r.strings(item, "aliases", f"{path}.aliases"),
            postcodes=postcodes,
            moderation_room=r.string(item, "moderation_room", f"{path}.moderation_room", required=False),
            public_rooms=r.strings(item, "public_rooms", f"{path}.public_rooms"),
            telegram_chat=r.string(item, "telegram_chat", f"{path}.telegram_chat", required=False),
            contacts=parse_contacts(r, item.get("contacts"), f"{path}.contacts", base, languages, seen_contacts),
            residents=r.integer(item, "residents", f"{path}.residents", 0, 1, 10_000_000) if "residents" in item
            else None,
            professionals_room=r.string(item, "professionals_room", f"{path}.professionals_room", required=False),
            professionals=parse_professionals(r, item.get("professionals"), f"{path}.professionals",
                                              seen_professionals),
        ))
    return tuple(result)


WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _feedback(r: _Reader, data: dict[str, Any]) -> FeedbackConfig:
    r.unknown(data, {"digest_time", "digest_weekday", "no_feedback_days", "tell_residents_overdue"}, "feedback")
    digest_time = r.string(data, "digest_time", "feedback.digest_time", "18:00") or "18:00"
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", digest_time):
        r.problem("feedback.digest_time", "must be a time like 18:00")
        digest_time = "18:00"
    weekday = (r.string(data, "digest_weekday", "feedback.digest_weekday", "friday") or "friday").lower()
    if weekday not in WEEKDAY_NAMES:
        r.problem("feedback.digest_weekday", f"must be one of {', '.join(WEEKDAY_NAMES)}")
        weekday = "friday"
    tell = data.get("tell_residents_overdue", False)
    if not isinstance(tell, bool):
        r.problem("feedback.tell_residents_overdue", "must be true or false")
        tell = False
    return FeedbackConfig(
        digest_time=digest_time,
        digest_weekday=WEEKDAY_NAMES.index(weekday),
        no_feedback_days=r.integer(data, "no_feedback_days", "feedback.no_feedback_days", 28, 1, 365),
        tell_residents_overdue=tell,
    )


def parse(data: Mapping[str, Any], base: Path, env: Mapping[str, str] | None = None) -> Config:
    r = _Reader(os.environ if env is None else env)
    r.unknown(data, {"municipality", "languages", "database", "privacy", "sharing", "moderation", "feedback",
                     "neighbourhoods", "telegram", "matrix", "whatsapp", "continuity", "polls", "report", "limits",
                     "deliberation"}, "")
    muni = r.table(data, "municipality", "municipality")
    r.unknown(muni, {"name", "timezone"}, "municipality")
    name = r.string(muni, "name", "municipality.name") or ""
    tz_name = r.string(muni, "timezone", "municipality.timezone", "Europe/Amsterdam") or "Europe/Amsterdam"
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        r.problem("municipality.timezone", f"unknown time zone {tz_name!r} (e.g. Europe/Amsterdam)")
        tz = ZoneInfo("Europe/Amsterdam")

    langs = r.table(data, "languages", "languages", required=False)
    r.unknown(langs, {"offered", "default"}, "languages")
    offered = r.strings(langs, "offered", "languages.offered") or SUPPORTED_LANGUAGES
    for code in offered:
        if code not in SUPPORTED_LANGUAGES:
            r.problem("languages.offered", f"{code!r} has no translation; choose from {', '.join(SUPPORTED_LANGUAGES)}")
    default = r.string(langs, "default", "languages.default", "nl") or "nl"
    if default not in offered:
        r.problem("languages.default", f"{default!r} must be one of languages.offered")

    database = r.table(data, "database", "database", required=False)
    db_url = parse_database(r, database, base)

    privacy = r.table(data, "privacy", "privacy")
    r.unknown(privacy, {"controller", "contact", "statement_url", "retention_months"}, "privacy")
    sharing = r.table(data, "sharing", "sharing", required=False)
    r.unknown(sharing, {"min_length", "max_length"}, "sharing")
    min_len = r.integer(sharing, "min_length", "sharing.min_length", 10, 1, 500)
    max_len = r.integer(sharing, "max_length", "sharing.max_length", 2000, 100, 4000)
    if min_len >= max_len:
        r.problem("sharing.min_length", "must be smaller than sharing.max_length")

    moderation = r.table(data, "moderation", "moderation", required=False)
    r.unknown(moderation, {"language", "remind_after_hours"}, "moderation")
    mod_language = r.string(moderation, "language", "moderation.language", default) or default
    if mod_language not in SUPPORTED_LANGUAGES:
        r.problem("moderation.language", f"{mod_language!r} has no translation")

    feedback = _feedback(r, r.table(data, "feedback", "feedback", required=False))
    polls = r.table(data, "polls", "polls", required=False)
    r.unknown(polls, {"min_results"}, "polls")
    report = r.table(data, "report", "report", required=False)
    r.unknown(report, {"monthly", "day", "language"}, "report")
    monthly = report.get("monthly", False)
    if not isinstance(monthly, bool):
        r.problem("report.monthly", "must be true or false")
    report_language = r.string(report, "language", "report.language", required=False)
    if report_language is not None and report_language not in SUPPORTED_LANGUAGES:
        r.problem("report.language", f"{report_language!r} has no translation")
    limits = r.table(data, "limits", "limits", required=False)
    r.unknown(limits, {"flood_messages", "flood_seconds"}, "limits")
    deliberation = r.table(data, "deliberation", "deliberation", required=False)
    r.unknown(deliberation, {"recompute_minutes"}, "deliberation")

    config = Config(
        municipality=name,
        timezone=tz,
        languages=tuple(c for c in offered if c in SUPPORTED_LANGUAGES),
        default_language=default if default in SUPPORTED_LANGUAGES else "nl",
        database_path=Path(db_url.path) if db_url.dialect == "sqlite" else Path(),
        database_url=db_url if db_url.dialect == "postgresql" else None,
        privacy=Privacy(
            controller=r.string(privacy, "controller", "privacy.controller") or "",
            contact=r.string(privacy, "contact", "privacy.contact") or "",
            statement_url=r.string(privacy, "statement_url", "privacy.statement_url") or "",
            retention_months=r.integer(privacy, "retention_months", "privacy.retention_months", 24, 1, 120),
        ),
        neighbourhoods=_neighbourhoods(r, data.get("neighbourhoods"), base, SUPPORTED_LANGUAGES),
        sharing=Sharing(min_length=min_len, max_length=max_len),
        moderation=Moderation(
            language=mod_language if mod_language in SUPPORTED_LANGUAGES else "nl",
            remind_after_hours=r.integer(moderation, "remind_after_hours", "moderation.remind_after_hours", 48,
                                         1, 24 * 30),
        ),
        feedback=feedback,
        polls=PollsConfig(min_results=r.integer(polls, "min_results", "polls.min_results", 5, 1, 1000)),
        continuity=parse_continuity(r, r.table(data, "continuity", "continuity", required=False)),
        report=ReportConfig(monthly=monthly is True, day=r.integer(report, "day", "report.day", 1, 1, 28),
                            language=report_language if report_language in SUPPORTED_LANGUAGES else None),
        limits=LimitsConfig(
            flood_messages=r.integer(limits, "flood_messages", "limits.flood_messages", 10, 0, 1000),
            flood_seconds=r.integer(limits, "flood_seconds", "limits.flood_seconds", 10, 1, 3600),
        ),
        deliberation=DeliberationConfig(recompute_minutes=r.integer(
            deliberation, "recompute_minutes", "deliberation.recompute_minutes", 5, 1, 24 * 60)),
        telegram=parse_telegram(r, r.table(data, "telegram", "telegram", required=False)),
        matrix=parse_matrix(r, r.table(data, "matrix", "matrix", required=False), base),
        whatsapp=parse_whatsapp(r, r.table(data, "whatsapp", "whatsapp", required=False),
                                tuple(c for c in offered if c in SUPPORTED_LANGUAGES)),
    )
    if r.problems:
        raise ConfigError(r.problems)
    return config


def load(path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read and check a config file; raise ConfigError listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the file ({exc.strerror})"]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: not UTF-8 text"]) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML ({exc})"]) from exc
    config = parse(data, path.resolve().parent, env)
    return replace(config, source=path)
