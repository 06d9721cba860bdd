// One cold start of an MCP server over stdio, measured the same way for every server: spawn,
// initialize, notifications/initialized, tools/list; the wall time until the tools/list answer and
// the process's peak RSS (VmHWM) and CPU time (user + system, 10 ms ticks) at that moment. CPU time
// is less sensitive than wall time to other work on the machine. A raw newline-delimited JSON-RPC client, so the
// client costs the same for every server measured.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

const peakRssMb = (pid) => {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
};

// /proc/<pid>/stat: fields after the parenthesised command name; utime and stime are the 12th and
// 13th of them, in clock ticks (USER_HZ, 100 on Linux).
const cpuMs = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

/** Starts `command args`, runs initialize + tools/list, returns {ms, cpuMs, rssMb, tools, instructions}; kills it. */
export function coldStart({ command, args, env, timeoutMs = 60_000 }) {
  const started = performance.now();
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no tools/list answer within ${timeoutMs} ms; stderr: ${stderr.slice(-500)}`)), timeoutMs);
    let buffered = "";
    let instructions;
    const send = (message) => child.stdin.write(`${JSON.stringify(message)}\n`);
    const finish = (error, value) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      if (error) reject(error);
      else resolve(value);
    };
    child.on("exit", (code) => finish(new Error(`exited with ${code} before tools/list; stderr: ${stderr.slice(-500)}`)));
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (!line.trim().startsWith("{")) continue;
        const message = JSON.parse(line);
        if (message.id === 1) {
          instructions = message.result?.instructions ?? "";
          send({ jsonrpc: "2.0", method: "notifications/initialized" });
          send({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} });
        } else if (message.id === 2) {
          const ms = performance.now() - started;
          child.removeAllListeners("exit");
          finish(undefined, { ms, cpuMs: cpuMs(child.pid), rssMb: peakRssMb(child.pid), tools: message.result.tools, instructions });
        }
      }
    });
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "talos-mcp-bench", version: "1" } },
    });
  });
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
