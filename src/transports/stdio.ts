// stdio: the local user; stdout carries MCP messages only (logs go to stderr). The connection's
// opening message picks the protocol era for its lifetime: `initialize` → MCP 2025-11-25 (a
// session), a request with the 2026-07-28 `_meta` envelope (e.g. server/discover) → 2026-07-28.
import { serveStdio as serveMcpStdio } from "@modelcontextprotocol/server/stdio";
import type { Logger } from "pino";
import type { SessionServerFactory } from "../server/session-types.js";
import type { Role } from "../server/roles.js";

/**
 * Serves until stdin closes or `stop` settles (SIGTERM/SIGINT: a harness stopping the run);
 * resolves after the audit log is flushed, so the caller can release what it started.
 */
export async function serveStdio(factory: SessionServerFactory, role: Role, log: Logger, stop: Promise<void>): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    process.stdin.once("end", () => resolve());
    void stop.then(resolve);
  });
  const handle = serveMcpStdio(({ era }) => factory.create({ transport: "stdio", name: "local", role }, era), {
    onerror: (error) => log.warn({ err: error.message }, "MCP stdio error"),
  });
  log.info("serving MCP over stdio");
  await closed;
  factory.cancelAll("stdin closed");
  await factory.close();
  await handle.close().catch(() => undefined);
}
