// Spawns the BUILT server (dist/) over stdio with a real SDK client, as Claude/Cursor do.
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { ClientCapabilities } from "@modelcontextprotocol/sdk/types.js";
import { recordOutput } from "./test-run.js";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const CLI = join(REPO_ROOT, "dist/src/cli.js");

export interface StdioServer {
  client: Client;
  /** The server process. */
  pid: number;
  workspace: string;
  stateDir: string;
  auditLog: string;
  stderr(): string;
  audit(): Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startStdioServer(
  options: { args?: string[]; env?: Record<string, string>; capabilities?: ClientCapabilities; workspace?: string; auditLog?: string } = {},
): Promise<StdioServer> {
  if (!existsSync(CLI)) throw new Error("dist/ is missing: run `npm run build` first (npm test does it)");
  const root = mkdtempSync(join(tmpdir(), "talos-mcp-it-"));
  const workspace = options.workspace ?? join(root, "workspace");
  const stateDir = join(root, "state");
  const auditLog = options.auditLog ?? join(root, "audit.jsonl");
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "serve", "--workspace", workspace, "--state-dir", stateDir, "--audit-log", auditLog, "--log-level", "warn", ...(options.args ?? [])],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? root, ...(options.env ?? {}) },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    recordOutput("server stderr", chunk.toString());
  });
  const client = new Client({ name: "talos-mcp-tests", version: "1.0.0" }, { capabilities: options.capabilities ?? {} });
  await client.connect(transport);
  return {
    client,
    pid: transport.pid!,
    workspace,
    stateDir,
    auditLog,
    stderr: () => stderr,
    audit: () =>
      existsSync(auditLog)
        ? readFileSync(auditLog, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
    close: () => client.close(),
  };
}

/** The text of a tool result's first content item. */
export function resultText(result: { content?: unknown }): string {
  const content = (result.content ?? []) as { type: string; text?: string }[];
  return content.map((item) => item.text ?? "").join("\n");
}
