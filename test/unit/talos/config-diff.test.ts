import { describe, expect, it } from "vitest";
import { diffConfigs, touchesCertificateAuthority } from "../../../src/talos/config-diff.js";
import { parseValidateOutput } from "../../../src/talos/validate-output.js";

describe("config diff", () => {
  it("lists changed paths without values", () => {
    const before = "version: v1alpha1\nmachine:\n  type: controlplane\n  token: abc\ncluster:\n  name: a\n";
    const after = "version: v1alpha1\nmachine:\n  type: controlplane\n  token: abc\n  network:\n    hostname: cp1\ncluster:\n  name: b\n";
    const changes = diffConfigs(before, after);
    expect(changes).toEqual([
      { path: "machine.network", change: "added" },
      { path: "cluster.name", change: "changed" },
    ]);
    expect(JSON.stringify(changes)).not.toContain("cp1");
  });

  it("keys extra documents by kind and name", () => {
    const before = "machine: {}\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nhostname: a\n";
    const after = "machine: {}\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nhostname: b\n";
    expect(diffConfigs(before, after)).toEqual([{ path: "HostnameConfig.hostname", change: "changed" }]);
  });

  it("spots root CA changes", () => {
    expect(touchesCertificateAuthority([{ path: "machine.ca.crt", change: "changed" }, { path: "machine.network", change: "added" }])).toEqual([
      { path: "machine.ca.crt", change: "changed" },
    ]);
    expect(touchesCertificateAuthority([{ path: "machine.cache", change: "added" }])).toEqual([]);
  });
});

describe("talosctl validate output", () => {
  it("parses nested multierrors", () => {
    const stderr = '1 error occurred:\n\t* v1alpha1.Config: 2 errors occurred:\n\t* cluster instructions are required\n\t* unknown machine type "bogus"\n\n\n';
    expect(parseValidateOutput(1, "", stderr)).toEqual({ errors: ["cluster instructions are required", 'unknown machine type "bogus"'], warnings: [] });
  });
  it("keeps warnings on success", () => {
    expect(parseValidateOutput(0, "x is valid for metal mode\n", "WARNING: something deprecated\n")).toEqual({ errors: [], warnings: ["something deprecated"] });
  });
});
