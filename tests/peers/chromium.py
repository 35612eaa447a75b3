"""A real browser for tests: Debian's headless Chromium, driven over the DevTools protocol with aiohttp's
websocket client (aiohttp is already a dependency; Playwright and Puppeteer would download a browser of their
own, which fails here). Also finds axe-core, the accessibility checker, installed from the npm registry.

Both come from package registries the README's test command may use: when one is missing, the first browser test
installs it (axe-core with npm into .cache/npm; Chromium with apt-get, as root, the way .ci/run does too). Where that
cannot be done the test fails and says how to install it: a missing browser is never a skipped test.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
INSTALL_CHROMIUM = "Chromium is missing: apt-get update && apt-get install -y chromium (or run .ci/run)"
INSTALL_AXE = (f"axe-core is missing at {AXE}: npm install --prefix .cache/npm --no-save axe-core@4 "
               "(or run .ci/run)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--remote-debugging-port=0"]


def _installed(command: str) -> bool:
    return subprocess.run(["bash", "-c", command], capture_output=True, timeout=900).returncode == 0


def _find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_path() -> str:
    found = _find_chromium()
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        _installed("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium")
        found = _find_chromium()
    if found is None:
        raise AssertionError(INSTALL_CHROMIUM)
    return found


def axe_source() -> str:
    if not AXE.is_file() and shutil.which("npm"):
        _installed(f"npm install --prefix {ROOT / '.cache' / 'npm'} --no-save --no-audit --no-fund --silent axe-core@4")
    if not AXE.is_file():
        raise AssertionError(INSTALL_AXE)
    return AXE.read_text(encoding="utf-8")


@dataclass
class Page:
    """One tab: commands go to it, and what it reported is kept."""

    ws: aiohttp.ClientWebSocketResponse
    session: str
    ids: itertools.count[int]
    waiting: dict[int, asyncio.Future[dict[str, Any]]]
    events: list[dict[str, Any]] = field(default_factory=list)
    loaded: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[number] = future
        await self.ws.send_str(json.dumps({"id": number, "method": method, "params": params,
                                           "sessionId": self.session}))
        answer = await asyncio.wait_for(future, 60)
        if "error" in answer:
            raise AssertionError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def console_errors(self) -> list[str]:
        found = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(str(params.get("exceptionDetails")))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(str(params.get("args")))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(str(params["entry"].get("text")))
        return found

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    async def screenshots(self, folder: Path, width: int = 1024, height: int = 1400) -> list[Path]:
        """A PNG of every screen of the document, scrolled to screen by screen as a reader would."""
        await self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                        mobile=False)
        total = int(await self.evaluate("document.documentElement.scrollHeight"))
        paths = []
        for number, top in enumerate(range(0, total, height), 1):
            await self.evaluate(f"window.scrollTo(0, {top}); new Promise(r => requestAnimationFrame(r))")
            shot = await self.send("Page.captureScreenshot", format="png")
            path = folder / f"page-{number:02d}.png"
            path.write_bytes(base64.b64decode(shot["data"]))
            paths.append(path)
        return paths


@contextlib.asynccontextmanager
async def browser(profile: Path) -> AsyncIterator[Page]:
    """Headless Chromium with an empty profile; yields a tab with Runtime, Log, Network and Page enabled."""
    process = await asyncio.create_subprocess_exec(
        chromium_path(), *FLAGS, f"--user-data-dir={profile}", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        url = await _devtools_url(process)
        async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as ws:
            ids = itertools.count(1)
            waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
            page = Page(ws, "", ids, waiting)
            reader = asyncio.create_task(_read(ws, page))
            try:
                target = await _browser_call(page, "Target.createTarget", url="about:blank")
                attached = await _browser_call(page, "Target.attachToTarget", targetId=target["targetId"],
                                               flatten=True)
                page.session = attached["sessionId"]
                for domain in ("Runtime", "Log", "Network", "Page"):
                    await page.send(f"{domain}.enable")
                yield page
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


async def _devtools_url(process: asyncio.subprocess.Process) -> str:
    assert process.stderr is not None
    async with asyncio.timeout(30):
        while True:
            line = (await process.stderr.readline()).decode(errors="replace")
            if not line:
                raise AssertionError("Chromium stopped before it offered the DevTools protocol")
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            if found:
                return found.group(1)


async def _browser_call(page: Page, method: str, **params: Any) -> dict[str, Any]:
    """A command to the browser itself (no session)."""
    number = next(page.ids)
    future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    page.waiting[number] = future
    await page.ws.send_str(json.dumps({"id": number, "method": method, "params": params}))
    answer = await asyncio.wait_for(future, 30)
    if "error" in answer:
        raise AssertionError(f"{method}: {answer['error']}")
    result: dict[str, Any] = answer["result"]
    return result


async def _read(ws: aiohttp.ClientWebSocketResponse, page: Page) -> None:
    async for message in ws:
        data = json.loads(message.data)
        if "id" in data and data["id"] in page.waiting:
            page.waiting.pop(data["id"]).set_result(data)
        elif "method" in data:
            page.events.append(data)
            if data["method"] == "Page.loadEventFired":
                page.loaded.set()
