// The deprecated HTTP+SSE transport (MCP 2024-11-05) for old clients: GET /sse opens the stream
// and announces where to POST; each POST /messages?sessionId= delivers messages to the session;
// every answer goes out on the stream. SDK v2 dropped it from the server package (its frozen copy
// in server-legacy brings express and a second copy of the SDK core); this is the whole protocol.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { parseJSONRPCMessage, type AuthInfo, type JSONRPCMessage, type Transport } from "@modelcontextprotocol/server";

export class LegacySseTransport implements Transport {
  readonly sessionId = randomUUID();
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport["onmessage"];
  private closed = false;

  constructor(
    private readonly endpoint: string,
    private readonly res: ServerResponse,
  ) {}

  async start(): Promise<void> {
    this.res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", connection: "keep-alive" });
    this.res.write(`event: endpoint\ndata: ${this.endpoint}?sessionId=${this.sessionId}\n\n`);
    this.res.on("close", () => this.finish());
  }

  /** Delivers one POSTed body (a message or a batch); throws when it is not JSON-RPC (→ 400). */
  deliver(body: unknown, authInfo: AuthInfo | undefined): void {
    if (this.closed) throw new Error("the SSE stream of this session is closed");
    const messages = (Array.isArray(body) ? body : [body]).map((raw) => parseJSONRPCMessage(raw));
    for (const message of messages) this.onmessage?.(message, authInfo ? { authInfo } : undefined);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new Error("the SSE stream of this session is closed");
    this.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  async close(): Promise<void> {
    this.res.end();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
}
