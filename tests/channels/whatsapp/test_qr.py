"""`wijkbot qr --channel whatsapp`: codes of a wa.me click-to-chat link with the start phrase, and the start
phrase, sent from WhatsApp, begins onboarding with that neighbourhood chosen."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.cli import main
from tests.channels.telegram.test_qr import CONFIG, expected_modules, modules_in_png, modules_in_svg
from tests.channels.whatsapp_fixtures import WaRunning

WHATSAPP = """
[whatsapp]
phone_number_id = "1065550100"
access_token = "env:WA_TOKEN"
app_secret = "env:WA_SECRET"
verify_token = "a-long-verify-token-42"
phone_number = "+31 20 123 4567"
"""


def test_qr_for_whatsapp_holds_the_wa_me_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WA_TOKEN", "EAAtoken")
    monkeypatch.setenv("WA_SECRET", "secret")
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.split("[telegram]")[0] + WHATSAPP, encoding="utf-8")
    assert main(["qr", "--channel", "whatsapp", "--neighbourhood", "noord", "--config", str(config),
                 "--output", str(tmp_path)]) == 0
    url = "https://wa.me/31201234567?text=start%20noord"
    assert url in capsys.readouterr().out
    assert modules_in_png(tmp_path / "wijkbot-whatsapp-noord.png") == expected_modules(url)
    assert modules_in_svg(tmp_path / "wijkbot-whatsapp-noord.svg") == expected_modules(url)


async def test_the_start_phrase_from_a_poster_chooses_the_neighbourhood(wa: WaRunning) -> None:
    phrase = parse_qs(urlsplit("https://wa.me/31201234567?text=start%20noord").query)["text"][0]
    anna = wa.emu.user("31612345678", "Anna")
    await anna.send(phrase)
    languages = await wa.reply(anna)
    consent = await wa.press(anna, languages, "English")
    assert "Do you agree?" in consent.text and "Noord" in consent.text  # no neighbourhood question
