"""wijkbot schema, version 14: outbox rows queued before version 9 get their attachment into ``outbox_files``.

Until version 9 each row carried its attachment's bytes base64 in the JSON body (a poll's result chart, once
per resident told). Version 9 stored new attachments once, in ``outbox_files`` under their SHA-256 (hex), and
kept reading the old form. This step converts every such row, whatever its status: the bytes go to
``outbox_files`` (once per distinct file), the row names them in ``file``, and the base64 copy leaves the body.
After it, ``bot/store/outbox.py`` reads one form only.
"""

from __future__ import annotations

import base64
import hashlib
import json

from bot.store.db import Tx

BATCH = 500


async def upgrade(tx: Tx) -> None:
    last = 0
    while True:
        rows = await tx.all("SELECT id, body, created_at FROM outbox WHERE id > ? AND file IS NULL"
                            " AND body LIKE '%\"attachment\"%' ORDER BY id LIMIT ?", (last, BATCH))
        if not rows:
            return
        for row in rows:
            body = json.loads(row["body"])
            attachment = body.get("attachment")
            if isinstance(attachment, dict) and "data" in attachment:
                data = base64.b64decode(attachment.pop("data"))
                digest = hashlib.sha256(data).hexdigest()
                tx.defer("INSERT INTO outbox_files (digest, data, created_at) VALUES (?, ?, ?)"
                         " ON CONFLICT (digest) DO NOTHING", (digest, data, row["created_at"]))
                tx.defer("UPDATE outbox SET body = ?, file = ? WHERE id = ?",
                         (json.dumps(body, ensure_ascii=False), digest, row["id"]))
        last = int(rows[-1]["id"])
