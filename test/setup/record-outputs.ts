// Setup for every test file: records what MCP servers under test say, wherever they run (in this
// process, or as a child over stdio or HTTP), and the bearer tokens clients present — for the
// secrets scan (test/secrets/scan.test.ts). Results of calls that asked for reveal: true are not
// recorded: an operator who allows reveal lets admins see Sensitive resources on purpose.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { Protocol } from "@modelcontextprotocol/sdk/shared/protocol.js";
import { Agent, setGlobalDispatcher } from "undici";
import { recordMaterial, recordOutput } from "../helpers/test-run.js";

type Message = { method: string; params?: { arguments?: { reveal?: unknown } } & Record<string, unknown> };

const proto = Protocol.prototype as unknown as {
  request(this: Protocol<never, never, never>, message: Message, ...rest: unknown[]): Promise<unknown>;
  notification(this: Protocol<never, never, never>, message: Message, ...rest: unknown[]): Promise<void>;
  _onnotification(this: Protocol<never, never, never>, message: Message): void;
  __recording?: boolean;
};

if (!proto.__recording) {
  proto.__recording = true;
  const request = proto.request;
  proto.request = function (message, ...rest) {
    const fromClient = this instanceof Client;
    // What a server sends a client (elicitation messages) is output; what a client sends is input.
    if (!fromClient) recordOutput(`server request ${message.method}`, JSON.stringify(message.params ?? {}));
    const pending = request.call(this, message, ...rest);
    if (fromClient && message.params?.arguments?.reveal !== true) {
      void pending.then((result) => recordOutput(`result of ${message.method}`, JSON.stringify(result)), () => undefined);
    }
    return pending;
  };
  const notification = proto.notification;
  proto.notification = function (message, ...rest) {
    if (!(this instanceof Client)) recordOutput(`server notification ${message.method}`, JSON.stringify(message.params ?? {}));
    return notification.call(this, message, ...rest);
  };
  const onNotification = proto._onnotification;
  proto._onnotification = function (message) {
    if (this instanceof Client) recordOutput(`notification ${message.method}`, JSON.stringify(message.params ?? {}));
    return onNotification.call(this, message);
  };

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
