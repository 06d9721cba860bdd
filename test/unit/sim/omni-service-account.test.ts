import * as grpc from "@grpc/grpc-js";
import * as openpgp from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { SimError } from "../../../src/sim/errors.js";
import { createServiceAccount, verifySignedCall, type ServiceAccount } from "../../../src/sim/omni/service-account.js";
import { ARMORED_PGP_PRIVATE_KEY } from "../../fixtures/fake-keys.js";

const GET = "/cosi.resource.State/Get";
const LIST = "/cosi.resource.State/List";
/** go-api-signature's includedHeaders: the headers whose values the payload carries. */
const INCLUDED_HEADERS = ["x-sidero-timestamp", "nodes", "selectors", "fieldSelectors", "runtime", "context", "cluster", "namespace", "uid", "authorization"];

let admin: ServiceAccount;
let reader: ServiceAccount;
let outsider: ServiceAccount;
let accounts: ServiceAccount[];

beforeAll(async () => {
  [admin, reader, outsider] = await Promise.all([createServiceAccount("automation"), createServiceAccount("readonly"), createServiceAccount("outsider")]);
  accounts = [admin, reader];
});

async function privateKeyOf(account: ServiceAccount): Promise<openpgp.PrivateKey> {
  const { pgp_key } = JSON.parse(Buffer.from(account.encodedKey, "base64").toString("utf8")) as { pgp_key: string };
  return openpgp.readPrivateKey({ armoredKey: pgp_key });
}

/** The payload JSON as Go's json.Marshal writes GRPCPayload: map keys sorted, a missing header as null. */
function payloadJson(metadata: grpc.Metadata, method: string): string {
  const headers: Record<string, string[] | null> = {};
  for (const name of [...INCLUDED_HEADERS].sort()) {
    const values = metadata.get(name.toLowerCase()).map(String);
    headers[name] = values.length ? values : null;
  }
  return JSON.stringify({ headers, method });
}

async function detachedSignature(key: openpgp.PrivateKey, text: string): Promise<string> {
  const signature = await openpgp.sign({ message: await openpgp.createMessage({ binary: Buffer.from(text, "utf8") }), signingKeys: key, detached: true, format: "binary" });
  return Buffer.from(signature as Uint8Array).toString("base64");
}

interface SignOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Unix seconds. */
  timestamp?: number;
  /** Whose key signs (default: the account itself). */
  signer?: ServiceAccount;
  identity?: string;
  fingerprint?: string;
}

/** Signs a call as go-api-signature's GRPC.Sign does. */
async function signedMetadata(account: ServiceAccount, options: SignOptions = {}): Promise<grpc.Metadata> {
  const metadata = new grpc.Metadata();
  for (const [name, value] of Object.entries(options.headers ?? {})) metadata.set(name, value);
  metadata.set("x-sidero-timestamp", String(options.timestamp ?? Math.floor(Date.now() / 1000)));
  const payload = payloadJson(metadata, options.method ?? GET);
  const signature = await detachedSignature(await privateKeyOf(options.signer ?? account), payload);
  metadata.set("x-sidero-payload", payload);
  metadata.set("x-sidero-signature", `siderov1 ${options.identity ?? account.identity} ${options.fingerprint ?? account.fingerprint} ${signature}`);
  return metadata;
}

async function rejection(promise: Promise<unknown>): Promise<SimError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SimError);
    return error as SimError;
  }
  throw new Error("expected the call to be refused, it was accepted");
}

async function expectUnauthenticated(promise: Promise<unknown>, message?: RegExp): Promise<void> {
  const error = await rejection(promise);
  expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
  expect(error.code).toBe(16);
  if (message) expect(error.message).toMatch(message);
}

describe("createServiceAccount", () => {
  it("makes an identity in the service-account domain and a 40-hex-digit fingerprint", () => {
    expect(admin.identity).toBe("automation@serviceaccount.omni.sidero.dev");
    expect(admin.fingerprint).toMatch(/^[0-9a-f]{40}$/);
    expect(reader.fingerprint).toMatch(/^[0-9a-f]{40}$/);
    expect(admin.fingerprint).not.toBe(reader.fingerprint);
  });

  it("encodes the key as omnictl expects it: base64 JSON with name and an armored private key", async () => {
    const decoded = JSON.parse(Buffer.from(admin.encodedKey, "base64").toString("utf8")) as Record<string, unknown>;
    expect(Object.keys(decoded).sort()).toEqual(["name", "pgp_key"]);
    expect(decoded.name).toBe("automation@serviceaccount.omni.sidero.dev");
    expect(decoded.pgp_key).toMatch(ARMORED_PGP_PRIVATE_KEY);
    const key = await openpgp.readPrivateKey({ armoredKey: decoded.pgp_key as string });
    // omnictl signs with it directly: it must not be passphrase-protected.
    expect(key.isDecrypted()).toBe(true);
    expect(key.getFingerprint()).toBe(admin.fingerprint);
    expect(admin.publicKey.getFingerprint()).toBe(admin.fingerprint);
    expect(admin.publicKey.isPrivate()).toBe(false);
    expect(key.getUserIDs()).toEqual(["automation <automation@serviceaccount.omni.sidero.dev>"]);
  });

  it("makes keys that expire after the lifetime (default one year)", async () => {
    const key = await privateKeyOf(admin);
    const lifetime = ((await key.getExpirationTime()) as Date).getTime() - key.getCreationTime().getTime();
    expect(lifetime).toBe(365 * 24 * 3600 * 1000);
    const shortLived = await createServiceAccount("short", 3600);
    const short = await privateKeyOf(shortLived);
    expect(((await short.getExpirationTime()) as Date).getTime() - short.getCreationTime().getTime()).toBe(3600 * 1000);
  });
});

describe("verifySignedCall: allowed", () => {
  it("accepts a call signed as omnictl signs it and returns the identity", async () => {
    expect(await verifySignedCall(accounts, await signedMetadata(admin), GET)).toBe("automation@serviceaccount.omni.sidero.dev");
  });

  it("finds the signing account among several", async () => {
    expect(await verifySignedCall(accounts, await signedMetadata(reader, { method: LIST }), LIST)).toBe("readonly@serviceaccount.omni.sidero.dev");
  });

  it("accepts signed headers (cluster, context, nodes, namespace, runtime) that arrive unchanged", async () => {
    const metadata = await signedMetadata(admin, { headers: { cluster: "demo", context: "default", nodes: "10.5.0.2", namespace: "default", runtime: "Talos" } });
    expect(await verifySignedCall(accounts, metadata, GET)).toBe(admin.identity);
  });

  it("ignores headers outside the signed set", async () => {
    const metadata = await signedMetadata(admin);
    metadata.set("user-agent-extra", "anything");
    metadata.set("grpc-trace", "123");
    expect(await verifySignedCall(accounts, metadata, GET)).toBe(admin.identity);
  });

  it("accepts a timestamp up to 5 minutes either side of now", async () => {
    const timestamp = 1_700_000_000;
    const metadata = await signedMetadata(admin, { timestamp });
    for (const skew of [0, 299_999, 300_000, -300_000]) expect(await verifySignedCall(accounts, metadata, GET, timestamp * 1000 + skew)).toBe(admin.identity);
  });
});

describe("verifySignedCall: refused (Unauthenticated)", () => {
  it("without a signature header", async () => {
    const metadata = await signedMetadata(admin);
    metadata.remove("x-sidero-signature");
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET), /signature not found/);
    await expectUnauthenticated(verifySignedCall(accounts, new grpc.Metadata(), GET), /signature not found/);
  });

  it.each([
    ["another version", (id: string, fp: string, sig: string) => `siderov2 ${id} ${fp} ${sig}`],
    ["no signature part", (id: string, fp: string) => `siderov1 ${id} ${fp}`],
    ["an extra part", (id: string, fp: string, sig: string) => `siderov1 ${id} ${fp} ${sig} extra`],
    ["only the version", () => "siderov1"],
    ["a bearer token", () => "Bearer abc"],
  ])("with a malformed signature header: %s", async (_name, header) => {
    const metadata = await signedMetadata(admin);
    const [, , , sig] = String(metadata.get("x-sidero-signature")[0]).split(" ");
    metadata.set("x-sidero-signature", header(admin.identity, admin.fingerprint, sig!));
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET), /malformed/);
  });

  it("for an identity that has no account", async () => {
    await expectUnauthenticated(verifySignedCall(accounts, await signedMetadata(outsider), GET), /unknown public key/);
    await expectUnauthenticated(verifySignedCall([], await signedMetadata(admin), GET), /unknown public key/);
  });

  it("for a fingerprint that is not the account's", async () => {
    await expectUnauthenticated(verifySignedCall(accounts, await signedMetadata(admin, { fingerprint: reader.fingerprint }), GET), /unknown public key/);
    await expectUnauthenticated(verifySignedCall(accounts, await signedMetadata(admin, { fingerprint: "0".repeat(40) }), GET), /unknown public key/);
  });

  it("for a timestamp more than 5 minutes from now", async () => {
    const timestamp = 1_700_000_000;
    const metadata = await signedMetadata(admin, { timestamp });
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET, timestamp * 1000 + 301_000), /timestamp is outside of allowed skew/);
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET, timestamp * 1000 - 301_000), /timestamp is outside of allowed skew/);
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET, timestamp * 1000 + 24 * 3600 * 1000), /timestamp is outside of allowed skew/);
  });

  it("for a missing or non-numeric timestamp", async () => {
    const missing = await signedMetadata(admin);
    missing.remove("x-sidero-timestamp");
    await expectUnauthenticated(verifySignedCall(accounts, missing, GET));
    const garbage = await signedMetadata(admin);
    garbage.set("x-sidero-timestamp", "yesterday");
    await expectUnauthenticated(verifySignedCall(accounts, garbage, GET), /timestamp/);
  });

  it("for a replay with a fresh timestamp (the timestamp is a signed header)", async () => {
    const old = Math.floor(Date.now() / 1000) - 3600;
    const metadata = await signedMetadata(admin, { timestamp: old });
    metadata.set("x-sidero-timestamp", String(Math.floor(Date.now() / 1000)));
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET), /payload header does not match: x-sidero-timestamp/);
  });

  it("when the payload names another method than the one called", async () => {
    const metadata = await signedMetadata(admin, { method: GET });
    await expectUnauthenticated(verifySignedCall(accounts, metadata, "/cosi.resource.State/Destroy"), /payload method does not match: \/cosi\.resource\.State\/Get != \/cosi\.resource\.State\/Destroy/);
  });

  it.each(["cluster", "context", "nodes", "namespace", "runtime", "selectors", "uid"])("when the signed header %s is changed after signing", async (header) => {
    const metadata = await signedMetadata(admin, { headers: { [header]: "signed-value" } });
    metadata.set(header, "other-value");
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET), new RegExp(`payload header does not match: ${header}$`));
  });

  it("when a signed header is added or removed after signing", async () => {
    const added = await signedMetadata(admin);
    added.set("cluster", "prod");
    await expectUnauthenticated(verifySignedCall(accounts, added, GET), /payload header does not match: cluster/);
    const removed = await signedMetadata(admin, { headers: { context: "default" } });
    removed.remove("context");
    await expectUnauthenticated(verifySignedCall(accounts, removed, GET), /payload header does not match: context/);
  });

  it("when a header gets a second value after signing", async () => {
    const metadata = await signedMetadata(admin, { headers: { nodes: "10.5.0.2" } });
    metadata.add("nodes", "10.5.0.3");
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET), /payload header does not match: nodes/);
  });

  it("when the signature was made by another key than the claimed identity's", async () => {
    const metadata = await signedMetadata(admin, { signer: reader });
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET), /^invalid signature$/);
    const foreign = await signedMetadata(admin, { signer: outsider });
    await expectUnauthenticated(verifySignedCall(accounts, foreign, GET), /^invalid signature$/);
  });

  it("when the signature bytes are corrupted", async () => {
    const metadata = await signedMetadata(admin);
    const [version, identity, fingerprint, sig] = String(metadata.get("x-sidero-signature")[0]).split(" ");
    const bytes = Buffer.from(sig!, "base64");
    bytes[bytes.length - 5] ^= 0xff;
    metadata.set("x-sidero-signature", `${version} ${identity} ${fingerprint} ${bytes.toString("base64")}`);
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET), /^invalid signature$/);
    metadata.set("x-sidero-signature", `${version} ${identity} ${fingerprint} bm90LWEtc2lnbmF0dXJl`);
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET), /^invalid signature$/);
  });

  it("when the payload is rewritten after signing, even to equivalent JSON", async () => {
    const metadata = await signedMetadata(admin);
    const payload = String(metadata.get("x-sidero-payload")[0]);
    metadata.set("x-sidero-payload", payload.replace(GET, LIST));
    await expectUnauthenticated(verifySignedCall(accounts, metadata, LIST), /^invalid signature$/);
    metadata.set("x-sidero-payload", payload.replace('{"headers":', '{ "headers": '));
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET), /^invalid signature$/);
  });

  it("when the payload is missing", async () => {
    const metadata = await signedMetadata(admin);
    metadata.remove("x-sidero-payload");
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET), /payload not found/);
  });

  it("when the payload is not JSON, even if signed", async () => {
    const metadata = await signedMetadata(admin);
    const text = "method=/cosi.resource.State/Get";
    metadata.set("x-sidero-payload", text);
    metadata.set("x-sidero-signature", `siderov1 ${admin.identity} ${admin.fingerprint} ${await detachedSignature(await privateKeyOf(admin), text)}`);
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET), /payload is not JSON/);
  });

  it.each([
    ["null", "null"],
    ["an object without a method", '{"headers":null}'],
    ["a number", "42"],
  ])("when the payload is JSON but %s", async (_name, text) => {
    const metadata = await signedMetadata(admin);
    metadata.set("x-sidero-payload", text);
    await expectUnauthenticated(verifySignedCall(accounts, metadata, GET), /payload method does not match:  != \/cosi\.resource\.State\/Get/);
  });
});
