"""Configuration: the example loads, every problem is named by its key, secrets come from the environment."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, load, parse
from tests.support import BASE

ROOT = Path(__file__).resolve().parent.parent


def problems_of(data: dict[str, Any], env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse(data, Path("/tmp"), env or {})
    return info.value.problems


def test_the_example_config_loads() -> None:
    config = load(ROOT / "config.example.toml")
    assert config.timezone.key == "Europe/Amsterdam"
    assert config.languages == ("nl", "en", "tr", "ar", "pl") and config.default_language == "nl"
    assert [n.id for n in config.neighbourhoods] == ["centrum", "noord", "oost"]
    assert config.telegram is None and config.matrix is None
    assert config.database_path == ROOT / "data" / "wijkbot.sqlite3"


def test_every_problem_is_reported_with_its_key() -> None:
    data = copy.deepcopy(BASE)
    data["municipality"] = {"timezone": "Mars/Olympus"}
    data["languages"] = {"offered": ["nl", "fy"], "default": "de"}
    data["neighbourhoods"][1]["postcodes"] = ["1011", "12"]
    data["neighbourhoods"][1]["id"] = "Centrum!"
    data["colour"] = "blue"
    found = problems_of(data)
    expected = [
        "colour: unknown key",
        "municipality.name: missing",
        "municipality.timezone: unknown time zone 'Mars/Olympus'",
        "languages.offered: 'fy' has no translation",
        "languages.default: 'de' must be one of languages.offered",
        "neighbourhoods[1].id: use lower-case letters",
        "neighbourhoods[1].postcodes: 1011 is already in 'centrum'",
        "neighbourhoods[1].postcodes: '12' is not the 4 digits of a Dutch postcode",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in found), (start, found)


def test_placeholders_from_the_example_are_refused() -> None:
    data = copy.deepcopy(BASE)
    data["telegram"] = {"token": "CHANGE-ME"}
    data["privacy"]["contact"] = "<your privacy officer>"
    found = problems_of(data)
    assert any(p.startswith("telegram.token: still holds the example placeholder") for p in found)
    assert any(p.startswith("privacy.contact: still holds the example placeholder") for p in found)


def test_secrets_come_from_the_environment() -> None:
    data = copy.deepcopy(BASE)
    data["telegram"] = {"token": "env:WIJKBOT_TOKEN"}
    assert "telegram.token: environment variable WIJKBOT_TOKEN is not set" in problems_of(data)
    config = parse(data, Path("/tmp"), {"WIJKBOT_TOKEN": "123456:ABCdefGHIjklMNOpqr"})
    assert config.telegram is not None and config.telegram.token == "123456:ABCdefGHIjklMNOpqr"


def test_webhook_mode_needs_url_and_secret() -> None:
    data = copy.deepcopy(BASE)
    data["telegram"] = {"token": "123456:ABCdefGHIjklMNOpqr", "mode": "webhook"}
    found = problems_of(data)
    assert "telegram.webhook_url: missing" in found and "telegram.webhook_secret: missing" in found


def test_telegram_sending_limits_are_settings_with_telegrams_defaults() -> None:
    data = copy.deepcopy(BASE)
    data["telegram"] = {"token": "123456:ABCdefGHIjklMNOpqr"}
    telegram = parse(data, Path("/tmp"), {}).telegram
    assert telegram is not None
    assert (telegram.rate_limit, telegram.chat_rate_limit, telegram.group_rate_limit,
            telegram.allow_paid_broadcast) == (30.0, 1.0, 20.0, False)
    data["telegram"].update(rate_limit=25, chat_rate_limit=0.5, group_rate_limit=10, allow_paid_broadcast=True)
    telegram = parse(data, Path("/tmp"), {}).telegram
    assert telegram is not None
    assert (telegram.rate_limit, telegram.chat_rate_limit, telegram.group_rate_limit,
            telegram.allow_paid_broadcast) == (25.0, 0.5, 10.0, True)
    data["telegram"].update(rate_limit=5000, chat_rate_limit="fast", group_rate_limit=0, allow_paid_broadcast="yes")
    found = problems_of(data)
    assert "telegram.rate_limit: must be a number from 0 to 1000" in found
    assert "telegram.chat_rate_limit: must be a number from 0.01 to 30" in found
    assert "telegram.group_rate_limit: must be a number from 1 to 600" in found
    assert "telegram.allow_paid_broadcast: must be true or false" in found


def test_matrix_needs_a_password_or_token() -> None:
    data = copy.deepcopy(BASE)
    data["matrix"] = {"homeserver": "https://m.example.org", "user_id": "wijkbot"}
    found = problems_of(data)
    assert any(p.startswith("matrix: give matrix.password or matrix.access_token") for p in found)
    assert "matrix.user_id: must look like @wijkbot:example.org" in found


def wijkbot(*args: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=60)


def test_check_config_prints_ok_or_every_problem(tmp_path: Path) -> None:
    result = wijkbot("check-config", str(ROOT / "config.example.toml"))
    assert result.returncode == 0 and result.stdout.strip() == "ok"
    broken = tmp_path / "broken.toml"
    broken.write_text('[municipality]\ntimezone = "Nowhere"\n[telegram]\ntoken = "CHANGE-ME"\n')
    result = wijkbot("check-config", str(broken))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "municipality.name: missing" in lines and "privacy: missing section" in lines
    assert any(line.startswith("telegram.token: still holds") for line in lines)
    not_toml = tmp_path / "not.toml"
    not_toml.write_bytes(b"\x00\xff[[[")
    result = wijkbot("check-config", str(not_toml))
    assert result.returncode == 1 and "not" in result.stdout


def test_report_settings_and_residents_are_checked_with_their_keys() -> None:
    config = load(ROOT / "config.example.toml")
    assert config.report.monthly is False and config.report.day == 1
    assert config.neighbourhoods[0].residents == 9500 and config.neighbourhoods[1].residents is None
    data = copy.deepcopy(BASE)
    data["report"] = {"monthly": "yes", "day": 31, "language": "de", "colour": "red"}
    data["neighbourhoods"][0]["residents"] = -3
    found = problems_of(data)
    for start in ("report.monthly: must be true or false", "report.day: must be a whole number from 1 to 28",
                  "report.language: 'de' has no translation", "report.colour: unknown key",
                  "neighbourhoods[0].residents: must be a whole number from 1 to 10000000"):
        assert any(p.startswith(start) for p in found), (start, found)
