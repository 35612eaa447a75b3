"""The Cloud API emulator keeps Meta's published rules (what the bot's tests rely on)."""

from __future__ import annotations

import aiohttp
import pytest

from bot.channels.whatsapp.api import ApiError, CloudApi
from bot.config_whatsapp import WhatsAppConfig
from tests.peers.whatsapp import CloudApiEmulator

TOKEN, SECRET = "EAAemulatortoken", "emulator-secret"


def client(emu: CloudApiEmulator, token: str = TOKEN) -> CloudApi:
    return CloudApi(WhatsAppConfig(phone_number_id=emu.phone_number_id, access_token=token, app_secret=SECRET,
                                   verify_token="v" * 16, api_base_url=emu.base_url), retry_delays=())


async def test_media_upload_and_download_need_the_token_and_a_supported_type() -> None:
    async with CloudApiEmulator(app_secret=SECRET, access_token=TOKEN) as emu:
        api = client(emu)
        await api.open()
        try:
            media_id = await api.upload(b"hello", "export.txt", "text/plain")
            with pytest.raises(ApiError) as refused:
                await api.upload(b"{}", "export.json", "application/json")
            assert refused.value.code == 131053  # no JSON among Meta's media types
        finally:
            await api.close()
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{emu.base_url}/{emu.version}/{media_id}", headers=headers) as response:
                url = (await response.json())["url"]
            async with session.get(url, headers=headers) as response:
                assert await response.read() == b"hello"
            async with session.get(url) as response:
                assert response.status == 401


async def test_a_wrong_token_and_broken_widgets_are_refused_with_metas_codes() -> None:
    async with CloudApiEmulator(app_secret=SECRET, access_token=TOKEN) as emu:
        anna = emu.user("31612345678", "Anna")
        anna.last_inbound = emu.now()
        api, wrong = client(emu), client(emu, "EAAwrong")
        await api.open()
        await wrong.open()
        try:
            with pytest.raises(ApiError) as unauthorised:
                await wrong.send({"to": anna.phone, "type": "text", "text": {"body": "hi"}})
            assert unauthorised.value.code == 190
            four = [{"type": "reply", "reply": {"id": str(n), "title": f"B{n}"}} for n in range(4)]
            with pytest.raises(ApiError) as too_many:
                await api.send({"recipient": anna.bsuid, "type": "interactive", "interactive": {
                    "type": "button", "body": {"text": "?"}, "action": {"buttons": four}}})
            assert too_many.value.code == 131009
            with pytest.raises(ApiError) as missing:
                await api.send({"recipient": anna.bsuid, "type": "template", "template": {
                    "name": "nope", "language": {"code": "nl"}}})
            assert missing.value.code == 132001
        finally:
            await api.close()
            await wrong.close()
