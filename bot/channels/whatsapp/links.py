"""Click-to-chat links for posters: ``https://wa.me/<number>?text=start%20<neighbourhood>``. Opening one shows the
start phrase ready to send in the resident's WhatsApp; sending it begins onboarding with that neighbourhood
chosen (the channel reads ``start <id>`` as the start command)."""

from __future__ import annotations

import re
from urllib.parse import quote

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def wa_me(phone_number: str, neighbourhood_id: str | None = None) -> str:
    digits = phone_number.lstrip("+").replace(" ", "")
    if not digits.isdigit():
        raise ValueError("a wa.me link needs the number in international form, digits only")
    url = f"https://wa.me/{digits}"
    if neighbourhood_id is None:
        return url
    if not _ID.match(neighbourhood_id):
        raise ValueError(f"{neighbourhood_id!r} cannot be a start parameter (1-64 of A-Z, a-z, 0-9, _, -)")
    return f"{url}?text={quote(f'start {neighbourhood_id}')}"
