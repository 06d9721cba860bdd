// The secrets scan, as pure functions: key material found in text (PEM and PGP private keys,
// values of secret-bearing fields in YAML/JSON such as a secrets bundle, talosconfig, kubeconfig
// or machine config, Omni service-account keys, base64-wrapped ones included), and where any of
// it shows up in what the servers said.
import { parseAllDocuments } from "yaml";
import { isSecretKey } from "../../src/exec/redact.js";

/** Matching works on windows of this many characters of a secret (with whitespace removed). */
export const WINDOW = 20;
const STRIDE = 10;

const squeeze = (text: string) => text.replace(/\s+/g, "");

function addSecret(found: Set<string>, value: string): void {
  const secret = squeeze(value);
  if (secret.length >= WINDOW && !secret.startsWith("[REDACTED") && !secret.startsWith("sha256:")) found.add(secret);
}

/** The base64 body of a PEM or armored block, without headers like "Comment: …". */
const blockBody = (inner: string) =>
  inner
    .split("\n")
    .filter((line) => !/^[A-Za-z-]+: /.test(line))
    .join("");

function fromDocumentValue(found: Set<string>, key: string, value: unknown): void {
  if (typeof value === "string") {
    if (!isSecretKey(key)) return;
    const decoded = Buffer.from(value, "base64").toString("utf8");
    // base64 of a PEM (talosconfig, kubeconfig): the PEM's body, and the base64 as it is stored
    // minus the part that only encodes the "-----BEGIN … PRIVATE KEY-----" line every key shares.
    if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY/.test(decoded)) {
      extractInto(found, decoded);
      addSecret(found, value.slice(Math.ceil((decoded.indexOf("\n") + 1) / 3) * 4));
    } else addSecret(found, value);
    return;
  }
  if (Array.isArray(value)) value.forEach((item) => fromDocumentValue(found, key, item));
  else if (value && typeof value === "object") for (const [childKey, child] of Object.entries(value)) fromDocumentValue(found, childKey, child);
}

function extractInto(found: Set<string>, text: string): void {
  for (const match of text.matchAll(/-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----([\s\S]*?)-----END \1-----/g)) addSecret(found, blockBody(match[2]!));
  for (const match of text.matchAll(/\beyJuYW1lIjoi[A-Za-z0-9+/]{40,}={0,2}/g)) {
    addSecret(found, match[0]);
    try {
      const key = (JSON.parse(Buffer.from(match[0], "base64").toString("utf8")) as { pgp_key?: unknown }).pgp_key;
      if (typeof key === "string") extractInto(found, key);
    } catch {
      // Not an Omni key after all.
    }
  }
  if (!/^\s*[{[]|:\s/m.test(text)) return;
  try {
    for (const document of parseAllDocuments(text, { maxAliasCount: 50 })) {
      if (document.errors.length === 0) fromDocumentValue(found, "", document.toJS({ maxAliasCount: 50 }));
    }
  } catch {
    // Not YAML or JSON.
  }
}

/** Key material in one file or text. */
export function extractKeyMaterial(text: string): string[] {
  const found = new Set<string>();
  extractInto(found, text);
  return [...found];
}

export interface Leak {
  source: string;
  /** The start of the secret that leaked (enough to find it, not enough to use it). */
  secret: string;
  where: number;
}

/**
 * Where any secret shows up in any haystack: a run of WINDOW + STRIDE characters of a secret is
 * enough, so a cut-down or re-wrapped key is found too. JSON escapes and whitespace are ignored.
 */
export function findLeaks(secrets: Iterable<string>, haystacks: Iterable<{ source: string; text: string }>): Leak[] {
  const windows = new Map<string, string>();
  for (const secret of secrets) {
    for (let at = 0; at + WINDOW <= secret.length; at += STRIDE) windows.set(secret.slice(at, at + WINDOW), secret);
  }
  const leaks: Leak[] = [];
  for (const { source, text } of haystacks) {
    const flat = squeeze(text.replace(/\\[nrt]/g, " "));
    for (let at = 0; at + WINDOW <= flat.length; at++) {
      const secret = windows.get(flat.slice(at, at + WINDOW));
      if (secret) {
        leaks.push({ source, secret: `${secret.slice(0, 8)}…`, where: at });
        break;
      }
    }
  }
  return leaks;
}
