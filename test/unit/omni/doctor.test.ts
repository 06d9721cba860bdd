import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { formatDoctorReport, runDoctor } from "../../../src/backends/doctor.js";
import { fakeServiceAccountKey } from "../../fixtures/fake-keys.js";

const dir = mkdtempSync(join(tmpdir(), "doctor-omni-"));
const talosconfig = join(dir, "talosconfig");
writeFileSync(talosconfig, stringify({ context: "acme-prod", contexts: { "acme-prod": { endpoints: ["https://acme.omni.example"], cluster: "prod", auth: { siderov1: { identity: "ops@acme.example" } } } } }));
const key = fakeServiceAccountKey("ci@serviceaccount.omni.sidero.dev", "x");
const doctor = (env: NodeJS.ProcessEnv) => runDoctor({ talosconfig, omniconfig: join(dir, "no-omniconfig"), workspace: join(dir, "ws"), binaries: {} }, env);

describe("doctor: the Omni service-account key", () => {
  it("warns when a SideroV1 context needs a key and none is in the environment", async () => {
    const report = await doctor({});
    expect(report.omniKey).toBeUndefined();
    expect(report.warnings.join("\n")).toMatch(/no Omni service-account key in the environment \(talosconfig contexts acme-prod sign in through Omni\)/);
  });

  it("names where the key comes from, never its value", async () => {
    const report = await doctor({ OMNI_SERVICE_ACCOUNT_KEY: key });
    expect(report.omniKey).toEqual({ source: "OMNI_SERVICE_ACCOUNT_KEY" });
    expect(JSON.stringify(report)).not.toContain(key);
    expect(formatDoctorReport(report)).toContain("✓ Omni service-account key from OMNI_SERVICE_ACCOUNT_KEY");
  });

  it("reports a malformed key with its problem", async () => {
    const report = await doctor({ SIDERO_SERVICE_ACCOUNT_KEY: "not base64!" });
    expect(report.omniKey).toEqual({ source: "SIDERO_SERVICE_ACCOUNT_KEY", problem: "is not base64" });
    expect(report.warnings.join("\n")).toMatch(/SIDERO_SERVICE_ACCOUNT_KEY is not base64/);
    expect(formatDoctorReport(report)).toContain("✗ Omni service-account key from SIDERO_SERVICE_ACCOUNT_KEY");
  });

  it("says nothing about Omni keys when nothing uses Omni", async () => {
    const plain = join(dir, "plain");
    writeFileSync(plain, stringify({ context: "a", contexts: { a: { endpoints: ["10.0.0.2"], ca: "", crt: "", key: "" } } }));
    const report = await runDoctor({ talosconfig: plain, omniconfig: join(dir, "no-omniconfig"), workspace: join(dir, "ws"), binaries: {} }, {});
    expect(report.warnings.join("\n")).not.toMatch(/service-account key/);
  });
});
