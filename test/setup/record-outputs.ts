// Setup for every test file: records what MCP servers under test say, wherever they run (in this
// process, or as a child over stdio or HTTP), and the bearer tokens clients present — for the
// secrets scan (test/secrets/scan.test.ts). Results of calls that asked for reveal: true are not
// recorded: an operator who allows reveal lets admins see Sensitive resources on purpose.
import { Client as ModernClient, Protocol as ClientProtocol } from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { Protocol as LegacyProtocol } from "@modelcontextprotocol/sdk/shared/protocol.js";
import { Protocol as ServerProtocol } from "@modelcontextprotocol/server";
import { Agent, setGlobalDispatcher } from "undici";
import { recordMaterial, recordOutput } from "../helpers/test-run.js";

type Message = { method: string; params?: { arguments?: { reveal?: unknown } } & Record<string, unknown> };

interface Recordable {
  request(message: Message, ...rest: unknown[]): Promise<unknown>;
  notification(message: Message, ...rest: unknown[]): Promise<void>;
  _onnotification(message: Message): void;
  __recording?: boolean;
}

/**
 * Records through one SDK's Protocol (both SDKs are in use: 1.x for MCP 2025-11-25 clients, v2 —
 * its own classes in the client and server packages — for the servers and 2026-07-28 clients).
 */
function recordThrough(proto: Recordable, isClient: (self: unknown) => boolean): void {
  if (proto.__recording) return;
  proto.__recording = true;
  const request = proto.request;
  proto.request = function (this: Recordable, message, ...rest) {
    const fromClient = isClient(this);
    // What a server sends a client (elicitation messages) is output; what a client sends is input.
    if (!fromClient) recordOutput(`server request ${message.method}`, JSON.stringify(message.params ?? {}));
    const pending = request.call(this, message, ...rest);
    if (fromClient && message.params?.arguments?.reveal !== true) {
      void pending.then((result) => recordOutput(`result of ${message.method}`, JSON.stringify(result)), () => undefined);
    }
    return pending;
  };
  const notification = proto.notification;
  proto.notification = function (this: Recordable, message, ...rest) {
    if (!isClient(this)) recordOutput(`server notification ${message.method}`, JSON.stringify(message.params ?? {}));
    return notification.call(this, message, ...rest);
  };
  const onNotification = proto._onnotification;
  proto._onnotification = function (this: Recordable, message) {
    if (isClient(this)) recordOutput(`notification ${message.method}`, JSON.stringify(message.params ?? {}));
    return onNotification.call(this, message);
  };
}

recordThrough(LegacyProtocol.prototype as unknown as Recordable, (self) => self instanceof LegacyClient);
recordThrough(ClientProtocol.prototype as unknown as Recordable, (self) => self instanceof ModernClient);
recordThrough(ServerProtocol.prototype as unknown as Recordable, () => false);

const globals = globalThis as { __talosMcpFetchRecorded?: boolean };
if (!globals.__talosMcpFetchRecorded) {
  globals.__talosMcpFetchRecorded = true;
  // Test clients let a connection idle for at most 1 s, well inside the servers' 5 s keep-alive.
  // With fetch's default (the server's 5 s less 1 s), a test process starved of CPU for a second
  // — usual while the suite shares two cores — reuses a connection just as the server drops it,
  // and the request dies with ECONNRESET: a property of HTTP/1.1 keep-alive on a starved client,
  // not of the server under test.
  setGlobalDispatcher(new Agent({ keepAliveTimeout: 1_000, keepAliveMaxTimeout: 1_000 }));

  // Bearer tokens presented to HTTP servers under test are key material of the suite.
  const fetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const header = new Headers(init?.headers).get("authorization");
    const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
    if (token) recordMaterial("bearer token", token);
    return fetch(input, init);
  };
}
