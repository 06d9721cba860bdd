// What a process looks like from outside (Linux /proc): its live descendants, memory, open files.
import { readdirSync, readFileSync } from "node:fs";

/** pid → parent pid of every live (non-zombie) process. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // "pid (comm) state ppid …" — comm may contain spaces and parentheses: split after the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state !== "Z") map.set(Number(name), Number(ppid));
    } catch {
      // The process ended while we looked.
    }
  }
  return map;
}

/** Live descendants of `pid` (children, grandchildren, …). */
export function descendants(pid: number): number[] {
  const map = parents();
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = [...map.entries()].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** Waits up to `ms` for `pid` to have no live descendants; returns those left. */
export async function settledDescendants(pid: number, ms = 5_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = descendants(pid);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = descendants(pid);
  }
  return left;
}

function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? Number.NaN);
}

/** Resident memory now, and its peak over the process's life, in MiB. */
export const rssMiB = (pid: number) => statusKb(pid, "VmRSS") / 1024;
export const peakRssMiB = (pid: number) => statusKb(pid, "VmHWM") / 1024;

/** Open file descriptors. */
export const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
