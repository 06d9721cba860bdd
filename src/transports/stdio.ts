// stdio: one session for the local user; stdout carries MCP messages only (logs go to stderr).
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Logger } from "pino";
import type { SessionServerFactory } from "../server/session-types.js";
import type { Role } from "../server/roles.js";

/** Serves until stdin closes; resolves after the audit log is flushed. */
export async function serveStdio(factory: SessionServerFactory, role: Role, log: Logger): Promise<void> {
  const server = factory.create({ transport: "stdio", name: "local", role });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once("end", () => resolve());
  });
  await server.connect(transport);
  log.info("serving MCP over stdio");
  await closed;
  factory.cancelAll("stdin closed");
  await factory.close();
  await server.close().catch(() => undefined);
}
