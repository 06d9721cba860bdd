import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { redactText, redactValue } from "../../../src/exec/redact.js";
import { fakePemPrivateKey, fakeServiceAccountKey } from "../../fixtures/fake-keys.js";

const TALOSCTL = join(process.env.TALOS_MCP_CACHE ?? join(homedir(), ".cache/talos-mcp"), "bin/talosctl");

function leafStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (value && typeof value === "object") for (const child of Object.values(value)) leafStrings(child, out);
  return out;
}

describe("redaction", () => {
  it("removes every secret of a real talosctl secrets bundle and generated configs", () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-redact-"));
    execFileSync(TALOSCTL, ["gen", "secrets", "--output-file", join(dir, "secrets.yaml")], { env: { PATH: process.env.PATH ?? "", HOME: dir } });
    execFileSync(TALOSCTL, ["gen", "config", "demo", "https://10.0.0.2:6443", "--with-secrets", join(dir, "secrets.yaml"), "--output", dir], { env: { PATH: process.env.PATH ?? "", HOME: dir } });
    const bundle = readFileSync(join(dir, "secrets.yaml"), "utf8");
    const parsed = parseYaml(bundle);
    // cluster.id identifies the cluster to the discovery service (sent in the clear); it is not a secret.
    const secrets = leafStrings({ ...parsed, cluster: { secret: parsed.cluster.secret } }).filter((value) => value.length >= 16 && !/^\d{4}-/.test(value));
    expect(secrets.length).toBeGreaterThan(8);
    for (const file of ["secrets.yaml", "controlplane.yaml", "worker.yaml", "talosconfig"]) {
      const redacted = redactText(readFileSync(join(dir, file), "utf8"));
      for (const secret of secrets) expect(redacted.includes(secret), `${file} leaks a bundle value`).toBe(false);
      expect(redacted).not.toMatch(/LS0tLS1CRUdJTi/);
    }
  });

  it.each([
    [fakePemPrivateKey(), "[REDACTED:pem]"],
    ["OMNI_SERVICE_ACCOUNT_KEY=eyJuYW1lIjoiYSIsInBncF9rZXkiOiJ4In0=", "OMNI_SERVICE_ACCOUNT_KEY=[REDACTED:service-account-key]"],
    [
      `key is ${fakeServiceAccountKey("ci@serviceaccount.omni.sidero.dev", "xVgEZ")} here`,
      "key is [REDACTED:service-account-key] here",
    ],
    ["Authorization: Bearer abcdefghijklmnop.qrstu", "Authorization: Bearer [REDACTED:token]"],
    ["token: abcdef.0123456789abcdef", 'token: "[REDACTED:token]"'],
    ['{"secret": "c2VjcmV0LXZhbHVl"}', '{"secret": "[REDACTED:secret]"}'],
    ["    secretboxEncryptionSecret: 9Xo1uTY5dWqoAK0ZbH2lQDzpMu2fqA0zUQyF7T04lh8=", '    secretboxEncryptionSecret: "[REDACTED:secretboxencryptionsecret]"'],
    ["join with abcdef.0123456789abcdef now", "join with [REDACTED:bootstrap-token] now"],
  ])("redacts %s", (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it.each([
    "sha256 ce98a089870652dceb326c44d4023e5b511071d11e9cdd6531e3b0e9f23977c8",
    "machine 4c4c4544-0039-3010-8048-b4c04f4b4b32",
    "Denied by rule bootstrap-once: etcd already runs on 10.0.0.2",
    "planToken: plan_abc",
    "key rotation is done with talosctl rotate-ca",
  ])("keeps %s", (input) => {
    expect(redactText(input)).toBe(input);
  });

  it("redacts values under secret keys in structured data, deeply", () => {
    expect(redactValue({ nodes: ["10.0.0.2"], auth: { token: "x", password: "y" }, list: [{ key: "k" }], planToken: "plan_1" })).toEqual({
      nodes: ["10.0.0.2"],
      auth: { token: "[REDACTED:token]", password: "[REDACTED:password]" },
      list: [{ key: "[REDACTED:key]" }],
      planToken: "plan_1",
    });
  });
});
