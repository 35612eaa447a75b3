"""Click-to-chat links for posters: ``https://wa.me/<number>?text=start%20<neighbourhood>``. Opening one shows the
start phrase ready to send in the resident's WhatsApp; sending it begins onboarding with that neighbourhood
chosen (the channel reads ``start <id>`` as the start command)."""

from __future__ import annotations

from urllib.parse import quote

from bot.channels.layout import start_parameter


def wa_me(phone_number: str, neighbourhood_id: str | None = None) -> str:
    digits = phone_number.lstrip("+").replace(" ", "")
    if not digits.isdigit():
        raise ValueError("a wa.me link needs the number in international form, digits only")
    url = f"https://wa.me/{digits}"
    return url if neighbourhood_id is None else f"{url}?text={quote('start ' + start_parameter(neighbourhood_id))}"
