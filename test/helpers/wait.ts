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
