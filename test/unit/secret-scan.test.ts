// The secrets scan can fail: key material planted in an output is found, in every shape it
// takes (raw PEM, JSON-escaped, base64-wrapped, cut down), and only key material is.
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { extractKeyMaterial, findLeaks } from "../helpers/secret-scan.js";
import { fakeServiceAccountKey } from "../fixtures/fake-keys.js";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString().replace(/PRIVATE KEY/g, "ED25519 PRIVATE KEY");
const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
const b64 = (text: string) => Buffer.from(text).toString("base64");
const talosconfig = stringify({ context: "demo", contexts: { demo: { endpoints: ["10.5.0.2"], ca: b64(publicPem), crt: b64(publicPem), key: b64(keyPem) } } });
const bundle = stringify({
  cluster: { id: "Zm9vYmFyYmF6cXV4cXV1eHF1dXg=", secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I=" },
  secrets: { bootstraptoken: "abcdef.0123456789abcdef", secretboxencryptionsecret: "Ym94LWJveC1ib3gtYm94LWJveC1ib3gtYm94LWJveC0=" },
  trustdinfo: { token: "ghijkl.fedcba9876543210" },
});
const omniKey = fakeServiceAccountKey("automation", "Comment: test\n\nxVgEZsecretsecretsecretsecretsecretsecretsecretsecretsecret\n=abcd");

describe("key material", () => {
  it("is found in a talosconfig (the key, not the certificates), a secrets bundle and an Omni key", () => {
    const fromTalosconfig = extractKeyMaterial(talosconfig);
    // The PEM body, and the stored base64 without the part encoding the shared BEGIN line.
    expect(fromTalosconfig).toHaveLength(2);
    expect(keyPem.replace(/-----[A-Z0-9 ]+-----|\s/g, "")).toContain(fromTalosconfig[0]);
    expect(b64(keyPem)).toContain(fromTalosconfig[1]);
    expect(b64(keyPem).startsWith(fromTalosconfig[1]!)).toBe(false);
    expect(extractKeyMaterial(bundle).sort()).toEqual(
      ["c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I=", "abcdef.0123456789abcdef", "Ym94LWJveC1ib3gtYm94LWJveC1ib3gtYm94LWJveC0=", "ghijkl.fedcba9876543210"].sort(),
    );
    expect(extractKeyMaterial(`omniServiceAccountKey: ${omniKey}\n`)).toEqual(expect.arrayContaining([omniKey, expect.stringContaining("xVgEZsecretsecret")]));
  });

  it("is not made of public or redacted data", () => {
    expect(extractKeyMaterial(publicPem)).toEqual([]);
    expect(extractKeyMaterial(stringify({ key: "[REDACTED:key]", token: "sha256:00112233445566778899aabbccddeeff", id: "x".repeat(40) }))).toEqual([]);
  });
});

describe("findLeaks", () => {
  const secrets = [...extractKeyMaterial(talosconfig), ...extractKeyMaterial(bundle), ...extractKeyMaterial(omniKey)];
  const clean = { source: "result", text: JSON.stringify({ content: [{ type: "text", text: "Wrote demo/talosconfig (0600); key [REDACTED:pem]" }] }) };

  it("finds nothing in clean outputs", () => {
    expect(findLeaks(secrets, [clean, { source: "stderr", text: publicPem }])).toEqual([]);
  });

  it.each([
    ["a raw PEM key in stderr", keyPem],
    ["a PEM key JSON-escaped in a result", JSON.stringify({ text: keyPem })],
    ["a talosconfig key as base64 in an audit line", JSON.stringify({ args: { blob: b64(keyPem) } })],
    ["a bootstrap token in a log line", '{"level":30,"msg":"joined with abcdef.0123456789abcdef"}'],
    ["a cluster secret cut down to 30 characters", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2Vj"],
    ["an Omni service-account key", `OMNI_SERVICE_ACCOUNT_KEY=${omniKey}`],
  ])("finds a planted key: %s", (_name, planted) => {
    const leaks = findLeaks(secrets, [clean, { source: "planted", text: `before ${planted} after` }]);
    expect(leaks.map((leak) => leak.source)).toEqual(["planted"]);
  });
});
