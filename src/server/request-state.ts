// The state of a consent question on MCP 2026-07-28. There the server does not ask the client
// within a call: the call ends with the question (InputRequiredResult) and `requestState`, and the
// client calls again with the person's answer and that state, byte for byte. The state is
// attacker-controlled on the way back, so it is signed (HMAC-SHA256, the SDK's codec), expires with
// the plan, and is bound to the method and the principal (token name; "local" on stdio): a state
// minted for one caller is refused for another before our handler runs.
//
// The state only names the stored plan (approval-store.ts). Everything the consent is bound to —
// caller, tool, arguments, targets, file digests, preview — stays in that record on the server,
// is compared when the plan is used (consent.ts usePlan) and can be neither read nor changed by
// the client; the plan's single use (store.redeem) is what stops a replayed answer.
//
// The key lives in the state directory, which every replica shares (like the approval store).
import { nodeCrypto } from "../lazy-crypto.js";
import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createRequestStateCodec, type RequestStateCodec, type ServerContext } from "@modelcontextprotocol/server";
import { publishOnce } from "../fs/atomic.js";
import { isPlanId } from "./approval-store.js";
import type { ConsentState } from "./consent.js";

export const REQUEST_STATE_KEY_FILE = "request-state.key";
export const REQUEST_STATE_KEY_BYTES = 32;

/** The principal a state is bound to: the bearer token's name over HTTP, "local" on stdio. */
function principalOf(ctx: Pick<ServerContext, "http">): string {
  return ctx.http?.authInfo?.clientId ?? "local";
}

/** What the codec binds a state to: the method and the principal (the spec's user binding). */
function bindingOf(ctx: Pick<ServerContext, "http" | "mcpReq">): string {
  return `${ctx.mcpReq.method}\0${principalOf(ctx)}`;
}

/** A verified payload is ours, but check its shape anyway: an old key or format must not crash a call. */
export function parseConsentState(value: unknown): ConsentState | undefined {
  if (!value || typeof value !== "object") return undefined;
  const { v, planId, tool, ask, ...rest } = value as Record<string, unknown>;
  if (v !== 1 || !isPlanId(planId) || typeof tool !== "string" || (ask !== "form" && ask !== "url") || Object.keys(rest).length) return undefined;
  return { v, planId, tool, ask };
}

export function consentStateCodec(key: Uint8Array, ttlSeconds: number): RequestStateCodec<ConsentState> {
  return createRequestStateCodec<ConsentState>({ key, ttlSeconds: Math.max(1, Math.ceil(ttlSeconds)), bind: bindingOf });
}

/**
 * The HMAC key, created on first use (32 random bytes, 0600). Two processes starting at once
 * agree: the key is published once (publishOnce: link() fails when the name exists), and the loser reads
 * the winner's. A key others could read, or of the wrong size, is refused.
 */
export async function loadRequestStateKey(stateDir: string): Promise<Uint8Array> {
  const path = join(stateDir, REQUEST_STATE_KEY_FILE);
  const existing = await readKey(path);
  if (existing) return existing;
  await publishOnce(path, nodeCrypto().randomBytes(REQUEST_STATE_KEY_BYTES), 0o600);
  const key = await readKey(path);
  if (!key) throw new Error(`${path} vanished while it was being created`);
  return key;
}

async function readKey(path: string): Promise<Uint8Array | undefined> {
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (!info) return undefined;
  if (!info.isFile()) throw new Error(`${path} is not a regular file: remove it (a new key is created)`);
  if ((info.mode & 0o077) !== 0) throw new Error(`${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it, or remove it to get a new key`);
  const key = new Uint8Array(await readFile(path));
  if (key.length !== REQUEST_STATE_KEY_BYTES) throw new Error(`${path} holds ${key.length} bytes, not ${REQUEST_STATE_KEY_BYTES}: remove it (a new key is created)`);
  return key;
}
