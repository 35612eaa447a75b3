"""!report in a moderation room sends the report as files; the monthly report goes through the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.app import App
from bot.channels.base import AttachmentKind
from bot.clock import ManualClock
from tests.engine.report_support import seed
from tests.engine.test_moderation import MOD_ROOM, organiser
from tests.support import Recorder, make_config


async def test_report_in_a_moderation_room_answers_with_the_web_page_and_the_pdf(
        app: App, manual_clock: ManualClock) -> None:
    await seed(app, manual_clock)
    replies = await app.dispatch(organiser(app, "!rapport 2026-01-01 2026-06-30"))
    files = [r.attachment for r in replies if r.attachment is not None]
    assert [(f.kind, f.filename, f.mime_type) for f in files] == [
        (AttachmentKind.FILE, "wijkbot-report-centrum-2026-01-01-2026-06-30.html", "text/html"),
        (AttachmentKind.FILE, "wijkbot-report-centrum-2026-01-01-2026-06-30.pdf", "application/pdf")]
    page = (files[0].data or b"").decode()
    assert "Centrum" in page and "Noord" not in page  # only this room's neighbourhoods
    assert (files[1].data or b"").startswith(b"%PDF")


async def test_report_refuses_non_moderators_and_explains_bad_dates(app: App, manual_clock: ManualClock) -> None:
    refused = await app.dispatch(organiser(app, "!report", moderator=False, user="@someone:localhost"))
    assert "only moderators" in refused[0].text and refused[0].attachment is None
    wrong = await app.dispatch(organiser(app, "!report last year"))
    assert "!report 2026-01-01 2026-06-30" in wrong[0].text and wrong[0].attachment is None


async def test_the_monthly_report_reaches_the_moderation_room_through_the_outbox(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    matrix = Recorder("matrix", can_send_files=True)
    app = App(make_config(tmp_path, report={"monthly": True, "day": 2}), [matrix], clock=clock)
    await app.start(background=False)
    try:
        assert "report-monthly" in app.scheduler.jobs
        await app.scheduler.run("report-monthly")  # 1 March: not yet, the report comes on the 2nd
        await app.outbox.drain()
        assert [r for r in matrix.sent if r.attachment is not None] == []
        clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))  # the bot was down on the 2nd: the next morning
        await app.scheduler.run("report-monthly")
        await app.scheduler.run("report-monthly")  # and again: once a month is enough
        await app.outbox.drain()
        sent = [r for r in matrix.sent if r.attachment is not None]
        assert [r.address.chat_id for r in sent if r.address] == [MOD_ROOM, MOD_ROOM]
        assert sent[0].attachment is not None and sent[0].attachment.filename == \
            "wijkbot-report-centrum-2026-02-01-2026-02-28.html"
        assert sent[1].attachment is not None and (sent[1].attachment.data or b"").startswith(b"%PDF")
    finally:
        await app.stop()


async def test_without_the_setting_no_monthly_report_is_planned(app: App) -> None:
    assert "report-monthly" not in app.scheduler.jobs
