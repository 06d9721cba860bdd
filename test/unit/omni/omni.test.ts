import { describe, expect, it } from "vitest";
import { omniManagedReason } from "../../../src/omni/managed.js";
import { documentAtLine, parseTemplateErrors, referencedPatchFiles, templateClusterNames } from "../../../src/omni/template.js";

describe("Omni-managed detection (omni-reconcile)", () => {
  const plain = { auth: "mtls", endpoints: ["10.0.0.2"], omni: false, nodes: ["10.0.0.2"] };
  it.each([
    [{ ...plain, auth: "siderov1" }, /SideroV1/],
    [{ ...plain, endpoints: ["https://acme.omni.example"] }, /Omni API URL/],
    [{ ...plain, auth: "SideroV1" }, /SideroV1/],
    [{ ...plain, endpoints: ["10.0.0.2", "https://acme.omni.example"] }, /https:\/\/acme\.omni\.example is an Omni API URL/],
    [{ ...plain, endpoints: ["grpc://omni.internal:8090"] }, /Omni API URL/],
    [{ ...plain, endpoints: ["acme.omni.example:443"] }, /acme\.omni\.example:443 is an Omni host/],
    [{ ...plain, endpoints: ["OMNI.corp.example"] }, /Omni host/],
    [{ ...plain, omni: true }, /points at Omni/],
  ])("flags %j", (context, reason) => {
    expect(omniManagedReason(context)).toMatch(reason);
  });
  it("flags nodes that Omni lists as machines", () => {
    expect(omniManagedReason(plain, { addresses: ["10.0.0.2"], ids: [], hostnames: [] })).toMatch(/Omni lists 10\.0\.0\.2/);
    expect(omniManagedReason({ ...plain, nodes: ["4c4c"] }, { addresses: [], ids: ["4c4c"], hostnames: [] })).toMatch(/Omni lists 4c4c/);
  });
  it("flags a node named by the hostname Omni lists for a machine, case-insensitively", () => {
    expect(omniManagedReason({ ...plain, nodes: ["CP-1"] }, { addresses: [], ids: [], hostnames: ["cp-1"] })).toBe("Omni lists CP-1 among its machines");
    expect(omniManagedReason({ ...plain, nodes: ["cp-10"] }, { addresses: [], ids: [], hostnames: ["cp-1"] })).toBeUndefined();
  });
  it("matches machine UUIDs case-insensitively and names only the listed nodes", () => {
    const context = { ...plain, nodes: ["10.0.0.2", "4C4C4544-0039"] };
    expect(omniManagedReason(context, { addresses: [], ids: ["4c4c4544-0039"], hostnames: [] })).toBe("Omni lists 4C4C4544-0039 among its machines");
  });
  it("leaves plain talosctl clusters alone", () => {
    expect(omniManagedReason(plain)).toBeUndefined();
    expect(omniManagedReason({ ...plain, endpoints: ["omnibus.example", "10.0.0.2:50000", "my-omni.example"] })).toBeUndefined();
    expect(omniManagedReason({ ...plain, nodes: undefined }, { addresses: ["10.0.0.2"], ids: [], hostnames: [] })).toBeUndefined();
    expect(omniManagedReason(plain, { addresses: [], ids: [], hostnames: [] })).toBeUndefined();
    expect(omniManagedReason(plain, { addresses: ["10.9.9.9"], ids: [], hostnames: [] })).toBeUndefined();
  });
});

describe("template helpers", () => {
  it("finds patch files relative to the template", () => {
    const text = "kind: Cluster\nname: a\npatches:\n  - file: patches/a.yaml\n---\nkind: Workers\npatches:\n  - inline: {}\n  - file: ../outside.yaml\n";
    expect(referencedPatchFiles("/ws/omni/t.yaml", text)).toEqual(["/ws/omni/patches/a.yaml", "/ws/outside.yaml"]);
  });
  it("parses omnictl validation errors", () => {
    const stderr = 'Error: 1 error occurred:\n\t* error validating cluster "de mo": 2 errors occurred:\n\t* name should only contain letters, digits, dashes and underscores\n\t* version should start with \'v\'\n';
    expect(parseTemplateErrors(stderr)).toEqual([
      { message: "name should only contain letters, digits, dashes and underscores", cluster: "de mo", field: "name" },
      { message: "version should start with 'v'", cluster: "de mo", field: "version" },
    ]);
    const decode = parseTemplateErrors("Error: error loading template: error decoding document at line 1:1: yaml: construct errors:\n  line 3: field bogus not found in type models.Cluster\n");
    expect(decode).toEqual([{ message: "field bogus not found in type models.Cluster", line: 3, column: 1, field: "bogus" }]);
    // A later document: omnictl names its "---" line, yaml counts from the line after it.
    const template = "kind: Cluster\n---\nkind: Workers\nbogus: 1\n";
    expect(parseTemplateErrors("Error: error loading template: error decoding document at line 2:1: yaml: construct errors:\n  line 2: field bogus not found in type models.Workers\n", template)).toEqual([
      { message: "field bogus not found in type models.Workers", line: 4, column: 1, document: 2, field: "bogus" },
    ]);
  });
  it("numbers YAML documents by line, ignoring a leading separator and comments", () => {
    const text = "---\n# head\nkind: Cluster\n---\nkind: ControlPlane\n---\nkind: Workers\n";
    expect([3, 5, 7].map((line) => documentAtLine(text, line))).toEqual([1, 2, 3]);
  });
  it("names the clusters a template declares and skips broken YAML", () => {
    expect(templateClusterNames("kind: Cluster\nname: demo\n---\nkind: ControlPlane\n---\n: [broken\n")).toEqual(["demo"]);
    expect(referencedPatchFiles("/ws/t.yaml", "patches: [file: a.yaml\n")).toEqual([]);
  });
});
