// Waiting on things that settle a moment later (an RBAC binding, a simulated kubelet's pod) and
// checking on processes, for tests.
import { readFileSync } from "node:fs";

/** Retries `attempt` until it resolves (returns its value) or `timeoutMs` passes (rethrows its last error). */
export async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Whether a process with this id is running (a zombie waiting for its parent to reap it counts as gone). */
export function alive(pid: number): boolean {
  try {
    // "pid (comm) state …" — comm may contain spaces and parentheses: read the state after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * The first match of `pattern` in what `stream` prints from now on — waiting on the output itself,
 * however long start-up takes on a loaded machine (the test's timeout bounds it); rejects when the
 * stream ends first, with what it printed.
 */
export function outputMatching(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer | string) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (!match) return;
      stream.off("data", onData).off("end", onEnd);
      resolve(match);
    };
    const onEnd = () => {
      stream.off("data", onData);
      reject(new Error(`the stream ended before printing ${pattern}:\n${seen}`));
    };
    stream.on("data", onData).on("end", onEnd);
  });
}
