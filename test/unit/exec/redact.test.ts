import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { redactLines, redactText, redactValue } from "../../../src/exec/redact.js";
import { fakePemPrivateKey, fakeServiceAccountKey, pemPrivateKeyMarkers } from "../../fixtures/fake-keys.js";

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

describe("redaction of lines returned as arrays and of cut PEM blocks", () => {
  const body = ["Ym9keUxpbmVPbmUwMTIzNDU2Nzg5YWJjZGVmQUJDREVGYm9keQ==", "Zm9vYmFyYmF6cXV4c2Vjb25kTGluZU9mVGhlS2V5MDEyMzQ1Njc4OQ=="];
  const { begin, end } = pemPrivateKeyMarkers();
  const leaks = (value: unknown) => body.some((line) => JSON.stringify(value).includes(line.slice(0, 24)));

  it("redacts a PEM block whose lines are separate array items (logs, dmesg), keeping the other lines and the count", () => {
    const lines = ["etcd: starting", `cp-1: ${begin}`, ...body.map((line) => `cp-1: ${line}`), `cp-1: ${end}`, "etcd: ready"];
    const redacted = redactValue({ node: "10.0.0.2", lines });
    expect(leaks(redacted)).toBe(false);
    expect(redacted.lines).toHaveLength(lines.length);
    expect(redacted.lines[0]).toBe("etcd: starting");
    expect(redacted.lines[1]).toBe("cp-1: [REDACTED:pem]");
    expect(redacted.lines.at(-1)).toBe("etcd: ready");
    expect(redactLines(lines)).toEqual(redacted.lines);
  });

  it("redacts a block cut by the output cap (BEGIN without END) to the end, in text and in arrays", () => {
    expect(redactText(`config follows\n${begin}\n${body[0]}\n${body[1]}`)).toBe("config follows\n[REDACTED:pem]");
    expect(redactLines(["config follows", begin, body[0]!, body[1]!])).toEqual(["config follows", "[REDACTED:pem]", "[REDACTED:pem]", "[REDACTED:pem]"]);
    expect(leaks(redactText(`{"crt": "${begin}\\n${body[0]}`))).toBe(false);
  });

  it("redacts a block cut by --tail (END without BEGIN) back over its body lines", () => {
    expect(leaks(redactText(`${body[0]}\n${body[1]}\n${end}\nnext line`))).toBe(false);
    expect(redactText(`${body[0]}\n${body[1]}\n${end}\nnext line`)).toMatch(/next line$/);
    const lines = redactLines(["service started", `machined: ${body[0]}`, `machined: ${body[1]}`, `machined: ${end}`, "machined: done"]);
    expect(leaks(lines)).toBe(false);
    expect(lines[0]).toBe("service started");
    expect(lines.at(-1)).toBe("machined: done");
  });

  it("redacts the value item after a bare secret-bearing flag in an argv array", () => {
    expect(redactLines(["talosctl", "--token", "abcdef0123456789", "--nodes", "10.0.0.2"])).toEqual(["talosctl", "--token", "[REDACTED:token]", "--nodes", "10.0.0.2"]);
    expect(redactLines(["omnictl", "--client-secret", "--debug"])).toEqual(["omnictl", "--client-secret", "--debug"]);
  });

  it("applies to every array of strings in structured data, at any depth", () => {
    const redacted = redactValue({ nodes: [{ node: "a", lines: [begin, body[0], end] }], argv: [["talosctl", "--token=abcdef0123456789"]] });
    expect(leaks(redacted)).toBe(false);
    expect(JSON.stringify(redacted)).not.toContain("abcdef0123456789");
  });
});

describe("redaction of tokens and secrets that are not PEM", () => {
  it.each([
    // Omni join tokens: on the kernel command line and in Omni's join configuration.
    [
      "BOOT_IMAGE=/vmlinuz talos.platform=metal siderolink.api=https://omni.example.com:8090/?jointoken=Wk9PbmV4dEpvaW5Ub2tlbjAxMjM0NTY3 talos.events.sink=[fdae::1]:8090",
      "BOOT_IMAGE=/vmlinuz talos.platform=metal siderolink.api=https://omni.example.com:8090/?jointoken=[REDACTED:join-token] talos.events.sink=[fdae::1]:8090",
    ],
    ["  joinToken: Wk9PbmV4dEpvaW5Ub2tlbjAxMjM0NTY3", '  joinToken: "[REDACTED:jointoken]"'],
    // JWTs (Kubernetes service-account tokens, OIDC id tokens).
    [
      "token eyJhbGciOiJSUzI1NiIsImtpZCI6ImFiYyJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.c2lnbmF0dXJlLWJ5dGVzLWhlcmU here",
      "token [REDACTED:jwt] here",
    ],
    // Secret-bearing flags, with = or a space.
    ["talosctl --token=abcdef0123456789 get members", "talosctl --token=[REDACTED:token] get members"],
    ["omnictl --client-secret=s3cr3t-value-here", "omnictl --client-secret=[REDACTED:secret]"],
    ["kubeadm join --discovery-token abcdef.0123456789abcdef", "kubeadm join --discovery-token [REDACTED:token]"],
    ["--registry-password hunter2hunter2", "--registry-password [REDACTED:password]"],
    // HTTP basic credentials and credentials in URLs.
    ["Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic [REDACTED:credentials]"],
    ['{"authorization":"Basic dXNlcjpwYXNzd29yZA=="}', '{"authorization":"Basic [REDACTED:credentials]"}'],
    ["pull from https://robot:hunter2hunter2@registry.example.com/v2/", "pull from https://robot:[REDACTED:password]@registry.example.com/v2/"],
    // YAML secrets that are not PEM.
    ["    secret: c2VjcmV0LXZhbHVlLWJhc2U2NA==", '    secret: "[REDACTED:secret]"'],
    ["  bootstraptoken: 0123456789abcdef0123456789abcdef", '  bootstraptoken: "[REDACTED:bootstraptoken]"'],
    ["    aescbcEncryptionSecret: 9Xo1uTY5dWqoAK0ZbH2lQDzpMu2fqA0zUQyF7T04lh8=", '    aescbcEncryptionSecret: "[REDACTED:aescbcencryptionsecret]"'],
    ["      key: c2VjcmV0LWtleS1tYXRlcmlhbA==", '      key: "[REDACTED:key]"'],
  ])("redacts %s", (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it("redacts the indented lines of a YAML block scalar under a secret key", () => {
    const yaml = ["cluster:", "  secret: |", "    c2VjcmV0LWxpbmUtb25lLXZhbHVl", "    c2VjcmV0LWxpbmUtdHdvLXZhbHVl", "  id: abc"].join("\n");
    const redacted = redactText(yaml);
    expect(redacted).not.toMatch(/c2VjcmV0LWxpbmU/);
    expect(redacted).toMatch(/^cluster:\n {2}secret: "\[REDACTED:secret\]"\n/);
    expect(redacted).toMatch(/\n {2}id: abc$/);
  });

  it.each([
    "talosctl logs etcd --tail=200",
    "talosctl gen config demo https://10.0.0.2:6443 --with-secrets=demo/secrets.yaml",
    "Basic setup is done; see https://docs.siderolabs.com/talos/v1.12/getting-started",
    "key rotation is done with talosctl rotate-ca",
    "https://factory.talos.dev/image/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba/v1.12.6/metal-amd64.iso",
    "siderolink.api=https://omni.example.com:8090/ talos.events.sink=[fdae::1]:8090",
    "the node eyes the ejection and keeps the token count at 3",
  ])("keeps %s", (input) => {
    expect(redactText(input)).toBe(input);
  });
});
