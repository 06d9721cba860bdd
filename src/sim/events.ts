// The record a simulation keeps of what reached it: every API call (method, caller role, result
// code) and every state change, in memory and appended to a JSONL file harnesses can tail.
import { appendFileSync } from "node:fs";

export interface SimEvent {
  time: string;
  /** The node (Talos) or "omni" that answered, or "-" for the simulation itself. */
  node: string;
  kind: "api-call" | "state-change" | "fault";
  method?: string;
  role?: string;
  code?: string;
  detail?: Record<string, unknown>;
}

export class EventLog {
  readonly events: SimEvent[] = [];
  private readonly listeners = new Set<(event: SimEvent) => void>();

  constructor(private readonly file?: string) {}

  record(event: Omit<SimEvent, "time">): void {
    const full = { time: new Date().toISOString(), ...event };
    this.events.push(full);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(full)}\n`);
    for (const listener of [...this.listeners]) listener(full);
  }

  /** Calls `listener` with every event recorded from now on, as it is recorded; returns the unsubscribe. */
  onRecord(listener: (event: SimEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}
