"""The GraphiQL page: local assets only, a default query and header template, no Node needed."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html.parser import HTMLParser
from pathlib import Path

import httpx

from mongraph.app import create_app
from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.graphiql import ASSETS_DIR, CONTENT_SECURITY_POLICY, DEFAULT_QUERY, IMMUTABLE
from tests.utils import required
from tests.utils.factories import MadeUser

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


class Sources(HTMLParser):
    """Every URL the page would load code or styles from, and its inline config."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[tuple[str, str]] = []  # (type, text)
        self.config: dict[str, str] | None = None
        self._script: tuple[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("src"):
                self.urls.append(attributes["src"] or "")
            self._script = (attributes.get("type") or "text/javascript", attributes.get("id"))
        elif tag == "link" and attributes.get("href"):
            self.urls.append(attributes["href"] or "")

    def handle_data(self, data: str) -> None:
        if self._script is not None and data.strip():
            kind, element_id = self._script
            if element_id == "graphiql-config":
                self.config = json.loads(data)
            else:
                self.inline_scripts.append((kind, data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


def sources_of(page: str) -> Sources:
    parser = Sources()
    parser.feed(page)
    return parser


@asynccontextmanager
async def gateway(
    store: Datastore, settings: Settings, graphiql_dir: Path, api_key: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    async def same_store() -> Datastore:
        return store

    app = create_app(same_store, settings, close_store=False, graphiql_dir=graphiql_dir)
    app.state.graphiql_api_key = api_key
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def fake_bundle(directory: Path) -> Path:
    directory.mkdir()
    (directory / "app-1.js").write_text("console.log('graphiql')")
    (directory / "app-1.css").write_text("body{}")
    manifest = {"script": "app-1.js", "stylesheet": "app-1.css", "versions": {"graphiql": "5.x"}}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


async def test_the_built_page_loads_only_files_the_gateway_serves(http: httpx.AsyncClient) -> None:
    manifest = json.loads(required.built(ASSETS_DIR / "manifest.json", "make web").read_text())
    response = await http.get("/graphql", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    page = sources_of(response.text)
    assert not [url for url in page.urls if REMOTE.match(url)]
    assert page.inline_scripts == []  # no import map, no inline module importing a CDN
    assert f"GraphiQL {manifest['versions']['graphiql']}" in response.text
    files = [url for url in page.urls if not url.startswith("data:")]  # the empty favicon
    assert len(files) == 2  # the stylesheet and the module script
    loaded: list[str] = []
    for url in files:
        asset = await http.get(httpx.URL("http://test/graphql").join(url))
        assert asset.status_code == 200, url
        loaded.append(asset.text)
    stylesheet = next(text for text in loaded if ".graphiql-container" in text)
    for font in re.findall(r"url\(\"?\.?/?([^)\"]+\.ttf)\"?\)", stylesheet):
        assert (await http.get(f"/static/graphiql/{font}")).status_code == 200
    for worker in manifest["workers"].values():
        script = await http.get(f"/static/graphiql/{worker}")
        assert script.status_code == 200
        assert "javascript" in script.headers["content-type"]


async def test_the_page_opens_with_a_query_and_a_header_template_but_no_key(
    store: Datastore, settings: Settings, tmp_path: Path, alice: MadeUser
) -> None:
    bundle = fake_bundle(tmp_path / "bundle")
    async with gateway(store, settings, bundle, api_key=alice.secret) as http:
        response = await http.get("/graphql", headers=BROWSER)
    config = sources_of(response.text).config
    assert config == {
        "endpoint": "/graphql",
        "defaultQuery": DEFAULT_QUERY,
        "defaultHeaders": '{"Authorization": "Bearer <key>"}',
    }
    assert alice.secret not in response.text  # outside dev mode the key is not shown


async def test_dev_mode_fills_in_the_dev_key(
    store: Datastore, settings: Settings, tmp_path: Path, alice: MadeUser
) -> None:
    bundle = fake_bundle(tmp_path / "bundle")
    dev = settings.model_copy(update={"mongraph_dev": True})
    async with gateway(store, dev, bundle, api_key=alice.secret) as http:
        response = await http.get("/graphql", headers=BROWSER)
    config = sources_of(response.text).config
    assert config is not None
    assert json.loads(config["defaultHeaders"]) == {"Authorization": f"Bearer {alice.secret}"}


async def test_without_the_bundle_the_page_says_how_to_build_it_and_the_api_works(
    store: Datastore, settings: Settings, tmp_path: Path, alice: MadeUser
) -> None:
    async with gateway(store, settings, tmp_path / "never-built") as http:
        page = await http.get("/graphql", headers=BROWSER)
        assert page.status_code == 200
        assert "GraphiQL is not built" in page.text
        assert "make web" in page.text
        assert sources_of(page.text).urls == []
        assert (await http.get("/static/graphiql/manifest.json")).status_code == 404
        headers = {"Authorization": f"Bearer {alice.secret}"}
        posted = await http.post(
            "/graphql", json={"query": "{ viewer { displayName } }"}, headers=headers
        )
        assert posted.json()["data"] == {"viewer": {"displayName": "Alice"}}
        got = await http.get(
            "/graphql", params={"query": "{ viewer { displayName } }"}, headers=headers
        )
        assert got.json()["data"] == {"viewer": {"displayName": "Alice"}}


async def test_the_config_cannot_break_out_of_its_script_element(
    store: Datastore, settings: Settings, tmp_path: Path
) -> None:
    bundle = fake_bundle(tmp_path / "bundle")
    dev = settings.model_copy(update={"mongraph_dev": True})
    async with gateway(store, dev, bundle, api_key="</script><script>alert(1)</script>") as http:
        response = await http.get("/graphql", headers=BROWSER)
    page = sources_of(response.text)
    assert page.inline_scripts == []
    assert page.config is not None
    assert "</script>" in page.config["defaultHeaders"]


async def test_the_bundle_is_served_compressed_and_cached_by_its_hashed_name(
    http: httpx.AsyncClient,
) -> None:
    manifest = json.loads(required.built(ASSETS_DIR / "manifest.json", "make web").read_text())
    script = await http.get(
        f"/static/graphiql/{manifest['script']}", headers={"Accept-Encoding": "gzip"}
    )
    assert script.status_code == 200
    assert script.headers["content-encoding"] == "gzip"
    size = (ASSETS_DIR / manifest["script"]).stat().st_size
    assert script.num_bytes_downloaded * 3 < size  # what went over the wire
    assert len(script.content) == size  # and what it decompresses to
    assert script.headers["cache-control"] == IMMUTABLE  # the name changes with the content
    listing = await http.get("/static/graphiql/manifest.json")
    assert listing.headers["cache-control"] == "no-cache"  # the same name, new content


async def test_the_root_leads_to_graphiql(http: httpx.AsyncClient) -> None:
    response = await http.get("/", headers=BROWSER)
    assert response.status_code == 307
    assert response.headers["location"] == "/graphql"
