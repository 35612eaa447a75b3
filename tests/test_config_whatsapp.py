"""The [whatsapp] section: every problem named by its key, secrets only from the environment."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from bot.config import parse
from tests.support import BASE
from tests.test_config import problems_of

ENV = {"WA_TOKEN": "EAAtoken123", "WA_SECRET": "secret456"}
GOOD: dict[str, Any] = {"phone_number_id": "1065550100", "access_token": "env:WA_TOKEN", "app_secret": "env:WA_SECRET",
                        "verify_token": "a-long-verify-token-42", "phone_number": "+31 20 123 4567"}


def with_whatsapp(**section: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["whatsapp"] = {**GOOD, **section}
    return data


def test_a_good_section_loads_with_meta_defaults() -> None:
    config = parse(with_whatsapp(), Path("/tmp"), ENV)
    settings = config.whatsapp
    assert settings is not None and settings.access_token == "EAAtoken123" and settings.app_secret == "secret456"
    assert settings.api_base_url == "https://graph.facebook.com" and settings.api_version.startswith("v")
    assert settings.throughput == 80 and settings.phone_number == "+31201234567" and settings.templates == {}


def test_every_problem_is_explained_with_its_key() -> None:
    problems = problems_of(with_whatsapp(
        phone_number_id="+31 6 1234", access_token="EAAplain", app_secret="env:MISSING", verify_token="short",
        phone_number="call us", api_base_url="graph.facebook.com", api_version="23", webhook_port=0,
        throughput=5000, colour="green",
        templates={"nl": {"feedback": "Wijkbot Feedback", "weather": "x"}, "fy": {}}), ENV)
    text = "\n".join(problems)
    for key in ("whatsapp.phone_number_id", "whatsapp.access_token", "whatsapp.app_secret", "whatsapp.verify_token",
                "whatsapp.phone_number", "whatsapp.api_base_url", "whatsapp.api_version", "whatsapp.webhook_port",
                "whatsapp.throughput", "whatsapp.colour", "whatsapp.templates.nl.feedback",
                "whatsapp.templates.nl.weather", "whatsapp.templates.fy"):
        assert key in text, key
    assert "environment variable MISSING is not set" in text
    assert "put it in the environment" in text  # a token written into the file itself
    assert "no 'update' template for" in text  # who cannot be reached after 24 hours


def test_templates_are_named_per_language_and_kind() -> None:
    templates = {language: {"update": "wijkbot_update", "feedback": "wijkbot_feedback"}
                 for language in ("nl", "en", "tr", "ar", "pl")}
    config = parse(with_whatsapp(templates=templates), Path("/tmp"), ENV)
    assert config.whatsapp is not None and config.whatsapp.templates["tr"]["feedback"] == "wijkbot_feedback"
