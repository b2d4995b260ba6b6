"""The GraphiQL page: the bundle built from `web/`, served from the package's own files.

Nothing on the page comes from another origin (no CDN): the script, stylesheet, fonts
and Monaco workers are files under `static/graphiql/`, which `web/build.mjs` writes
together with a `manifest.json` naming them. Without that build the page says how to
make it; the API itself does not depend on it.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope
from typing_extensions import override

__all__ = [
    "ASSETS_DIR",
    "ASSETS_PATH",
    "CONTENT_SECURITY_POLICY",
    "DEFAULT_QUERY",
    "HEADERS_TEMPLATE",
    "IMMUTABLE",
    "GraphiQLPage",
    "assets_app",
]

ASSETS_DIR = Path(__file__).parent / "static" / "graphiql"
ASSETS_PATH = "/static/graphiql"
IMMUTABLE = "public, max-age=31536000, immutable"
_HASHED = re.compile(r"-[A-Z0-9]{8}\.[a-z]+$")  # esbuild's `[name]-[hash]` file names


class _CachedAssets(StaticFiles):
    """A file whose name carries its content's hash never changes: browsers keep it for a
    year; the others (`manifest.json`, license notes) are revalidated."""

    @override
    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        hashed = _HASHED.search(os.fspath(full_path))
        response.headers["Cache-Control"] = IMMUTABLE if hashed else "no-cache"
        return response


def assets_app(directory: Path) -> ASGIApp:
    """The built bundle (5 MB of JavaScript), gzip-compressed for clients that accept it."""
    return GZipMiddleware(_CachedAssets(directory=directory), minimum_size=1024)


DEFAULT_QUERY = """\
# Welcome to mongraph! Put your API key in the Headers
# tab below, then run this query with Ctrl+Enter.
query MyProjects {
  viewer {
    displayName
  }
  projects(first: 5) {
    totalCount
    edges {
      node {
        id
        name
        sceneCount
        clipCount
        updatedAt
      }
    }
  }
}
"""

HEADERS_TEMPLATE = '{"Authorization": "Bearer <key>"}'

# Same origin only: a page that tried to reach a CDN would be refused by the browser.
# Inline styles are set by React and Monaco at run time; scripts are never inline.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; img-src 'self' data:; connect-src 'self'; worker-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_BUILD_HINT = "make web  (or: cd web && npm ci && npm run build; needs Node.js 20 or newer)"


@dataclass(frozen=True)
class _Manifest:
    script: str
    stylesheet: str | None
    graphiql_version: str


def _read_manifest(directory: Path) -> _Manifest | None:
    try:
        raw = json.loads((directory / "manifest.json").read_text())
        manifest = _Manifest(
            script=str(raw["script"]),
            stylesheet=str(raw["stylesheet"]) if raw.get("stylesheet") else None,
            graphiql_version=str(raw["versions"]["graphiql"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (directory / manifest.script).is_file():
        return None
    return manifest


def _json_for_script(value: object) -> str:
    """JSON that cannot close the <script> element that holds it."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class GraphiQLPage:
    """Renders /graphql for browsers from the assets found (once) in `directory`."""

    def __init__(self, directory: Path = ASSETS_DIR) -> None:
        self.directory = directory
        self._manifest = _read_manifest(directory)

    @property
    def built(self) -> bool:
        return self._manifest is not None

    @property
    def version(self) -> str | None:
        return self._manifest.graphiql_version if self._manifest else None

    def render(self, endpoint: str, api_key: str | None = None) -> str:
        """The IDE page; `api_key` (dev mode only) replaces the headers placeholder."""
        if self._manifest is None:
            return self._render_unbuilt()
        assets = "." + ASSETS_PATH  # relative: keeps working behind a path prefix
        headers = HEADERS_TEMPLATE.replace("<key>", api_key) if api_key else HEADERS_TEMPLATE
        config = {"endpoint": endpoint, "defaultQuery": DEFAULT_QUERY, "defaultHeaders": headers}
        stylesheet = (
            f'<link rel="stylesheet" href="{assets}/{escape(self._manifest.stylesheet)}">'
            if self._manifest.stylesheet
            else ""
        )
        return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="GraphiQL {escape(self._manifest.graphiql_version)}">
<title>mongraph · GraphiQL</title>
<link rel="icon" href="data:,">
{stylesheet}
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
<script id="graphiql-config" type="application/json">{_json_for_script(config)}</script>
<script type="module" src="{assets}/{escape(self._manifest.script)}"></script>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
</body>
</html>
"""

    def _render_unbuilt(self) -> str:
        return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>mongraph · GraphiQL not built</title></head>
<body style="font-family: sans-serif; max-width: 44em; margin: 3em auto;">
<h1>GraphiQL is not built</h1>
<p>The GraphQL API at this URL works (POST, or GET for queries); only the in-browser
IDE is missing. Its assets are bundled from <code>web/</code> with Node.js, which was
not available when this gateway was installed. Build them from the repository with:</p>
<pre>{escape(_BUILD_HINT)}</pre>
<p>and restart the gateway. Release wheels and the Docker image include them.</p>
<p>Send requests with the header <code>{escape(HEADERS_TEMPLATE)}</code>.</p>
</body>
</html>
"""
