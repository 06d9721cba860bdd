// The signed state of a consent question (MCP 2026-07-28): its shape, its key file, and what the
// codec refuses — another principal, another method, a changed byte, another key, an expired state.
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerContext } from "@modelcontextprotocol/server";
import { describe, expect, it, vi } from "vitest";
import type { ConsentState } from "../../../src/server/consent.js";
import { consentStateCodec, loadRequestStateKey, parseConsentState, REQUEST_STATE_KEY_FILE } from "../../../src/server/request-state.js";

const state: ConsentState = { v: 1, planId: "plan-abcdefghijklmnop", tool: "reboot", ask: "form" };
const ctx = (clientId: string | undefined, method = "tools/call") =>
  ({ mcpReq: { method }, http: clientId === undefined ? undefined : { authInfo: { token: clientId, clientId, scopes: [] } } }) as unknown as ServerContext;
const dir = () => mkdtempSync(join(tmpdir(), "talos-mcp-rs-"));

describe("parseConsentState", () => {
  it("accepts exactly the state the server mints", () => {
    expect(parseConsentState(state)).toEqual(state);
    expect(parseConsentState({ ...state, ask: "url" })).toEqual({ ...state, ask: "url" });
  });

  it("refuses anything else", () => {
    for (const bad of [
      undefined,
      null,
      "plan-abcdefghijklmnop",
      { ...state, v: 2 },
      { ...state, planId: "plan-short" },
      { ...state, planId: "../../etc/passwd" },
      { ...state, tool: 7 },
      { ...state, ask: "sampling" },
      { ...state, extra: true },
    ]) {
      expect(parseConsentState(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});

describe("the key file", () => {
  it("is created once (32 bytes, 0600) and reused; concurrent starts agree", async () => {
    const stateDir = dir();
    const [a, b] = await Promise.all([loadRequestStateKey(stateDir), loadRequestStateKey(stateDir)]);
    expect(a).toHaveLength(32);
    expect(b).toEqual(a);
    expect(await loadRequestStateKey(stateDir)).toEqual(a);
    const path = join(stateDir, REQUEST_STATE_KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(new Uint8Array(readFileSync(path))).toEqual(a);
  });

  it("refuses a key others can read, or of the wrong size", async () => {
    const readable = dir();
    writeFileSync(join(readable, REQUEST_STATE_KEY_FILE), Buffer.alloc(32, 1), { mode: 0o644 });
    chmodSync(join(readable, REQUEST_STATE_KEY_FILE), 0o644);
    await expect(loadRequestStateKey(readable)).rejects.toThrow(/readable by others .*chmod 600/);
    const short = dir();
    writeFileSync(join(short, REQUEST_STATE_KEY_FILE), Buffer.alloc(16, 1), { mode: 0o600 });
    await expect(loadRequestStateKey(short)).rejects.toThrow(/holds 16 bytes, not 32/);
  });
});

describe("the codec", () => {
  const key = new Uint8Array(32).fill(7);

  it("round-trips a state for the same principal and method", async () => {
    const codec = consentStateCodec(key, 60);
    const wire = await codec.mint(state, ctx("alice"));
    expect(await codec.verify(wire, ctx("alice"))).toEqual(state);
    const local = await codec.mint(state, ctx(undefined));
    expect(await codec.verify(local, ctx(undefined))).toEqual(state);
  });

  it("refuses another principal, another method, a changed byte, another key", async () => {
    const codec = consentStateCodec(key, 60);
    const wire = await codec.mint(state, ctx("alice"));
    await expect(codec.verify(wire, ctx("bob"))).rejects.toThrow(/bind/);
    await expect(codec.verify(wire, ctx(undefined))).rejects.toThrow(/bind/);
    await expect(codec.verify(wire, ctx("alice", "prompts/get"))).rejects.toThrow(/bind/);
    const [version, body, mac] = wire.split(".");
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, "base64url").toString()), p: { ...state, planId: "plan-zzzzzzzzzzzzzzzz" } })).toString("base64url");
    await expect(codec.verify(`${version}.${forged}.${mac}`, ctx("alice"))).rejects.toThrow(/mac/);
    await expect(codec.verify("not-a-state", ctx("alice"))).rejects.toThrow(/malformed/);
    await expect(consentStateCodec(new Uint8Array(32).fill(8), 60).verify(wire, ctx("alice"))).rejects.toThrow(/mac/);
  });

  it("refuses a state past its lifetime (the plan's)", async () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ["Date"] });
    try {
      const codec = consentStateCodec(key, 60);
      const wire = await codec.mint(state, ctx("alice"));
      vi.setSystemTime(1_000_000 + 59_000);
      await expect(codec.verify(wire, ctx("alice"))).resolves.toEqual(state);
      vi.setSystemTime(1_000_000 + 61_000);
      await expect(codec.verify(wire, ctx("alice"))).rejects.toThrow(/expired/);
    } finally {
      vi.useRealTimers();
    }
  });
});
