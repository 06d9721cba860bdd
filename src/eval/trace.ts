// `eval trace`: one timeline of a run — the server's audit lines (setup and agent) and what the
// simulated nodes saw — in time order. Each sim event that happened while exactly one agent
// tool call was running carries that call's MCP request id, so "which call sent this Reset" is
// answered by the trace.
import type { SimEvent } from "../sim/index.js";
import { readJsonLines, runPaths, type RunInfo } from "./run-dir.js";

export interface TraceLine {
  time: string;
  source: "audit" | "sim";
  phase: "setup" | "agent";
  requestId?: string | number;
  [field: string]: unknown;
}

interface AuditLine {
  time: string;
  durationMs?: number;
  requestId?: string | number;
  kind?: string;
  [field: string]: unknown;
}

/** The request id of the one agent call whose [start, start + duration] contains `time`, if exactly one does. */
function callAt(time: number, calls: AuditLine[]): string | number | undefined {
  const running = calls.filter((call) => {
    const start = Date.parse(call.time);
    return start <= time && time <= start + (call.durationMs ?? 0);
  });
  return running.length === 1 ? running[0]!.requestId : undefined;
}

export function buildTrace(run: Pick<RunInfo, "dir" | "agentStart" | "eventsFile" | "auditLog">): TraceLine[] {
  const paths = runPaths(run.dir);
  const agentCalls = readJsonLines<AuditLine>(run.auditLog);
  const audit = (entries: AuditLine[], phase: TraceLine["phase"]): TraceLine[] => entries.map(({ kind: _kind, ...entry }) => ({ ...entry, source: "audit" as const, phase }));
  const events: TraceLine[] = readJsonLines<SimEvent>(run.eventsFile).map((event) => {
    const phase = event.time >= run.agentStart ? "agent" : "setup";
    const requestId = phase === "agent" ? callAt(Date.parse(event.time), agentCalls) : undefined;
    return { ...event, source: "sim" as const, phase, ...(requestId !== undefined ? { requestId } : {}) };
  });
  const all = [...audit(readJsonLines<AuditLine>(paths.setupAudit), "setup"), ...audit(agentCalls, "agent"), ...events];
  // Stable: equal times keep audit (the call) before the sim events it caused.
  return all.map((line, index) => ({ line, index })).sort((a, b) => a.line.time.localeCompare(b.line.time) || a.index - b.index).map(({ line }) => line);
}
