"""The ``[whatsapp]`` section: Meta's WhatsApp Cloud API (read by ``bot/config.py``; the adapter is
``bot/channels/whatsapp/``).

Secrets (``access_token``, ``app_secret``) are meant to come from the environment (``"env:NAME"``). Templates are
named per language and per kind of message (see :data:`TEMPLATE_KINDS` and docs/whatsapp-templates.md); a kind
without a template in a language means such a message cannot reach a resident outside the 24-hour window, and it
stays in the outbox with that reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from bot.config import _Reader

# The kinds of message that may go out as an approved template outside the 24-hour window.
TEMPLATE_KINDS = ("feedback", "digest", "poll", "poll_results", "introduction", "relay_answer", "update")
_TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
_VERSION = re.compile(r"v\d{1,3}\.\d{1,2}")
_NUMBER = re.compile(r"\+?[0-9]{8,15}")


@dataclass(frozen=True)
class WhatsAppConfig:
    phone_number_id: str
    access_token: str
    app_secret: str
    verify_token: str
    phone_number: str | None = None  # the business number in international form, for wa.me links and QR codes
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8444
    webhook_path: str = "/whatsapp"
    api_base_url: str = "https://graph.facebook.com"
    api_version: str = "v23.0"
    throughput: int = 80  # messages a second for this phone number (Meta's default tier)
    templates: dict[str, dict[str, str]] = field(default_factory=dict)  # language -> kind -> template name


def parse_whatsapp(r: _Reader, data: dict[str, Any], languages: tuple[str, ...]) -> WhatsAppConfig | None:
    if not data:
        return None
    r.unknown(data, {"phone_number_id", "access_token", "app_secret", "verify_token", "phone_number",
                     "webhook_listen", "webhook_port", "webhook_path", "api_base_url", "api_version",
                     "throughput", "templates"}, "whatsapp")
    phone_number_id = r.string(data, "phone_number_id", "whatsapp.phone_number_id") or ""
    if phone_number_id and not phone_number_id.isdigit():
        r.problem("whatsapp.phone_number_id", "must be the digits Meta's app dashboard shows as 'Phone number ID' "
                                              "(not the phone number itself)")
    for key in ("access_token", "app_secret"):
        raw = data.get(key)
        if isinstance(raw, str) and raw.strip() and not raw.startswith("env:"):
            r.problem(f"whatsapp.{key}", "is a secret: put it in the environment and write \"env:NAME\" here")
    access_token = r.string(data, "access_token", "whatsapp.access_token") or ""
    app_secret = r.string(data, "app_secret", "whatsapp.app_secret") or ""
    verify_token = r.string(data, "verify_token", "whatsapp.verify_token") or ""
    if verify_token and len(verify_token) < 16:
        r.problem("whatsapp.verify_token", "use at least 16 characters (anyone who knows it can subscribe)")
    phone_number = r.string(data, "phone_number", "whatsapp.phone_number", required=False)
    if phone_number is not None and not _NUMBER.fullmatch(phone_number.replace(" ", "")):
        r.problem("whatsapp.phone_number", "must be the business number in international form, e.g. +31201234567")
        phone_number = None
    base_url = r.string(data, "api_base_url", "whatsapp.api_base_url", "https://graph.facebook.com") or ""
    if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).netloc:
        r.problem("whatsapp.api_base_url", "must be an http(s) URL such as https://graph.facebook.com")
    version = r.string(data, "api_version", "whatsapp.api_version", "v23.0") or "v23.0"
    if not _VERSION.fullmatch(version):
        r.problem("whatsapp.api_version", "must look like v23.0 (the Graph API version)")
    path = r.string(data, "webhook_path", "whatsapp.webhook_path", "/whatsapp") or "/whatsapp"
    if not path.startswith("/"):
        r.problem("whatsapp.webhook_path", "must start with /")
    return WhatsAppConfig(
        phone_number_id=phone_number_id, access_token=access_token, app_secret=app_secret,
        verify_token=verify_token, phone_number=phone_number.replace(" ", "") if phone_number else None,
        webhook_listen=r.string(data, "webhook_listen", "whatsapp.webhook_listen", "127.0.0.1") or "127.0.0.1",
        webhook_port=r.integer(data, "webhook_port", "whatsapp.webhook_port", 8444, 1, 65535),
        webhook_path=path, api_base_url=base_url.rstrip("/"), api_version=version,
        throughput=r.integer(data, "throughput", "whatsapp.throughput", 80, 1, 1000),
        templates=_templates(r, r.table(data, "templates", "whatsapp.templates", required=False), languages),
    )


def _templates(r: _Reader, data: dict[str, Any], languages: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """``[whatsapp.templates.<language>] <kind> = "<approved template name>"``."""
    templates: dict[str, dict[str, str]] = {}
    r.unknown(data, set(languages), "whatsapp.templates")
    for language in languages:
        names = r.table(data, language, f"whatsapp.templates.{language}", required=False)
        r.unknown(names, set(TEMPLATE_KINDS), f"whatsapp.templates.{language}")
        for kind in TEMPLATE_KINDS:
            name = r.string(names, kind, f"whatsapp.templates.{language}.{kind}", required=False)
            if name is None:
                continue
            if not _TEMPLATE_NAME.fullmatch(name):
                r.problem(f"whatsapp.templates.{language}.{kind}",
                          "template names are lower-case letters, digits and _ (as in Meta's template manager)")
                continue
            templates.setdefault(language, {})[kind] = name
    missing = [language for language in languages if "update" not in templates.get(language, {})]
    if data and missing:
        r.problem("whatsapp.templates", f"no 'update' template for {', '.join(missing)}: residents with that "
                                        "language cannot be reached after 24 hours of silence")
    return templates
