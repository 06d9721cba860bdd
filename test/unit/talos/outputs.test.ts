import { describe, expect, it } from "vitest";
import { parseJsonStream, parseNodeErrors, parseServiceInfo, parseTable } from "../../../src/talos/outputs.js";

describe("talosctl output parsers", () => {
  it("splits a -o json stream of indented objects, strings with braces included", () => {
    const text = '{\n    "node": "10.5.0.2",\n    "spec": {"msg": "a } { b \\" c"}\n}\n{\n    "node": "10.5.0.3",\n    "spec": {}\n}\n';
    expect(parseJsonStream(text)).toEqual([
      { node: "10.5.0.2", spec: { msg: 'a } { b " c' } },
      { node: "10.5.0.3", spec: {} },
    ]);
    expect(parseJsonStream("")).toEqual([]);
    expect(() => parseJsonStream('{"a": 1')).toThrow(/truncated/);
  });

  it("parses tabwriter tables by header positions", () => {
    const text = [
      "NODE       SERVICE   STATE     HEALTH   LAST CHANGE   LAST EVENT",
      "10.5.0.2   etcd      Running   OK       2m ago        Health check successful",
      "10.5.0.3   etcd      Preparing ?        10s ago       Running pre state",
    ].join("\n");
    expect(parseTable(text)).toEqual([
      { NODE: "10.5.0.2", SERVICE: "etcd", STATE: "Running", HEALTH: "OK", "LAST CHANGE": "2m ago", "LAST EVENT": "Health check successful" },
      { NODE: "10.5.0.3", SERVICE: "etcd", STATE: "Preparing", HEALTH: "?", "LAST CHANGE": "10s ago", "LAST EVENT": "Running pre state" },
    ]);
  });

  it("parses service detail blocks per node", () => {
    const text = [
      "NODE     10.5.0.2",
      "ID       etcd",
      "STATE    Running",
      "HEALTH   OK",
      "EVENTS   [Running]: Health check successful (1m ago)",
      "         [Preparing]: Running pre state (2m ago)",
      "NODE     10.5.0.3",
      "ID       etcd",
      "STATE    Preparing",
      "HEALTH   ?",
      "EVENTS   [Preparing]: Running pre state (30s ago)",
    ].join("\n");
    expect(parseServiceInfo(text)).toEqual([
      { node: "10.5.0.2", id: "etcd", state: "Running", health: "OK", events: ["[Running]: Health check successful (1m ago)", "[Preparing]: Running pre state (2m ago)"] },
      { node: "10.5.0.3", id: "etcd", state: "Preparing", health: "?", events: ["[Preparing]: Running pre state (30s ago)"] },
    ]);
  });

  it("parses per-node errors", () => {
    const stderr = "error executing bootstrap: 1 error occurred:\n\t* 10.5.0.2: rpc error: code = AlreadyExists desc = etcd data directory is not empty\n";
    expect(parseNodeErrors(stderr)).toEqual([{ node: "10.5.0.2", message: "rpc error: code = AlreadyExists desc = etcd data directory is not empty" }]);
  });
});
