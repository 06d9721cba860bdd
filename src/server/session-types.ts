// What a transport needs to serve one MCP session: the server factory is called once per session
// (stdio: once; HTTP: per initialize) with the caller it authenticated.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ApprovalPage } from "./approval-page.js";
import type { Caller } from "./tool-spec.js";

export interface SessionServerFactory {
  /** A fresh McpServer whose tool list is filtered for this caller's effective role. */
  create(caller: Caller): McpServer;
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
