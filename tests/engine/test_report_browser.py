"""The HTML report in a real browser (Debian's headless Chromium): it loads without console errors or network
requests, a screenshot is made of every page, and axe-core finds no serious accessibility problem."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from bot.app import App
from bot.clock import ManualClock
from bot.engine import report
from tests.engine.report_support import seed
from tests.engine.test_report_figures import END, START
from tests.peers.chromium import axe_source, browser, chromium_path

ARTEFACTS = Path(os.environ.get("WIJKBOT_ARTEFACTS", tempfile.gettempdir())) / "wijkbot-report-screenshots"


async def test_the_report_loads_cleanly_and_passes_an_accessibility_check(
        app: App, manual_clock: ManualClock, tmp_path: Path) -> None:
    chromium_path()  # fails with how to install it when missing
    axe = axe_source()
    await seed(app, manual_clock)
    for language in ("nl", "ar"):
        files = await report.make(app.config, app.config.database, ["centrum", "noord"], START, END, language,
                                  manual_clock.now())
        page_file = tmp_path / f"report-{language}.html"
        page_file.write_text(files.html, encoding="utf-8")
        async with browser(tmp_path / f"profile-{language}") as page:
            await page.send("Page.navigate", url=page_file.as_uri())
            await asyncio.wait_for(page.loaded.wait(), 30)
            assert await page.evaluate("document.querySelectorAll('svg[role=img] title').length") >= 1
            assert await page.evaluate("document.querySelectorAll('table caption').length") >= 8
            assert await page.evaluate("document.documentElement.dir") == ("rtl" if language == "ar" else "ltr")
            quoted = "[...document.querySelectorAll('blockquote [lang=ar]')]"
            assert await page.evaluate(f"{quoted}.length") == 2  # the two Arabic stories about housing
            right_to_left = "e => e.dir === 'rtl' && getComputedStyle(e).direction === 'rtl'"
            assert await page.evaluate(f"{quoted}.every({right_to_left})")
            await page.send("Emulation.setDeviceMetricsOverride", width=1024, height=1400, deviceScaleFactor=1,
                            mobile=False)
            wide = await page.evaluate(
                "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > "
                "document.documentElement.clientWidth + 1 || e.getBoundingClientRect().left < -1)"
                ".map(e => e.tagName + ' ' + e.textContent.slice(0, 40))")
            assert wide == []  # nothing sticks out sideways: no horizontal scrolling, nothing cut off in print
            folder = ARTEFACTS / language
            folder.mkdir(parents=True, exist_ok=True)
            shots = await page.screenshots(folder)
            assert shots and all(p.stat().st_size > 1000 for p in shots)
            printed = await page.send("Page.printToPDF", printBackground=False)  # the print stylesheet applies
            assert printed["data"]
            await page.evaluate(axe)
            result = await page.evaluate(
                "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
                "v => ({id: v.id, impact: v.impact, nodes: v.nodes.length})))")
            serious = [v for v in result if v["impact"] in ("serious", "critical")]
            assert serious == [], serious
            assert page.console_errors() == []
            assert [url for url in page.requests() if not url.startswith("file://")] == []
