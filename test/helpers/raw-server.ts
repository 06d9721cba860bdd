// The BUILT server as a child process we can kill -9: newline-delimited JSON-RPC over its stdio,
// spoken by hand (the SDK client hides the child). The server leads its own process group, so
// the test can wait for every process it started (talosctl, omnictl) to be gone after a kill.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { CLI } from "./stdio-server.js";
import { recordOutput } from "./test-run.js";

export interface RawServerOptions {
  workspace: string;
  stateDir: string;
  auditLog?: string;
  args?: string[];
  env?: Record<string, string>;
}

type Pending = { resolve(value: unknown): void; reject(error: Error): void };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True while any process of the group `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export class RawServer {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffer = "";
  stderr = "";

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => this.onData(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
      recordOutput("server stderr", chunk.toString());
    });
    child.on("exit", () => {
      for (const { reject } of this.pending.values()) reject(new Error("server exited"));
      this.pending.clear();
    });
  }

  static async start(options: RawServerOptions): Promise<RawServer> {
    const args = [CLI, "serve", "--workspace", options.workspace, "--state-dir", options.stateDir, "--log-level", "warn"];
    if (options.auditLog) args.push("--audit-log", options.auditLog);
    const child = spawn(process.execPath, [...args, ...(options.args ?? [])], {
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...(options.env ?? {}) },
    });
    const server = new RawServer(child);
    await server.request("initialize", { protocolVersion: "2025-06-18", capabilities: { elicitation: { form: {} } }, clientInfo: { name: "raw", version: "1" } });
    server.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    return server;
  }

  get pid(): number {
    return this.child.pid!;
  }

  private send(message: unknown): void {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      if (line.trim()) this.onMessage(JSON.parse(line));
    }
  }

  private onMessage(message: { id?: number; method?: string; result?: unknown; error?: { message: string }; params?: { message?: string; requestedSchema?: { properties?: Record<string, unknown> } } }): void {
    if (message.method === "elicitation/create" && message.id !== undefined) {
      // Consent: accept, typing back whatever the plan asks for.
      const typed = /Type (\S+) to confirm/.exec(message.params?.message ?? "")?.[1];
      const properties = Object.keys(message.params?.requestedSchema?.properties ?? {});
      this.send({ jsonrpc: "2.0", id: message.id, result: { action: "accept", content: { confirm: true, ...(properties.includes("typed") ? { typed: typed ?? "" } : {}) } } });
      return;
    }
    if (message.id === undefined || message.method) return;
    if (message.result !== undefined) recordOutput("result", JSON.stringify(message.result));
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.error) pending.reject(new Error(message.error.message));
    else pending.resolve(message.result);
  }

  request(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ jsonrpc: "2.0", id, method, params });
    });
  }

  callTool(name: string, args: Record<string, unknown>): Promise<{ isError?: boolean; content: { text: string }[]; structuredContent?: Record<string, unknown> }> {
    return this.request("tools/call", { name, arguments: args }) as never;
  }

  /** kill -9 the server alone, then wait until every process it started has exited too. */
  async killHard(): Promise<void> {
    process.kill(this.pid, "SIGKILL");
    const deadline = Date.now() + 60_000;
    while (groupAlive(this.pid)) {
      if (Date.now() > deadline) {
        process.kill(-this.pid, "SIGKILL");
        throw new Error(`processes of the killed server's group ${this.pid} still ran after 60 s`);
      }
      await sleep(50);
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdin.end();
    await Promise.race([exited, sleep(10_000)]);
    if (groupAlive(this.pid)) process.kill(-this.pid, "SIGKILL");
  }
}
