"""GraphiQL in a real headless Chromium, with no network beyond loopback.

Chromium is Debian's (`/usr/bin/chromium`), driven by Playwright's protocol client;
Playwright never downloads a browser here. Screenshots go to tests/output/.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import ConsoleMessage, Page, Request, Route, async_playwright

from mongraph.app import create_app
from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.graphiql import ASSETS_DIR
from mongraph.live import Hub
from tests.utils import required
from tests.utils.chat import create_conversation, post
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


@dataclass
class Browser:
    page: Page
    address: str
    hub: Hub
    outside: list[str] = field(default_factory=list)  # requests that tried to leave loopback
    requested: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # console errors, uncaught exceptions

    async def open_graphiql(self) -> None:
        await self.page.goto(f"http://{self.address}/graphql", wait_until="load")
        await self.page.locator(".graphiql-query-editor .monaco-editor").wait_for(timeout=60_000)
        await self.page.get_by_text("query MyProjects").first.wait_for(timeout=30_000)

    async def replace(self, editor_selector: str, text: str) -> None:
        """Replaces a (Monaco) editor's text as a user pasting would."""
        await self.page.locator(editor_selector).last.click()
        await self.page.keyboard.press("Control+A")
        await self.page.keyboard.insert_text(text)
        await self.page.keyboard.press("Control+Shift+End")  # what Monaco auto-closed
        await self.page.keyboard.press("Delete")

    async def run_and_read(self, expected: str) -> str:
        """Runs the editor's operation; the result pane's text once it shows `expected`."""
        await self.page.locator(".graphiql-execute-button").click()
        result = self.page.locator(".graphiql-response")
        await result.get_by_text(expected).wait_for(timeout=30_000)
        text = await result.inner_text()
        return text.replace("\xa0", " ")  # Monaco renders spaces as nbsp

    async def screenshot(self, name: str) -> None:
        OUTPUT.mkdir(exist_ok=True)
        await self.page.screenshot(path=OUTPUT / name)


@pytest.fixture
async def browser(
    store: Datastore, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Browser]:
    required.built(ASSETS_DIR / "manifest.json", "make web")
    chromium = required.chromium()

    async def same_store() -> Datastore:
        return store

    app = create_app(same_store, settings, close_store=False)
    async with serving(app) as address, async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # an empty user-data-dir
            executable_path=str(chromium),
            headless=True,
            args=FLAGS,
            viewport={"width": 1400, "height": 900},
        )
        page = context.pages[0] if context.pages else await context.new_page()
        browser = Browser(page, address, app.state.hub)

        async def only_loopback(route: Route, request: Request) -> None:
            host = urlsplit(request.url).hostname or ""
            if request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
                await route.continue_()
            else:
                browser.outside.append(request.url)
                await route.abort()

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                browser.problems.append(message.text)

        await context.route("**/*", only_loopback)
        page.on("console", on_console)
        page.on("pageerror", lambda error: browser.problems.append(str(error)))
        page.on("request", lambda request: browser.requested.append(request.url))
        try:
            yield browser
        finally:
            await browser.screenshot(f"{request.node.name}.png")  # also when it failed
            await context.close()
    assert browser.outside == []
    assert browser.problems == []


async def test_graphiql_runs_the_default_query_in_chromium(
    browser: Browser, alice: MadeUser
) -> None:
    async with httpx.AsyncClient(base_url=f"http://{browser.address}") as http:
        await create_project(GraphQLClient(http, alice.secret), "Browser Project")
    await browser.open_graphiql()
    await browser.page.get_by_text('{"Authorization": "Bearer <key>"}').wait_for()
    await browser.replace(
        ".graphiql-editor-tool .graphiql-editor", f'{{"Authorization": "Bearer {alice.secret}"}}'
    )
    text = await browser.run_and_read("Browser Project")

    data = json.loads(text)["data"]
    assert data["viewer"] == {"displayName": "Alice"}
    assert data["projects"]["totalCount"] == 1
    assert data["projects"]["edges"][0]["node"]["name"] == "Browser Project"
    assert any("graphql.worker-" in url for url in browser.requested)  # Monaco's workers ran


async def test_graphiql_subscribes_over_websocket_with_the_header_key(
    browser: Browser, alice: MadeUser
) -> None:
    async with httpx.AsyncClient(base_url=f"http://{browser.address}") as http:
        gql = GraphQLClient(http, alice.secret)
        conversation = await create_conversation(gql)
        await browser.open_graphiql()
        await browser.replace(
            ".graphiql-editor-tool .graphiql-editor",
            f'{{"Authorization": "Bearer {alice.secret}"}}',
        )
        await browser.replace(
            ".graphiql-query-editor .graphiql-editor",
            f'subscription Live {{ messageAdded(conversationId: "{conversation}") {{ content {{ text }} }} }}',
        )
        # GraphiQL parses the edited document after a debounce: run it once the tab shows it.
        await browser.page.locator(".graphiql-tab", has_text="Live").wait_for()
        await browser.page.locator(".graphiql-execute-button").click()
        for _ in range(1000):
            if browser.hub.subscription_count:
                break
            await asyncio.sleep(0.01)
        assert browser.hub.subscription_count == 1
        await post(gql, conversation, "hello from the test")
        result = browser.page.locator(".graphiql-response")
        await result.get_by_text("hello from the test").wait_for(timeout=30_000)
