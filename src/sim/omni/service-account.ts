// Service accounts of the simulated Omni. A key is what `omnictl serviceaccount create` prints:
// base64 of {"name": identity, "pgp_key": armored private key}. omnictl signs every gRPC call with it
// (siderolabs/go-api-signature): x-sidero-timestamp, x-sidero-payload (JSON of the method and a
// fixed set of headers) and x-sidero-signature "siderov1 <identity> <fingerprint> <base64 detached
// signature of the payload>". The simulator checks all of it, as Omni does, with OpenPGP.js.
import * as grpc from "@grpc/grpc-js";
import * as openpgp from "openpgp";
import { SimError } from "../errors.js";

export const SERVICE_ACCOUNT_DOMAIN = "serviceaccount.omni.sidero.dev";
const SIGNED_HEADERS = ["x-sidero-timestamp", "nodes", "selectors", "fieldSelectors", "runtime", "context", "cluster", "namespace", "uid", "authorization"];
const ALLOWED_SKEW_S = 5 * 60;

export interface ServiceAccount {
  identity: string;
  fingerprint: string;
  publicKey: openpgp.PublicKey;
  /** The value for OMNI_SERVICE_ACCOUNT_KEY. */
  encodedKey: string;
}

export async function createServiceAccount(name: string, lifetimeSeconds = 365 * 24 * 3600): Promise<ServiceAccount> {
  const identity = `${name}@${SERVICE_ACCOUNT_DOMAIN}`;
  const { privateKey } = await openpgp.generateKey({ type: "ecc", curve: "curve25519Legacy", userIDs: [{ name, email: identity }], keyExpirationTime: lifetimeSeconds, format: "armored" });
  const key = await openpgp.readPrivateKey({ armoredKey: privateKey });
  return {
    identity,
    fingerprint: key.getFingerprint(),
    publicKey: key.toPublic(),
    encodedKey: Buffer.from(JSON.stringify({ name: identity, pgp_key: privateKey })).toString("base64"),
  };
}

const unauthenticated = (why: string) => new SimError(grpc.status.UNAUTHENTICATED, why);

/** Checks the signature headers of one call; returns the caller's identity. */
export async function verifySignedCall(accounts: ServiceAccount[], metadata: grpc.Metadata, method: string, now = Date.now()): Promise<string> {
  const first = (name: string) => {
    const value = metadata.get(name.toLowerCase())[0];
    return value === undefined ? undefined : String(value);
  };
  const header = first("x-sidero-signature");
  if (!header) throw unauthenticated("signature not found: x-sidero-signature");
  const [version, identity, fingerprint, signature, ...rest] = header.split(" ");
  if (version !== "siderov1" || !identity || !fingerprint || !signature || rest.length) throw unauthenticated("invalid signature: malformed x-sidero-signature");
  const account = accounts.find((candidate) => candidate.identity === identity);
  if (!account || account.fingerprint !== fingerprint.toLowerCase()) throw unauthenticated(`invalid signature: unknown public key ${fingerprint} for ${identity}`);

  const timestamp = Number(first("x-sidero-timestamp"));
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > ALLOWED_SKEW_S) throw unauthenticated("timestamp is outside of allowed skew");
  const payloadText = first("x-sidero-payload");
  if (!payloadText) throw unauthenticated("payload not found: x-sidero-payload");
  let payload: { method?: string; headers?: Record<string, string[] | null> } | null;
  try {
    payload = JSON.parse(payloadText);
  } catch {
    throw unauthenticated("invalid signature: payload is not JSON");
  }
  // JSON `null` unmarshals into Go's payload struct as an empty payload.
  if (payload?.method !== method) throw unauthenticated(`payload method does not match: ${payload?.method ?? ""} != ${method}`);
  for (const name of SIGNED_HEADERS) {
    // Node's HTTP/2 layer joins a header sent several times (talosctl's `nodes`) with ", ", so the
    // values are compared in that joined form.
    const signed = (payload.headers?.[name] ?? []).join(", ");
    const sent = metadata.get(name.toLowerCase()).map(String).join(", ");
    if (signed !== sent) throw unauthenticated(`payload header does not match: ${name}`);
  }
  try {
    const result = await openpgp.verify({
      message: await openpgp.createMessage({ binary: Buffer.from(payloadText, "utf8") }),
      signature: await openpgp.readSignature({ binarySignature: Buffer.from(signature, "base64") }),
      verificationKeys: account.publicKey,
      expectSigned: true,
    });
    await result.signatures[0]!.verified;
  } catch {
    throw unauthenticated("invalid signature");
  }
  return identity;
}
