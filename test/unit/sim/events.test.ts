import { describe, expect, it } from "vitest";
import { EventLog, type SimEvent } from "../../../src/sim/events.js";

describe("EventLog.onRecord", () => {
  it("hands every event to a listener as it is recorded, until unsubscribed", () => {
    const log = new EventLog();
    const seen: SimEvent[] = [];
    log.record({ node: "a", kind: "api-call", method: "/m/Before" });
    const off = log.onRecord((event) => {
      // Synchronous: the event is already in the log when the listener runs.
      expect(log.events.at(-1)).toBe(event);
      seen.push(event);
    });
    log.record({ node: "a", kind: "api-call", method: "/m/One" });
    log.record({ node: "b", kind: "state-change", detail: { stage: "installed" } });
    off();
    log.record({ node: "a", kind: "api-call", method: "/m/After" });
    expect(seen.map((e) => e.method ?? e.detail?.stage)).toEqual(["/m/One", "installed"]);
  });
});
