// Apollo Client's PersistedQueryLink against a running gateway (tests/e2e/test_real_clients.py):
//   node apq-check.mjs http://127.0.0.1:8000/graphql <api key>
// Runs the `Viewer` operation of ../operations/account.graphql three times, each with a
// fresh client: the first sends only the hash (a miss) and retries with the document, the
// second sends only the hash (a hit), the third sends only the hash over GET (a hit).
// Prints every HTTP request the link made and the data of each run, as JSON.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { Kind, parse } from "graphql";

const [url, apiKey] = process.argv.slice(2);
const source = readFileSync(new URL("../operations/account.graphql", import.meta.url), "utf8");
const document = parse(source);
const query = {
  ...document,
  definitions: document.definitions.filter(
    (d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === "Viewer",
  ),
};

const requests = [];

async function logged(input, init) {
  const target = new URL(typeof input === "string" ? input : input.url);
  const body = init?.body ? JSON.parse(init.body) : null;
  const extensions = body?.extensions ?? JSON.parse(target.searchParams.get("extensions") ?? "null");
  const response = await fetch(input, init);
  const answer = await response.clone().json();
  requests.push({
    method: init?.method ?? "GET",
    sentQuery: Boolean(body?.query ?? target.searchParams.get("query")),
    sentHash: extensions?.persistedQuery?.sha256Hash ?? null,
    status: response.status,
    codes: (answer.errors ?? []).map((e) => e.extensions?.code),
  });
  return response;
}

async function run(useGETForHashedQueries) {
  const persisted = new PersistedQueryLink({
    sha256: (text) => createHash("sha256").update(text).digest("hex"),
    useGETForHashedQueries,
  });
  const http = new HttpLink({ uri: url, fetch: logged, headers: { Authorization: `Bearer ${apiKey}` } });
  const client = new ApolloClient({ link: ApolloLink.from([persisted, http]), cache: new InMemoryCache() });
  const { data, error } = await client.query({ query, fetchPolicy: "network-only" });
  if (error) throw error;
  return data.viewer.displayName;
}

const names = [await run(false), await run(false), await run(true)];
process.stdout.write(JSON.stringify({ names, requests }));
