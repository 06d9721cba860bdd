// What a transport needs to serve MCP: the server factory is called per serving unit with the
// caller it authenticated and the protocol era — "legacy" (2025-11-25 and older: one per session;
// stdio, HTTP initialize, SSE stream) or "modern" (2026-07-28: one per HTTP request, or per stdio
// connection).
import type { McpServer, ProtocolEra } from "@modelcontextprotocol/server";
import type { ApprovalPage } from "./approval-page.js";
import type { Caller } from "./tool-spec.js";

export interface SessionServerFactory {
  /** A fresh McpServer whose tool list is filtered for this caller's effective role. */
  create(caller: Caller, era: ProtocolEra): McpServer;
  /** Aborts running tool calls (graceful shutdown after the grace period). */
  cancelAll(reason: string): void;
  /** Number of tool calls in flight, across sessions. */
  inFlight(): number;
  /** Flushes the audit log. */
  flush(): Promise<void>;
  /** The approval page, for transports that serve it themselves (HTTP), and where it is reached. */
  approvals: { page: ApprovalPage; useBaseUrl(url: string): void };
  /** Closes what the factory opened (the loopback approval page) and flushes the audit log. */
  close(): Promise<void>;
}
