# syntax=docker/dockerfile:1
#
# Production image of the mongraph gateway.
#
# It has NO embedded database: the optional `embedded` extra (SecantusDB, GPL-2.0)
# is deliberately not installed, so MONGODB_URI must point at a MongoDB replica set.
#
#   docker build -t mongraph .
#   docker run -p 8000:8000 -e MONGODB_URI='mongodb://db:27017/?replicaSet=rs0' \
#       -e MONGRAPH_CURSOR_SECRET=... mongraph
#
# Both stages must use the same Python image: the venv links to its interpreter.
ARG PYTHON_IMAGE=python:3.12-slim
ARG NODE_IMAGE=node:20-slim
ARG UV_VERSION=0.13.9

# --- web: GraphiQL bundled from web/ into static files (no CDN at run time) ----------
FROM ${NODE_IMAGE} AS web
WORKDIR /app/web
COPY web/package.json web/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund --loglevel=error
COPY web/build.mjs ./
COPY web/src ./src
RUN npm run build   # writes /app/src/mongraph/static/graphiql/

# --- builder: resolve the locked dependencies into /app/.venv ---------------------
FROM ${PYTHON_IMAGE} AS builder
ARG UV_VERSION

RUN pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /app

# Dependencies first (cached while only the source changes).
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-project

# Then the project itself, installed as a regular (non-editable) package, GraphiQL included.
COPY src ./src
COPY --from=web /app/src/mongraph/static/graphiql ./src/mongraph/static/graphiql
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable

# Guard: the GPL embedded database must never ship in this image.
RUN /app/.venv/bin/python -c "import importlib.metadata as md, sys; \
names = {(d.metadata['Name'] or '').lower() for d in md.distributions()}; \
sys.exit('SecantusDB must not be in the production image' if 'secantusdb' in names else 0)" \
    && /app/.venv/bin/mongraph --help > /dev/null \
    && /app/.venv/bin/python -c "from mongraph.graphiql import GraphiQLPage; \
assert GraphiQLPage().built, 'GraphiQL assets missing from the installed package'"

# --- runtime ---------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

RUN groupadd --system --gid 10001 mongraph \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin mongraph

# Owned by root and read-only for the app user.
COPY --from=builder /app/.venv /app/.venv

ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
# Run-time settings, read from the environment:
#   MONGODB_URI             required: there is no embedded database in this image
#   MONGRAPH_CURSOR_SECRET  required: serve refuses the public development default
#   MONGRAPH_DB             optional, defaults to "mongraph"
#   MONGRAPH_MIGRATE_ON_START  1: apply pending migrations at start (else `mongraph migrate up`)

WORKDIR /app
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

USER 10001:10001

ENTRYPOINT ["mongraph"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
