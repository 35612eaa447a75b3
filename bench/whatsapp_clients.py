"""Benchmark and check: the WhatsApp Cloud API client, pywa (async) against the channel's own (api.py + webhook.py).

    python bench/whatsapp_clients.py [--calls 1500] [--webhooks 3000] [--json out.json]

Why: issue 18 asks to choose the client by correctness, maintenance and CPU per call. This measures both, alike:

- **CPU per call** (``time.process_time`` of this process: user + system, all threads) to send a text, three reply
  buttons, a list message of six rows and a template with one parameter, one call after another, to the Cloud API
  emulator (tests/peers/whatsapp.py), which runs in a child process (this script with ``--server``) so its CPU is
  not counted. pywa 4.5.0 hard-codes ``https://graph.facebook.com/v{version}`` as its base URL: an httpx request
  hook sends its calls to the emulator instead (the only change to it). Our client's row includes building the
  message with ``render.py`` (what the channel does per send); pywa's includes building it from its own types.
- **CPU per webhook**: verifying ``X-Hub-Signature-256`` and parsing a signed body into a message or status
  (text, button, list row, image, location, status), without handling it (pywa: ``webhook_update_validator``, then
  ``webhook_update_handler`` calling an empty handler; ours: ``signature_ok`` and ``parse``).
- **Correctness checks** (not timed), each printed as ok or the problem: webhooks with a BSUID and a phone number,
  with a BSUID only (a resident with a username), with a phone number only (payloads before BSUIDs); sending to a
  BSUID; Meta's errors 131047, 131056, 130429, 131026 and 132018 mapped to something the channel can act on (the
  emulator's error answers, in Meta's published JSON); a failed status webhook's error codes; a text/plain
  document uploaded and sent (the /mydata export).

Nothing here is a target the bot must meet; ``passed`` says only that both clients were measured. The README
(*WhatsApp*, "Client") states the figures with the machine and its load, and the decision.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

if str(ROOT := Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import ServerChild, machine, progress, warn_if_busy, write_json

APP_SECRET = "bench-app-secret-0123456789abcdef"
TOKEN = "EAAbenchtokenwijkbot0123456789"
PHONE_ID = "1065550100"
VERSION = "23.0"
TEXT = "Dank je wel! Je verhaal over de kapotte lantaarn in de Kerkstraat is doorgestuurd. Wat wil je nu doen?"
BUTTONS = ("Verhaal delen", "Mijn verhalen", "Instellingen")
ROWS = ("Opgroeien", "Onderwijs", "Sociaal leven", "Werk en inkomen", "Gezondheid", "Wonen")
TEMPLATE = ("wijkbot_feedback", "nl")
KINDS = ("text", "buttons", "list", "template")
# Recipients the emulator knows: "ok" inside the 24-hour window; "ERR<code>" answers Meta's error <code>.
ERRORS = (131047, 131056, 130429, 131026, 132018)


# ----------------------------------------------------------------------------------------- the server process


def serve() -> None:
    """The Cloud API emulator with one resident inside the window, and recipients that answer with an error.
    Prints ``{"port": …, "pid": …, "bsuid": …}`` on stdout and serves until stdin closes."""
    from aiohttp import web

    from tests.peers.whatsapp import CloudApiEmulator

    async def main() -> None:
        emu = CloudApiEmulator(app_secret=APP_SECRET, access_token=TOKEN, phone_number_id=PHONE_ID,
                               version=f"v{VERSION}", templates={TEMPLATE: "{{1}}"}, statuses=False,
                               throughput=10**9, pair_burst=10**9)
        anna = emu.user("31612345678", "Anna")
        anna.last_inbound = emu.now() + 10 * 24 * 3600  # her window stays open for the whole run
        handler = emu._messages

        async def messages(request: web.Request) -> web.Response:
            body = await request.json()
            target = str(body.get("recipient") or body.get("to") or "")
            if target.startswith("ERR"):  # Meta's error JSON for that code, as the emulator answers it
                code = int(target[3:])
                return emu._error(code, "bench error", 400)
            return await handler(request)

        emu._messages = messages  # type: ignore[method-assign]
        async with emu:
            print(json.dumps({"port": emu.port, "pid": os.getpid(), "bsuid": anna.bsuid}), flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

    asyncio.run(main())


class Server(ServerChild):
    """``python bench/whatsapp_clients.py --server`` as a child process."""

    def __init__(self) -> None:
        super().__init__(__file__, "Cloud API emulator", timeout=60.0)
        self.base_url = f"http://127.0.0.1:{self.hello['port']}"
        self.bsuid: str = self.hello["bsuid"]


# ---------------------------------------------------------------------------------------------- the clients


class Ours:
    """The channel's own client: render.py builds the message, api.CloudApi sends it."""

    name = "ours (aiohttp)"

    def __init__(self, base_url: str) -> None:
        from bot.channels.callback import derive_secret
        from bot.channels.whatsapp.api import CloudApi
        from bot.config_whatsapp import WhatsAppConfig

        settings = WhatsAppConfig(phone_number_id=PHONE_ID, access_token=TOKEN, app_secret=APP_SECRET,
                                  verify_token="v", api_base_url=base_url, api_version=f"v{VERSION}")
        self.api = CloudApi(settings, timeout=30.0, retry_delays=())
        self.secret = derive_secret(APP_SECRET)

    async def open(self) -> None:
        await self.api.open()

    async def close(self) -> None:
        await self.api.close()

    async def send(self, kind: str, to: str) -> str:
        from bot.channels.base import Choice
        from bot.channels.whatsapp import render

        if kind == "text":
            messages = render.text_messages(TEXT)
        elif kind == "template":
            messages = [render.template(TEMPLATE[0], TEMPLATE[1], TEXT)]
        else:
            labels = BUTTONS if kind == "buttons" else ROWS
            choices = [Choice(f"opt{n}", label) for n, label in enumerate(labels)]
            messages = render.widget(TEXT, choices, self.secret, to, 7, "Opties")
        [message] = messages
        return (await self.api.send({**render.recipient(to), **message})).message_id

    async def upload_document(self, to: str, data: bytes) -> str:
        from bot.channels.whatsapp import render

        media_id = await self.api.upload(data, "wijkbot-mydata.txt", "text/plain")
        return (await self.api.send({**render.recipient(to), **render.media("document", media_id, "x",
                                                                            "wijkbot-mydata.txt")})).message_id

    async def error_of(self, to: str) -> str:
        from bot.channels.whatsapp.api import ApiError

        try:
            await self.send("text", to)
        except ApiError as exc:
            return f"ApiError code {exc.code}"
        return "no error"

    def webhook(self) -> Callable[[bytes, str], Awaitable[list[Any]]]:
        from bot.channels.whatsapp.webhook import parse, signature_ok

        async def handle(body: bytes, signature: str) -> list[Any]:
            if not signature_ok(APP_SECRET, body, signature):
                raise AssertionError("signature refused")
            return parse(json.loads(body))  # type: ignore[return-value]

        return handle


class Pywa:
    """pywa_async.WhatsApp with its default httpx.AsyncClient, redirected to the emulator by a request hook."""

    name = "pywa 4.5.0 (httpx)"

    def __init__(self, base_url: str) -> None:
        import httpx
        from pywa_async import WhatsApp

        target = httpx.URL(base_url)

        async def redirect(request: httpx.Request) -> None:
            request.url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)

        self.session = httpx.AsyncClient(event_hooks={"request": [redirect]}, timeout=30.0)
        self.wa = WhatsApp(phone_id=PHONE_ID, token=TOKEN, session=self.session, api_version=VERSION,
                           app_secret=APP_SECRET, verify_token="v", validate_updates=True, filter_updates=False)
        self.updates: list[Any] = []

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        await self.session.aclose()

    async def send(self, kind: str, to: str) -> str:
        from pywa_async.types import Button, Section, SectionList, SectionRow

        if kind == "text":
            sent = await self.wa.send_message(to, TEXT)
        elif kind == "buttons":
            sent = await self.wa.send_message(to, TEXT, buttons=[Button(title=label, callback_data=f"opt{n}")
                                                                 for n, label in enumerate(BUTTONS)])
        elif kind == "list":
            rows = [SectionRow(title=label, callback_data=f"opt{n}") for n, label in enumerate(ROWS)]
            sent = await self.wa.send_message(to, TEXT, buttons=SectionList(
                button_title="Opties", sections=[Section(title="Opties", rows=rows)]))
        else:
            from pywa_async.types.templates import TemplateLanguage

            body = {"type": "body", "parameters": [{"type": "text", "text": TEXT}]}
            sent = await self.wa.send_template(to, name=TEMPLATE[0], language=TemplateLanguage(TEMPLATE[1]),
                                               params=[body])
        return str(sent.id)

    async def upload_document(self, to: str, data: bytes) -> str:
        sent = await self.wa.send_document(to, data, filename="wijkbot-mydata.txt", mime_type="text/plain",
                                           caption="x")
        return str(sent.id)

    async def error_of(self, to: str) -> str:
        from pywa.errors import WhatsAppError

        try:
            await self.send("text", to)
        except WhatsAppError as exc:
            return f"{type(exc).__name__} code {exc.code}"
        return "no error"

    def webhook(self) -> Callable[[bytes, str], Awaitable[list[Any]]]:
        wa = self.wa
        for register in (wa.on_message, wa.on_callback_button, wa.on_callback_selection, wa.on_message_status):
            register()(self._collect)

        async def handle(body: bytes, signature: str) -> list[Any]:
            if await wa.webhook_update_validator(body, signature) is not None:
                raise AssertionError("signature refused")
            self.updates.clear()
            answer = await wa.webhook_update_handler(body)
            if answer[1] != 200:
                raise AssertionError(f"pywa answered {answer}")
            return list(self.updates)

        return handle

    async def _collect(self, _: Any, update: Any) -> None:
        self.updates.append(update)


# --------------------------------------------------------------------------------------------- the webhooks


class Bodies:
    """Signed webhook bodies as Meta sends them, made by the emulator's own code (never sent anywhere)."""

    def __init__(self) -> None:
        from tests.peers.whatsapp import CloudApiEmulator

        self.emu = CloudApiEmulator(app_secret=APP_SECRET, access_token=TOKEN, webhook_url="unused")
        self.captured: list[tuple[bytes, str]] = []

        async def capture(body: bytes, signature: str | None) -> int:
            self.captured.append((body, signature or ""))
            return 200

        self.emu.post_raw = capture  # type: ignore[method-assign]

    async def one(self, make: Callable[[], Awaitable[Any]]) -> tuple[bytes, str]:
        await make()
        return self.captured.pop()

    async def mix(self, count: int) -> list[tuple[bytes, str]]:
        """``count`` bodies: text, button, list row, image, location and a delivered status, in turn, each with a
        fresh message id (pywa skips a body it has seen). The status carries a ``contacts`` array, which Meta's
        status examples do not show but pywa 4.5.0 needs (without it pywa drops the status: see ``cases``), so
        that both clients are timed on bodies they can read."""
        emu = self.emu
        anna = emu.user("31612345678", "Anna")
        makers: list[Callable[[int], Awaitable[Any]]] = [
            lambda n: anna.send(f"Bericht {n}: de lantaarn in onze straat is al een week kapot."),
            lambda n: anna.message("interactive", {"context": {"from": "31201234567", "id": f"wamid.OUT{n}"},
                                                    "interactive": {"type": "button_reply", "button_reply": {
                                                        "id": f"signed-button-id-{n:06d}", "title": "Delen"}}}),
            lambda n: anna.message("interactive", {"context": {"from": "31201234567", "id": f"wamid.OUT{n}"},
                                                    "interactive": {"type": "list_reply", "list_reply": {
                                                        "id": f"signed-row-id-{n:06d}", "title": "Wonen"}}}),
            lambda n: anna.message("image", {"image": {"id": str(9_000_000 + n), "mime_type": "image/jpeg",
                                                       "sha256": "0" * 64}}),
            lambda n: anna.send_location(52.37 + n / 1e6, 4.89),
            lambda n: emu.deliver({"contacts": [{"user_id": anna.bsuid, "wa_id": anna.phone}],  # pywa needs it
                                   "statuses": [{"id": f"wamid.OUT{n}", "status": "delivered",
                                                 "timestamp": "1765000000", "recipient_id": anna.phone,
                                                 "recipient_user_id": anna.bsuid}]}),
        ]
        return [await self.one(lambda n=n: makers[n % len(makers)](n)) for n in range(count)]

    async def cases(self) -> dict[str, tuple[bytes, str]]:
        """The identity and failure cases the correctness checks feed to both clients."""
        emu = self.emu
        both = emu.user("31611111111", "Both")
        bsuid_only = emu.user("31622222222", "Username", with_phone=False)
        phone_only = emu.user("31633333333", "Old payload")
        phone_only.with_bsuid = False

        def failed(user: Any, code: int) -> Callable[[], Awaitable[Any]]:
            from tests.peers.whatsapp import recipient

            return lambda: emu.deliver({"statuses": [{"id": f"wamid.F{code}", "status": "failed",
                                                      "timestamp": "1765000000", **recipient(user),
                                                      "errors": [{"code": code, "title": "failed"}]}]})

        return {
            "message with BSUID and phone number": await self.one(lambda: both.send("hallo")),
            "message with BSUID only (username)": await self.one(lambda: bsuid_only.send("hallo")),
            "message with phone number only (older payload)": await self.one(lambda: phone_only.send("hallo")),
            "failed status 131047 (BSUID only)": await self.one(failed(bsuid_only, 131047)),
            "failed status 131026 (phone number only)": await self.one(failed(phone_only, 131026)),
        }


def describe(update: Any) -> str:
    """What a parsed webhook says, in words comparable between the clients: who, what, error codes."""
    if hasattr(update, "message_id") and hasattr(update, "user"):  # ours: Inbound or Status
        if hasattr(update, "status"):
            return f"status {update.status} for {update.user} errors {list(update.errors)}"
        return f"message from {update.user}"
    user = getattr(update, "from_user", None)
    who = (getattr(user, "bsuid", None) or getattr(user, "wa_id", None)) if user else None
    status = getattr(update, "status", None)
    if status is not None:
        error = getattr(update, "error", None)
        codes = [getattr(error, "code", None)] if error is not None else []
        return f"status {status} for {who} errors {codes}"
    return f"message from {who}"


# ----------------------------------------------------------------------------------------------- measuring


async def measure_client(client: Ours | Pywa, to: str, calls: int, bodies: list[tuple[bytes, str]],
                         cases: dict[str, tuple[bytes, str]]) -> dict[str, Any]:
    await client.open()
    try:
        result: dict[str, Any] = {"client": client.name}
        for kind in KINDS:
            for _ in range(min(50, calls)):  # warm up: pooled connection, imports, code paths
                await client.send(kind, to)
            gc.collect()
            before = time.process_time()
            for _ in range(calls):
                await client.send(kind, to)
            result[f"{kind}_cpu_ms"] = (time.process_time() - before) * 1000 / calls
        handle = client.webhook()
        for body, signature in bodies[:50]:
            await handle(body, signature)
        gc.collect()
        before = time.process_time()
        for body, signature in bodies:
            await handle(body, signature)
        result["webhook_cpu_ms"] = (time.process_time() - before) * 1000 / len(bodies)
        checks: dict[str, str] = {}
        for name, (body, signature) in cases.items():
            try:
                updates = await handle(body, signature)
                checks[name] = "; ".join(describe(u) for u in updates) or "nothing (dropped)"
            except Exception as exc:  # what a client does with it is the finding
                checks[name] = f"failed: {type(exc).__name__}: {str(exc)[:80]}"
        for code in ERRORS:
            checks[f"error {code}"] = await client.error_of(f"ERR{code}")
        try:
            checks["text/plain document (the /mydata export)"] = \
                "sent" if await client.upload_document(to, b"wijkbot /mydata\n") else "no id"
        except Exception as exc:
            checks["text/plain document (the /mydata export)"] = f"failed: {type(exc).__name__}"
        result["checks"] = checks
        return result
    finally:
        await client.close()


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        words = " [holds a resident's words]" if "Bericht" in message or "hallo" in message else ""
        self.records.append(f"{record.levelname} {record.name}: {message[:100]}{words}")


def run(calls: int, webhooks: int) -> dict[str, Any]:
    warn_if_busy()
    bodies_maker = Bodies()
    bodies = asyncio.run(bodies_maker.mix(webhooks))
    cases = asyncio.run(bodies_maker.cases())
    logs = _Count()
    pywa_log = logging.getLogger("pywa")
    level = pywa_log.level
    pywa_log.addHandler(logs)  # what pywa logs, at which level (residents' words are personal data)
    pywa_log.setLevel(logging.DEBUG)
    rows = []
    with Server() as server:
        for make in (Ours, Pywa):
            client = make(server.base_url)
            progress(f"whatsapp_clients: {client.name}, {calls} calls of each kind, {webhooks} webhooks")
            rows.append(asyncio.run(measure_client(client, server.bsuid, calls, bodies, cases)))
    pywa_log.removeHandler(logs)
    pywa_log.setLevel(level)
    ours, pywa = rows
    ratio = {kind: pywa[f"{kind}_cpu_ms"] / ours[f"{kind}_cpu_ms"] for kind in (*KINDS, "webhook")}
    words = [line for line in logs.records if line.endswith("[holds a resident's words]")]
    return {
        "benchmark": "whatsapp_clients", "calls": calls, "webhooks": webhooks, "rows": rows,
        "pywa_over_ours": ratio, "pywa_log_lines_with_residents_words": len(words),
        "pywa_log_levels": sorted({line.split(" ", 1)[0] for line in words}),
        "pywa_problems_logged": sorted({line.split("] ", 1)[-1] for line in logs.records
                                        if line.startswith(("WARNING", "ERROR"))}),
        "passed": True, "machine": machine(),
        "summary": [
            *({"metric": f"CPU per {kind} call (ms): ours / pywa",
               "value": f"{ours[f'{kind}_cpu_ms']:.3f} / {pywa[f'{kind}_cpu_ms']:.3f}", "target": ""}
              for kind in KINDS),
            {"metric": "CPU per signed webhook (ms): ours / pywa",
             "value": f"{ours['webhook_cpu_ms']:.3f} / {pywa['webhook_cpu_ms']:.3f}", "target": ""},
        ],
    }


def table(report: dict[str, Any]) -> str:
    ours, pywa = report["rows"]
    lines = [f"{'CPU ms per':<12} {ours['client']:>16} {pywa['client']:>20} {'pywa/ours':>10}"]
    for kind in (*KINDS, "webhook"):
        lines.append(f"{kind:<12} {ours[f'{kind}_cpu_ms']:>16.3f} {pywa[f'{kind}_cpu_ms']:>20.3f}"
                     f" {report['pywa_over_ours'][kind]:>10.2f}")
    lines.append("checks:")
    for name in ours["checks"]:
        lines.append(f"  {name}\n    ours: {ours['checks'][name]}\n    pywa: {pywa['checks'][name]}")
    lines.append(f"pywa log lines holding a resident's words: {report['pywa_log_lines_with_residents_words']}"
                 f" (levels {', '.join(report['pywa_log_levels']) or '-'})")
    lines += [f"pywa logged: {line}" for line in report["pywa_problems_logged"]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=1500, help="measured calls per kind and client")
    parser.add_argument("--webhooks", type=int, default=3000, help="measured webhook bodies per client")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--server", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if args.server:
        serve()
        return 0
    if args.calls < 1 or args.webhooks < 1:
        parser.error("--calls and --webhooks must be positive")
    report = run(args.calls, args.webhooks)
    print(table(report))
    write_json(args.json, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
