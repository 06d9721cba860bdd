import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { omniAuthEnv, omniEndpoint, serviceAccountKeyProblem } from "../../../src/omni/auth.js";
import { ToolError } from "../../../src/server/errors.js";
import { fakeArmoredPgpPublicKeyHeader, fakeServiceAccountKey } from "../../fixtures/fake-keys.js";

const key = fakeServiceAccountKey("automation");

async function refusal(promise: Promise<unknown>): Promise<ToolError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ToolError);
  return error as ToolError;
}

describe("serviceAccountKeyProblem", () => {
  it.each([
    ["", "is empty"],
    ["not base64!", "is not base64"],
    [Buffer.from("plain text").toString("base64"), "does not decode"],
    [Buffer.from(JSON.stringify({ name: "a" })).toString("base64"), "no armored PGP private key"],
    [Buffer.from(JSON.stringify({ name: "a", pgp_key: fakeArmoredPgpPublicKeyHeader() })).toString("base64"), "no armored PGP private key"],
  ])("%j %s", (value, problem) => {
    expect(serviceAccountKeyProblem(value)).toContain(problem);
  });
  it("accepts the shape omnictl serviceaccount create prints", () => {
    expect(serviceAccountKeyProblem(`${key}\n`)).toBeUndefined();
  });
});

describe("omniAuthEnv", () => {
  it("takes OMNI_SERVICE_ACCOUNT_KEY first, then SIDERO_SERVICE_ACCOUNT_KEY, and always hands it on as OMNI_SERVICE_ACCOUNT_KEY", async () => {
    const endpoint = { OMNI_ENDPOINT: "https://omni.example" };
    expect(await omniAuthEnv({ env: { ...endpoint, OMNI_SERVICE_ACCOUNT_KEY: key, SIDERO_SERVICE_ACCOUNT_KEY: "ignored" } })).toEqual({ OMNI_SERVICE_ACCOUNT_KEY: key, ...endpoint });
    expect(await omniAuthEnv({ env: { ...endpoint, SIDERO_SERVICE_ACCOUNT_KEY: key } })).toEqual({ OMNI_SERVICE_ACCOUNT_KEY: key, ...endpoint });
  });
  it("reads the operator's key file when the environment has none", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "omni-key-")), "key");
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    expect(await omniAuthEnv({ env: { OMNI_ENDPOINT: "http://127.0.0.1:8099" }, keyFile: file })).toEqual({ OMNI_SERVICE_ACCOUNT_KEY: key, OMNI_ENDPOINT: "http://127.0.0.1:8099" });
  });
  it("refuses up front when there is no key, instead of letting omnictl wait for a browser", async () => {
    const error = await refusal(omniAuthEnv({ env: {} }));
    expect(error.message).toMatch(/browser login/);
    expect(error.details.next).toMatch(/OMNI_SERVICE_ACCOUNT_KEY/);
  });
  it("names the key file field when it cannot be read", async () => {
    const error = await refusal(omniAuthEnv({ env: {}, keyFile: "/nonexistent/omni-key" }));
    expect(error.details.field).toBe("omniServiceAccountKeyFile");
    expect(error.message).toMatch(/ENOENT/);
  });
  it("says which source is malformed without echoing the value", async () => {
    const bad = Buffer.from(JSON.stringify({ name: "a", pgp_key: "secret-material" })).toString("base64");
    const error = await refusal(omniAuthEnv({ env: { SIDERO_SERVICE_ACCOUNT_KEY: bad } }));
    expect(error.message).toMatch(/SIDERO_SERVICE_ACCOUNT_KEY has no armored PGP private key/);
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toMatch(/secret-material|xVgEZsecret|[A-Za-z0-9+/]{40,}/);
  });
});

describe("omniEndpoint (omnictl ignores the omniconfig when a key is in its environment)", () => {
  const dir = mkdtempSync(join(tmpdir(), "omniconfig-"));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  it("prefers OMNI_ENDPOINT, else the URL of the omniconfig's current context", async () => {
    const omniconfig = write("ok", "context: prod\ncontexts:\n  dev:\n    url: https://dev.example\n  prod:\n    url: https://prod.example\n");
    expect(await omniEndpoint({ env: { OMNI_ENDPOINT: "http://127.0.0.1:1" }, omniconfig })).toBe("http://127.0.0.1:1");
    expect(await omniEndpoint({ env: {}, omniconfig })).toBe("https://prod.example");
  });
  it.each([
    ["no omniconfig", undefined, /No Omni URL is configured/],
    ["missing file", "/nonexistent/omniconfig", /cannot be read \(ENOENT\)/],
    ["context without url", "context: prod\ncontexts:\n  prod: {}\n", /current context \(prod\) has no http\(s\) url/],
    ["no current context", "contexts:\n  prod:\n    url: https://prod.example\n", /current context \(none\)/],
  ])("refuses with %s, naming the omniconfig field", async (_name, content, message) => {
    const omniconfig = content === undefined || content.startsWith("/") ? content : write(_name.replaceAll(" ", "-"), content);
    const error = await refusal(omniEndpoint({ env: {}, omniconfig }));
    expect(error.message).toMatch(message);
    expect(error.details.field).toBe("omniconfig");
  });
});
