"""GraphiQL in a real headless Chromium, with no network beyond loopback.

Chromium is Debian's (`/usr/bin/chromium`), driven by Playwright's protocol client;
Playwright never downloads a browser here. Screenshots go to tests/output/.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import ConsoleMessage, Page, Request, Route, async_playwright

from mongraph.app import create_app
from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.graphiql import ASSETS_DIR
from tests.utils import required
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.server import serving
from tests.utils.storyboard import create_project

OUTPUT = Path(__file__).resolve().parents[1] / "output"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Any name but loopback fails to resolve: nothing can leave the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture
async def address(store: Datastore, settings: Settings) -> AsyncIterator[str]:
    required.built(ASSETS_DIR / "manifest.json", "make web")
    required.chromium()

    async def same_store() -> Datastore:
        return store

    async with serving(create_app(same_store, settings, close_store=False)) as address:
        yield address


async def replace_headers(page: Page, text: str) -> None:
    """Types into the (Monaco) headers editor as a user pasting would."""
    editor = page.locator(".graphiql-editor-tool .graphiql-editor").last
    await editor.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(text)
    await page.keyboard.press("Shift+End")  # Monaco auto-closed the brackets and quotes
    await page.keyboard.press("Delete")


async def test_graphiql_runs_the_default_query_in_chromium(
    address: str, alice: MadeUser, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        await create_project(GraphQLClient(http, alice.secret), "Browser Project")

    outside: list[str] = []
    requested: list[str] = []
    problems: list[str] = []

    async def only_loopback(route: Route, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        if request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            await route.continue_()
        else:
            outside.append(request.url)
            await route.abort()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # empty user-data-dir
            executable_path=str(required.CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1400, "height": 900},
        )
        try:
            await context.route("**/*", only_loopback)
            page = context.pages[0] if context.pages else await context.new_page()
            page.on("console", on_console)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("request", lambda request: requested.append(request.url))
            await page.goto(f"http://{address}/graphql", wait_until="load")
            await page.locator(".graphiql-query-editor .monaco-editor").wait_for(timeout=60_000)
            await page.get_by_text("query MyProjects").first.wait_for(timeout=30_000)
            await page.get_by_text('{"Authorization": "Bearer <key>"}').wait_for()
            await replace_headers(page, f'{{"Authorization": "Bearer {alice.secret}"}}')
            await page.locator(".graphiql-execute-button").click()
            result = page.locator(".graphiql-response")
            await result.get_by_text("Browser Project").wait_for(timeout=30_000)
            text = await result.inner_text()
        finally:
            OUTPUT.mkdir(exist_ok=True)
            await page.screenshot(path=OUTPUT / "graphiql.png")  # also when it failed
            await context.close()

    data = json.loads(text.replace("\xa0", " "))["data"]  # Monaco renders spaces as nbsp
    assert data["viewer"] == {"displayName": "Alice"}
    assert data["projects"]["totalCount"] == 1
    assert data["projects"]["edges"][0]["node"]["name"] == "Browser Project"
    assert outside == []
    assert any("graphql.worker-" in url for url in requested), requested  # Monaco's workers ran
    assert problems == []
