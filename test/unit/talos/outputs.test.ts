import { describe, expect, it } from "vitest";
import { ToolError } from "../../../src/server/errors.js";
import { parseJsonStream, parseNodeErrors, parseServiceInfo, parseTable, parseVersionOutput } from "../../../src/talos/outputs.js";

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

  it("refuses a JSON stream with anything but objects and whitespace (exit 0 with garbage)", () => {
    expect(parseJsonStream(' \n\t{"a": [1, {"b": "}"}]}\n\n{}\n')).toEqual([{ a: [1, { b: "}" }] }, {}]);
    for (const garbage of ["garbage", "NODE   ???", '{"a": 1}\nwarning: x', "[1, 2]", '"text"', "42", '{"a": 1,}', "{'a': 1}", '{"a": 1}}']) {
      expect(() => parseJsonStream(garbage, "talosctl get members"), JSON.stringify(garbage)).toThrow(/talosctl get members printed output that is not understood \(expected a stream of JSON objects/);
    }
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

  it("with required columns, accepts the real table and refuses anything else (exit 0 with garbage)", () => {
    const members = [
      "NODE             ID                 HOSTNAME   PEER URLS                     CLIENT URLS                   LEARNER",
      "127.253.105.11   0000cd590dae0f69   cp-1       https://127.253.105.11:2380   https://127.253.105.11:2379   false",
    ].join("\n");
    const required = { what: "talosctl etcd members", columns: ["ID", "HOSTNAME"] };
    expect(parseTable(members, required)).toEqual([expect.objectContaining({ ID: "0000cd590dae0f69", HOSTNAME: "cp-1" })]);
    // No rows is fine when the header is there.
    expect(parseTable(members.split("\n")[0]!, required)).toEqual([]);
    for (const garbage of ["", "{\"metadata\": {", "NODE   ???", "IDS   HOSTNAMES\nx   y", "HOSTNAME   ID-ish\nx   y"]) {
      expect(() => parseTable(garbage, required), JSON.stringify(garbage)).toThrow(ToolError);
    }
    expect(() => parseTable("garbage here", required)).toThrow(/talosctl etcd members printed output that is not understood \(expected a table with columns ID, HOSTNAME; it began with "garbage here"\)/);
    // Without required columns the parser stays permissive (services without a table, etc.).
    expect(parseTable("")).toEqual([]);
  });

  it("parses talosctl version, and refuses an answer without a server block", () => {
    const text = "Client:\n\tTag:         v1.12.6\nServer:\n\tNODE:        10.5.0.2\n\tTag:         v1.12.6\n\tSHA:         abc\n\tOS/Arch:     linux/amd64\n\tEnabled:     RBAC\n";
    expect(parseVersionOutput(text)).toEqual({ client: "v1.12.6", nodes: [{ node: "10.5.0.2", tag: "v1.12.6", sha: "abc", osArch: "linux/amd64", features: "RBAC" }] });
    for (const garbage of ["", "Client:\n\tTag: v1.12.6\n", "Server:\n", "{\"metadata\": {", "NODE: x"]) {
      expect(() => parseVersionOutput(garbage), JSON.stringify(garbage)).toThrow(/talosctl version printed output that is not understood/);
    }
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
