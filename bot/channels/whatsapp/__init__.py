"""The WhatsApp channel: Meta's WhatsApp Cloud API (the only package that knows WhatsApp).

In: a webhook (``webhook.py``) that answers Meta's verification handshake and refuses every POST without a valid
``X-Hub-Signature-256``; verified bodies are answered 200 at once and handled afterwards, one message at a time
per resident, each with ``event_id = "m<message id>"`` so a redelivered webhook is handled once. Residents are
keyed on the business-scoped user id (BSUID) where Meta gives one, else on the number. Their message is marked
as read once handled. Status webhooks count sent/delivered/read/failed; a failure for an undeliverable number
(131026) marks the resident unreachable.

Out: a thin aiohttp client (``api.py``). Options become reply buttons, list messages or numbered lists
(``render.py``), signed like Telegram's buttons. Free-form messages go out only within 24 hours of the
resident's last message (``pacing.Windows``); outside it an outbox message goes out as the approved template for
its kind and the resident's language, and one that cannot (no template, template not approved) stays in the
outbox with the reason. The number's throughput and Meta's per-recipient pacing are kept by ``pacing.py``.
"""

from __future__ import annotations

from bot.channels.whatsapp.channel import WhatsAppChannel

__all__ = ["WhatsAppChannel"]
