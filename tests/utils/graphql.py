"""A tiny GraphQL client over httpx for the end-to-end tests."""

from __future__ import annotations

from typing import Any

import httpx


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient, api_key: str | None = None) -> None:
        self.http = http
        self.api_key = api_key

    def as_user(self, api_key: str | None) -> GraphQLClient:
        return GraphQLClient(self.http, api_key)

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code in (200, 400), response.text
        body: dict[str, Any] = response.json()
        return body

    async def ok(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The data of a response that must have no errors."""
        body = await self.raw(query, variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def error_codes(self, query: str, variables: dict[str, Any] | None = None) -> list[str]:
        body = await self.raw(query, variables)
        assert body.get("errors"), body
        return [e["extensions"]["code"] for e in body["errors"]]

    async def mutate(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The single payload of a mutation that must succeed without userErrors."""
        data = await self.ok(query, variables)
        (payload,) = data.values()
        assert payload["userErrors"] == [], payload["userErrors"]
        result: dict[str, Any] = payload
        return result
