"""The Matrix channel (matrix-nio, end-to-end encryption on). This package is the only place that imports ``nio``.

How to set it up (the account, rooms, ``store_dir``, the homeserver's rate limit, verifying the bot in Element)
is in the README, section *Matrix*; this docstring is the design, for developers.

Signing in and restarts
    ``[matrix]`` gives the homeserver, the bot's user id and a password or access token. After the first login
    the device id and access token are kept in ``<store_dir>/credentials.json`` (mode 0600) and reused, so the
    bot stays one device with one set of encryption keys (nio's crypto store is in the same directory). The sync
    token is written to ``<store_dir>/sync_token`` after each batch has been handled: a restart continues where
    the bot left off (events that arrived meanwhile are handled, nothing older), and the very first start does one
    sync without timeline, so history is never replayed. Events in a room the bot has just joined that precede
    its own join are skipped too. ``stop()`` lets the batch in hand finish first; after a crash the batch comes
    again and the dialogue engine drops the duplicates by event id. With several processes on PostgreSQL the
    files of ``store_dir`` also go to the database after each batch, and the process that takes the Matrix sync
    over writes them into its own ``store_dir`` first (``handover.py``): the same device, the same position.

Rooms
    The moderation and public rooms of the neighbourhoods (ids or ``#aliases``) are joined at start; they are
    group rooms. Any other room with at most two members (the bot and one person) is a direct chat.
    Invites: a configured room is always joined; otherwise ``format.inviter_allowed`` decides (``allowed_inviters``
    and ``organisers``; direct-chat invites, ``is_direct``, also from the bot's own homeserver).

What becomes an Incoming
    In a direct chat every ``m.text`` (``/word`` and ``!word`` are commands). In a group room only ``!word args``
    (addressed to the bot); other chatter is ignored. ``moderator`` is set when the sender has power level 50 or
    more in that group room, is one of the room's creators (room version 12 and later, where creators are not in
    ``power_levels.users``), or is listed in ``matrix.organisers``; in a direct chat only organisers are
    moderators. Reactions (``m.annotation``) on the bot's own messages arrive as ``Incoming(reaction=key,
    reacted_to=event_id)``, MSC3381 poll responses to its polls as ``Incoming(poll_vote=...)``. Never dispatched:
    the bot's own events, notices (other bots), edits, emotes.

Sending
    Text goes out as ``m.notice`` (or ``m.text`` when ``Reply.notice`` is False) with an HTML body; choices
    become a numbered list. Files are uploaded (encrypted for encrypted rooms) and sent as ``m.file``/``m.image``.
    ``Reply.reactions``: after sending, the bot reacts to its own message with these keys (``add_reactions``).
    ``Reply.poll`` follows the text as an ``org.matrix.msc3381.poll.start`` event (its id is the message id);
    ``Reply.closes_poll`` first sends the ``poll.end`` for that poll. ``Reply.edit_of`` sends an ``m.replace``
    (its relation also in the clear in encrypted rooms); with ``Reply.settled`` the bot then redacts its own
    reactions on that message, found with the relations API. ``Reply.mentions`` (and a message to a person's
    direct chat) become ``m.mentions`` and pills; every other message carries an empty ``m.mentions``. Taking a
    message back also redacts the bot's edits of it (they hold its text). In a direct chat each handled message
    gets a read receipt, and ``busy`` shows "typing…" until the answer is out.
    An address whose chat id is a user id (``@anna:example.org``, a contact person the bot writes to first) means
    that person's direct chat: reused if there is one, else created (encrypted, ``is_direct`` invite); the
    mapping is kept in ``<store_dir>/direct_rooms.json``. A rich reply's target arrives as ``Incoming.reply_to``.
    ``send`` never raises: homeserver down → ``ok=False``; the person left or the room is gone →
    ``unreachable=True`` (and ``host.unreachable`` for direct chats). A 429 (``M_LIMIT_EXCEEDED``, e.g. Synapse's
    ``rc_message`` for an account that is not exempt) is waited out for that request only, for its
    ``retry_after_ms``, and the same request (same transaction id) is sent again; only after a minute of such
    waits does ``send`` give up with ``retry_after``, and the outbox retries that message alone later.

Encryption
    Messages are sent with ``ignore_unverified_devices=True``: every device in the room gets the keys, and the
    bot never marks anyone's device as trusted by itself (no silent trust-on-first-use). At start it logs, at
    INFO, its user id, device id and session key (ed25519 fingerprint), which organisers compare to verify it.

Reconnecting
    Connection errors and homeserver errors end the current sync; the loop waits 1 s, 2 s, 4 s … up to 30 s
    and tries again from the saved token, so events sent while the server was away are received afterwards.
    nio never retries on its own for long (``max_timeouts=2``, ``max_limit_exceeded=0``).

Logging never includes message text or residents' user ids at INFO (nio's own INFO logging is turned down).
"""

from __future__ import annotations

from bot.channels.matrix.channel import MatrixChannel

__all__ = ["MatrixChannel"]
