// One redaction module for results, logs and audit lines alike: PEM blocks (raw or base64, as in
// talosconfig and secrets bundles), values of secret-bearing keys, Omni service-account keys,
// bearer tokens and Kubernetes/Talos bootstrap tokens. Hashes, fingerprints and UUIDs survive.
const SECRET_KEYS = new Set([
  "key",
  "privatekey",
  "secret",
  "token",
  "password",
  "bootstraptoken",
  "secretboxencryptionsecret",
  "aescbcencryptionsecret",
  "pgpkey",
  "clientkeydata",
  "serviceaccountkey",
  "omniserviceaccountkey",
  "siderserviceaccountkey",
  "apikey",
  "accesstoken",
  "refreshtoken",
  "authorization",
]);

const normalise = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, "");

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(normalise(key)) || /^(omni|sidero)_service_account_key$/i.test(key);
}

const KEY_NAMES =
  "key|private[_-]?key|secret|token|password|bootstrap[_-]?token|secretboxEncryptionSecret|aescbcEncryptionSecret|pgp_key|client-key-data|service[_-]?account[_-]?key|api[_-]?key|access[_-]?token|refresh[_-]?token";

const PATTERNS: ReadonlyArray<[RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  // A bare Omni service-account key: base64 of {"name":…,"pgp_key":…}.
  [/\beyJuYW1lIjoi[A-Za-z0-9+/]{40,}={0,2}/g, "[REDACTED:service-account-key]"],
  [/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g, "[REDACTED:pem]"],
  // base64 of "-----BEGIN": talosconfig ca/crt/key and secrets bundles carry PEM this way.
  [/LS0tLS1CRUdJTi[A-Za-z0-9+/=]*/g, "[REDACTED:pem]"],
  [/\b((?:OMNI|SIDERO)_SERVICE_ACCOUNT_KEY)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/g, (_m, name: string, sep: string) => `${name}${sep}[REDACTED:service-account-key]`],
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 [REDACTED:token]"],
  // YAML `key: value`, JSON `"key": "value"`, env `KEY=value` for secret-bearing keys.
  [
    new RegExp(`(^|[\\s{,"'])(${KEY_NAMES})(["']?\\s*[:=]\\s*)("(?:[^"\\\\]|\\\\.)*"|'[^']*'|[^\\s,}\\]]+)`, "gim"),
    (_m, lead: string, key: string, sep: string, value: string) =>
      value.startsWith("[REDACTED") || value === '""' || value === "''" || value === "null" ? `${lead}${key}${sep}${value}` : `${lead}${key}${sep}"[REDACTED:${key.toLowerCase()}]"`,
  ],
  // Kubernetes / Talos bootstrap tokens (trustd and machine tokens use the same shape).
  [/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g, "[REDACTED:bootstrap-token]"],
];

export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement as string);
  return out;
}

export function redactValue<T>(value: T): T {
  if (typeof value === "string") return redactText(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactValue(item)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      out[key] = isSecretKey(key) && child !== null && child !== undefined && child !== "" ? `[REDACTED:${normalise(key)}]` : redactValue(child);
    }
    return out as T;
  }
  return value;
}
