// Apollo Client's InMemoryCache against a running gateway (tests/clients/test_apollo_cache.py):
//   node cache-check.mjs http://127.0.0.1:8000/graphql <api key>
// A storyboard and a chat session through the operations of ../operations/, with the cache
// of apollo-cache.mjs: each screen is queried once (cache-first), then every mutation
// sends its document and nothing else (no refetchQueries, no cache.modify or update; after
// a purge, evictPurged). After every step, what the cache answers for each open screen
// (cache.readQuery) must equal what the gateway answers for the same document now (a
// direct POST, bypassing any cache). Prints what it did and found as JSON.
//
// With a third argument, `--without <field>`, that field is left out of every document the
// client sends (not of the truth's): the check must then find the cache stale, which shows
// that it can.
import { readFileSync } from "node:fs";

import { ApolloClient, HttpLink } from "@apollo/client";
import { addTypenameToDocument } from "@apollo/client/utilities";
import { Kind, parse, print, visit } from "graphql";

import { evictPurged, makeCache } from "./apollo-cache.mjs";

const [url, apiKey, flag, dropped] = process.argv.slice(2);
if (flag !== undefined && flag !== "--without") throw new Error(`unknown option ${flag}`);
const headers = { Authorization: `Bearer ${apiKey}` };
const source = ["storyboard", "chat"]
  .map((name) => readFileSync(new URL(`../operations/${name}.graphql`, import.meta.url), "utf8"))
  .join("\n");
const definitions = parse(source).definitions;
const fragments = new Map(
  definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
);
const documents = new Map();

// The named operation with the fragments it uses, as a client sends it.
function documentOf(name) {
  if (!documents.has(name)) {
    const operation = definitions.find(
      (d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name,
    );
    if (!operation) throw new Error(`no operation ${name} in ../operations/`);
    const used = new Set();
    const pending = [operation];
    while (pending.length) {
      visit(pending.pop(), {
        FragmentSpread(node) {
          if (!used.has(node.name.value)) {
            used.add(node.name.value);
            pending.push(fragments.get(node.name.value));
          }
        },
      });
    }
    const used_fragments = [...used].map((f) => fragments.get(f));
    documents.set(name, { kind: Kind.DOCUMENT, definitions: [operation, ...used_fragments] });
  }
  return documents.get(name);
}

// What the client sends: the document, or with `--without` the document less that field
// (and less the fragments only it used).
function sentOf(name) {
  if (dropped === undefined) return documentOf(name);
  const cut = visit(documentOf(name), {
    Field(node) {
      return node.name.value === dropped ? null : undefined;
    },
  });
  const spread = new Set();
  const [operation, ...rest] = cut.definitions;
  const pending = [operation];
  while (pending.length) {
    visit(pending.pop(), {
      FragmentSpread(node) {
        if (!spread.has(node.name.value)) {
          spread.add(node.name.value);
          pending.push(rest.find((f) => f.name.value === node.name.value));
        }
      },
    });
  }
  return { ...cut, definitions: [operation, ...rest.filter((f) => spread.has(f.name.value))] };
}

let requests = 0;
async function counted(input, init) {
  requests += 1;
  return fetch(input, init);
}

const client = new ApolloClient({
  link: new HttpLink({ uri: url, headers, fetch: counted }),
  cache: makeCache(),
});

// The gateway's answer now, for the document Apollo sends (it adds `__typename`).
async function network(name, variables) {
  const query = print(addTypenameToDocument(documentOf(name)));
  const response = await fetch(url, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`${name}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

// Key order is not part of a result: compare with keys sorted.
function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical(value[key])]),
    );
  }
  return value;
}

const screens = [];
const steps = [];
const mismatches = [];
const unanswered = []; // screens the cache answered with null (after their project went)
let mutations = 0;

// A screen opens: its query, cache-first (a network request the first time).
async function open(name, variables = {}) {
  const { data, error } = await client.query({ query: sentOf(name), variables });
  if (error) throw error;
  screens.push({ name, variables });
  return data;
}

async function mutate(name, variables) {
  mutations += 1;
  const { data, error } = await client.mutate({ mutation: sentOf(name), variables });
  if (error) throw error;
  const payload = Object.values(data)[0];
  if (payload.userErrors.length) throw new Error(`${name}: ${JSON.stringify(payload.userErrors)}`);
  return payload;
}

async function check(step) {
  steps.push(step);
  for (const { name, variables } of screens) {
    const cached = client.readQuery({ query: sentOf(name), variables });
    const fresh = await network(name, variables);
    if (cached === null || Object.values(cached).includes(null)) unanswered.push({ step, screen: name });
    if (JSON.stringify(canonical(cached)) !== JSON.stringify(canonical(fresh))) {
      mismatches.push({ step, screen: name, variables, cached, fresh });
    }
  }
}

async function step(name, action) {
  const result = await action();
  await check(name);
  return result;
}

// The storyboard: two projects, one of them opened and edited.
await open("MyProjects");
await open("Trash");
await check("open the project lists");
const project = await step("create a project", async () => {
  const created = await mutate("CreateProject", { input: { name: "Video", musicDuration: 180 } });
  return created.project.id;
});
await step("create another project", () => mutate("CreateProject", { input: { name: "Other" } }));
await open("StoryboardTree", { id: project });
await check("open the project");

const scenes = [];
for (const name of ["Intro", "Verse", "Outro"]) {
  const created = await step(`create scene ${name}`, () =>
    mutate("CreateScene", { input: { projectId: project, name } }),
  );
  scenes.push(created.scene.id);
}
const [intro, verse, outro] = scenes;
const clips = {};
for (const [scene, name, order] of [
  [intro, "a", undefined],
  [intro, "b", undefined],
  [intro, "c", undefined],
  [verse, "d", undefined],
  [intro, "e", 0],
]) {
  const input = { sceneId: scene, name, ...(order === undefined ? {} : { order }) };
  const created = await step(`create clip ${name}${order === undefined ? "" : " first"}`, () =>
    mutate("CreateClip", { input }),
  );
  clips[name] = created.clip.id;
}
await step("reorder a clip within its scene", () =>
  mutate("UpdateClip", { input: { id: clips.c, order: 0 } }),
);
await step("move a clip to another scene", () =>
  mutate("UpdateClip", { input: { id: clips.a, sceneId: verse, order: 1 } }),
);
await step("rename a clip", () => mutate("UpdateClip", { input: { id: clips.d, name: "d2" } }));
await step("move a scene first", () => mutate("UpdateScene", { input: { id: outro, order: 0 } }));
await step("delete a clip", () => mutate("DeleteClip", { id: clips.b }));
await step("restore the clip", () => mutate("RestoreClip", { id: clips.b }));
await step("delete a scene", () => mutate("DeleteScene", { id: verse }));
await step("restore the scene", () => mutate("RestoreScene", { id: verse }));
await step("delete the project", () => mutate("DeleteProject", { id: project }));
await step("restore the project", () => mutate("RestoreProject", { id: project }));
await step("delete the project again", () => mutate("DeleteProject", { id: project }));
const purged = await step("purge the project", async () => {
  const payload = await mutate("PurgeProject", { id: project });
  evictPurged(client.cache, payload.affectedIds);
  return payload.affectedIds;
});
const purgedLeft = Object.keys(client.cache.extract()).filter((key) =>
  purged.some((id) => key.endsWith(`:${id}`)),
);

// The chat: two conversations, messages posted, edited, deleted and restored.
await open("Inbox");
await check("open the inbox");
const talks = [];
for (const title of ["Ideas", "Team"]) {
  const created = await step(`create conversation ${title}`, () =>
    mutate("CreateConversation", { input: { title } }),
  );
  talks.push(created.conversation.id);
}
const [ideas, team] = talks;
await open("ConversationHistory", { id: ideas });
await open("ConversationHistory", { id: team });
await check("open both histories");
const said = {};
for (const [conversation, text] of [
  [ideas, "one"],
  [team, "two"],
  [ideas, "three"],
]) {
  const content = [{ type: "TEXT", text }];
  const posted = await step(`post ${text}`, () =>
    mutate("PostMessage", { input: { conversationId: conversation, content } }),
  );
  said[text] = posted.message.id;
}
const edit = { id: said.one, content: [{ type: "TEXT", text: "one, edited" }] };
await step("edit a message", () => mutate("EditMessage", { input: edit }));
await step("delete the last message", () => mutate("DeleteMessage", { id: said.three }));
await step("restore it", () => mutate("RestoreMessage", { id: said.three }));
await step("delete an earlier message", () => mutate("DeleteMessage", { id: said.one }));

process.stdout.write(
  JSON.stringify({
    steps,
    screens: screens.length,
    mutations,
    requests,
    mismatches,
    unanswered,
    purged,
    purgedLeft,
  }),
);
