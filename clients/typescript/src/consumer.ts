// A small frontend data layer over the generated typed documents. It exists to
// be type-checked (`tsc --noEmit`): if the schema changes a type this code relies
// on (a clip's `length` stops being a number, `affectedCount` disappears, the
// API key `secret` moves...), codegen changes the generated types and this file
// stops compiling.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";

import {
  CreateApiKeyDocument,
  CreateClipDocument,
  CreateProjectDocument,
  CreateSceneDocument,
  DeleteProjectDocument,
  InboxDocument,
  PostMessageDocument,
  RestoreProjectDocument,
  StoryboardTreeDocument,
  type ClipFieldsFragment,
  type ErrorCode,
  type InboxQuery,
  type StoryboardTreeQuery,
  type UserErrorFieldsFragment,
} from "./generated/graphql";
import type { Project } from "./generated/schema";

/** A GraphQL error as mongraph sends it: every one carries `extensions.code`. */
export interface GatewayError {
  message: string;
  extensions: { code: ErrorCode };
}

export class GatewayFailure extends Error {
  constructor(readonly errors: GatewayError[]) {
    super(errors.map((e) => `${e.extensions.code}: ${e.message}`).join("; "));
  }
}

export class UserErrors extends Error {
  constructor(readonly errors: UserErrorFieldsFragment[]) {
    super(errors.map((e) => `${e.code} at ${(e.field ?? []).join(".")}: ${e.message}`).join("; "));
  }
}

/** POSTs one typed document; the result type follows from the document. */
export async function request<TResult, TVariables extends Record<string, unknown>>(
  endpoint: string,
  apiKey: string,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/graphql-response+json, application/json",
      Authorization: `Bearer ${apiKey}`,
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: TResult | null; errors?: GatewayError[] };
  if (body.errors?.length) throw new GatewayFailure(body.errors);
  if (body.data == null) throw new Error(`no data (HTTP ${response.status})`);
  return body.data;
}

/** Mutation payloads: the object, or the userErrors thrown. */
function orThrow<T>(payload: { userErrors: UserErrorFieldsFragment[] }, value: T | null): T {
  if (payload.userErrors.length > 0 || value === null) throw new UserErrors(payload.userErrors);
  return value;
}

type Tree = NonNullable<StoryboardTreeQuery["project"]>;
type SceneNode = Tree["scenes"]["edges"][number]["node"];

export interface TimelineRow {
  scene: string;
  clip: string;
  startsAt: number;
  seconds: number;
  character: string | null;
  thumbnail: string | null;
}

/** The storyboard as a flat timeline: clips in scene order, lengths added up. */
export function timeline(tree: Tree): TimelineRow[] {
  const rows: TimelineRow[] = [];
  let clock = 0;
  const scenes: SceneNode[] = tree.scenes.edges.map((e) => e.node).sort((a, b) => a.order - b.order);
  for (const scene of scenes) {
    const clips: ClipFieldsFragment[] = scene.clips.edges.map((e) => e.node);
    for (const clip of clips) {
      const seconds: number = clip.length ?? 0;
      const startsAt: number = clip.timelinePosition ?? clock;
      rows.push({
        scene: scene.name,
        clip: clip.name,
        startsAt,
        seconds,
        character: clip.character?.name ?? null,
        thumbnail: clip.selectedImage?.url ?? null,
      });
      clock = startsAt + seconds;
    }
  }
  return rows;
}

/** How much of the song the storyboard covers, 0..1 (null without a song length). */
export function coverage(tree: Tree): number | null {
  const song: number | null = tree.musicDuration;
  if (song === null || song <= 0) return null;
  const last = timeline(tree).at(-1);
  return last ? Math.min(1, (last.startsAt + last.seconds) / song) : 0;
}

export interface InboxRow {
  id: string;
  title: string;
  messages: number;
  lastActivity: Date | null;
  preview: string;
}

export function inboxRows(inbox: InboxQuery): InboxRow[] {
  return inbox.conversations.edges.map(({ node }) => {
    const last = node.messages.edges[0]?.node;
    const preview = last?.content.map((part) => (part.type === "TEXT" ? part.text ?? "" : "[image]")).join(" ") ?? "";
    return {
      id: node.id,
      title: node.title,
      messages: node.messageCount,
      lastActivity: node.lastMessageAt === null ? null : new Date(node.lastMessageAt),
      preview,
    };
  });
}

/** The flows the frontend runs, end to end. */
export class Storyboards {
  constructor(
    private readonly endpoint: string,
    private readonly apiKey: string,
  ) {}

  private run<R, V extends Record<string, unknown>>(doc: TypedDocumentNode<R, V>, variables: V): Promise<R> {
    return request(this.endpoint, this.apiKey, doc, variables);
  }

  async newProject(name: string, songSeconds?: number): Promise<Pick<Project, "id" | "name">> {
    const input = songSeconds === undefined ? { name } : { name, musicDuration: songSeconds };
    const { createProject } = await this.run(CreateProjectDocument, { input });
    return orThrow(createProject, createProject.project);
  }

  async addScene(projectId: string, name: string): Promise<{ id: string; order: number }> {
    const { createScene } = await this.run(CreateSceneDocument, { input: { projectId, name } });
    return orThrow(createScene, createScene.scene);
  }

  async addClip(sceneId: string, name: string, seconds: number): Promise<ClipFieldsFragment> {
    const { createClip } = await this.run(CreateClipDocument, { input: { sceneId, name, length: seconds } });
    return orThrow(createClip, createClip.clip);
  }

  async tree(id: string): Promise<Tree | null> {
    return (await this.run(StoryboardTreeDocument, { id, scenes: 50, clips: 50 })).project;
  }

  /** Deletes and returns how many documents went with it (the undo restores as many). */
  async remove(id: string): Promise<number> {
    const { deleteProject } = await this.run(DeleteProjectDocument, { id });
    return orThrow(deleteProject, deleteProject.affectedCount);
  }

  async undoRemove(id: string): Promise<number> {
    const { restoreProject } = await this.run(RestoreProjectDocument, { id });
    return orThrow(restoreProject, restoreProject.affectedCount);
  }

  async inbox(): Promise<InboxRow[]> {
    return inboxRows(await this.run(InboxDocument, { first: 50 }));
  }

  async say(conversationId: string, text: string): Promise<string> {
    const { postMessage } = await this.run(PostMessageDocument, {
      input: { conversationId, content: [{ type: "TEXT", text }] },
    });
    return orThrow(postMessage, postMessage.message).id;
  }

  /** The new key's secret: shown once, so the caller must store it now. */
  async newApiKey(name: string): Promise<{ id: string; prefix: string; secret: string }> {
    const { createApiKey } = await this.run(CreateApiKeyDocument, { name });
    const key = orThrow(createApiKey, createApiKey.apiKey);
    const secret = orThrow(createApiKey, createApiKey.secret);
    return { id: key.id, prefix: key.prefix, secret };
  }
}
