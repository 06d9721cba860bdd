// One redaction module for results, logs, audit lines, progress and elicitation messages alike:
// PEM blocks (raw or base64, as in talosconfig and secrets bundles — also when --tail or the output
// cap cut them, and when their lines come back as separate array items), values of secret-bearing
// keys (YAML, JSON, env, block scalars), secret-bearing CLI flags, Omni service-account keys and
// join tokens, JWTs, bearer and basic credentials, passwords in URLs, and Kubernetes/Talos bootstrap
// tokens. Hashes, fingerprints and UUIDs survive. Pure: no I/O, same input → same output.
const SECRET_KEYS = new Set([
  "key",
  "privatekey",
  "secret",
  "token",
  "password",
  "bootstraptoken",
  "jointoken",
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
  "key|private[_-]?key|secret|token|password|bootstrap[_-]?token|join[_-]?token|secretboxEncryptionSecret|aescbcEncryptionSecret|pgp_key|client-key-data|service[_-]?account[_-]?key|api[_-]?key|access[_-]?token|refresh[_-]?token";

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]+-----/;
const PEM_END = /-----END [A-Z0-9 ]+-----/;
const PEM_REDACTED = "[REDACTED:pem]";
/** A line that ends in a run of base64 long enough to be part of a PEM body. */
const PEM_BODY_TAIL = /[A-Za-z0-9+/]{16,}={0,2}\s*$/;
/** `secret: |` / `key: >-`: a YAML block scalar under a secret-bearing key. */
const SECRET_BLOCK_SCALAR = new RegExp(`^(\\s*)(?:-\\s+)?["']?(?:${KEY_NAMES})["']?\\s*:\\s*[|>][-+0-9]*\\s*$`, "i");

const PATTERNS: ReadonlyArray<[RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  // A bare Omni service-account key: base64 of {"name":…,"pgp_key":…}.
  [/\beyJuYW1lIjoi[A-Za-z0-9+/]{40,}={0,2}/g, "[REDACTED:service-account-key]"],
  // JWTs: Kubernetes service-account tokens, OIDC id tokens (header.payload.signature).
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, "[REDACTED:jwt]"],
  // base64 of "-----BEGIN": talosconfig ca/crt/key and secrets bundles carry PEM this way.
  [/LS0tLS1CRUdJTi[A-Za-z0-9+/=]*/g, PEM_REDACTED],
  [/\b((?:OMNI|SIDERO)_SERVICE_ACCOUNT_KEY)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/g, (_m, name: string, sep: string) => `${name}${sep}[REDACTED:service-account-key]`],
  // Omni join tokens in a SideroLink URL (kernel argument siderolink.api=…?jointoken=…).
  [/([?&]jointoken=)[^&\s"']+/gi, "$1[REDACTED:join-token]"],
  // Secret-bearing CLI flags: --token=…, --client-secret …, --registry-password=….
  [
    /(--[a-z0-9-]*?(token|secret|password|passphrase))(=|\s+)(?!\[REDACTED|-)([^\s"',]+)/gi,
    (_m, flag: string, kind: string, sep: string) => `${flag}${sep}[REDACTED:${kind.toLowerCase()}]`,
  ],
  [/(authorization["']?\s*[:=]\s*["']?)(basic|digest)\s+[A-Za-z0-9+/=._~-]+/gi, "$1$2 [REDACTED:credentials]"],
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 [REDACTED:token]"],
  // user:password@ in URLs (registry mirrors, proxies).
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"']+:)([^\s/@"']+)(@)/gi, "$1[REDACTED:password]$3"],
  // YAML `key: value`, JSON `"key": "value"`, env `KEY=value` for secret-bearing keys.
  [
    new RegExp(`(^|[\\s{,"'])(${KEY_NAMES})(["']?\\s*[:=]\\s*)("(?:[^"\\\\]|\\\\.)*"|'[^']*'|[^\\s,}\\]]+)`, "gim"),
    (_m, lead: string, key: string, sep: string, value: string) =>
      value.startsWith("[REDACTED") || value === '""' || value === "''" || value === "null" ? `${lead}${key}${sep}${value}` : `${lead}${key}${sep}"[REDACTED:${key.toLowerCase()}]"`,
  ],
  // Kubernetes / Talos bootstrap tokens (trustd and machine tokens use the same shape).
  [/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g, "[REDACTED:bootstrap-token]"],
];

function redactPatterns(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement as string);
  return out;
}

/** Replaces the PEM body that ends a line ("prefix: MIIB…") with the redaction marker. */
function redactBodyTail(line: string): string | undefined {
  const match = PEM_BODY_TAIL.exec(line);
  return match ? `${line.slice(0, match.index)}${PEM_REDACTED}` : undefined;
}

/**
 * PEM blocks across a sequence of chunks (one text, or lines returned as array items): a complete
 * block becomes one marker; a BEGIN without END (cut by the output cap) is redacted to the end; an
 * END without BEGIN (cut by --tail) is redacted together with the body lines right before it.
 * Returns as many chunks as it gets.
 */
function redactPemAcross(chunks: readonly string[]): string[] {
  const out: string[] = [];
  let open = false;
  for (const chunk of chunks) {
    let rest = chunk;
    let done = "";
    for (;;) {
      if (open) {
        const end = PEM_END.exec(rest);
        if (!end) {
          if (!done.endsWith(PEM_REDACTED)) done += PEM_REDACTED;
          rest = "";
          break;
        }
        if (!done.endsWith(PEM_REDACTED)) done += PEM_REDACTED;
        rest = rest.slice(end.index + end[0].length);
        open = false;
        continue;
      }
      const begin = PEM_BEGIN.exec(rest);
      const end = PEM_END.exec(rest);
      if (end && (!begin || end.index < begin.index)) {
        // An END whose BEGIN was cut off: the body sits right before it.
        done += redactOrphanBody(rest.slice(0, end.index), out);
        rest = rest.slice(end.index + end[0].length);
        continue;
      }
      if (!begin) break;
      done += rest.slice(0, begin.index);
      rest = rest.slice(begin.index + begin[0].length);
      open = true;
    }
    out.push(done + rest);
  }
  return out;
}

/**
 * The text before an orphan END marker, with the PEM body removed: the lines (within this chunk,
 * then previous chunks in `earlier`, rewritten in place) that end in base64, walking back until a
 * line that does not.
 */
function redactOrphanBody(before: string, earlier: string[]): string {
  const lines = before.split("\n");
  let index = lines.length - 1;
  const lastHasBody = PEM_BODY_TAIL.test(lines[index]!);
  lines[index] = lastHasBody ? redactBodyTail(lines[index]!)! : `${lines[index]}${PEM_REDACTED}`;
  for (index -= 1; index >= 0; index -= 1) {
    const redacted = redactBodyTail(lines[index]!);
    if (redacted === undefined) return lines.join("\n");
    lines[index] = redacted;
  }
  for (let chunk = earlier.length - 1; chunk >= 0; chunk -= 1) {
    const redacted = redactBodyTail(earlier[chunk]!);
    if (redacted === undefined) break;
    earlier[chunk] = redacted;
  }
  return lines.join("\n");
}

/** Indices of the lines that continue a YAML block scalar under a secret-bearing key. */
function secretBlockScalarLines(lines: readonly string[]): Set<number> {
  const hidden = new Set<number>();
  for (let index = 0; index < lines.length; index += 1) {
    const header = SECRET_BLOCK_SCALAR.exec(lines[index]!);
    if (!header) continue;
    const indent = header[1]!.length;
    for (let next = index + 1; next < lines.length; next += 1) {
      const line = lines[next]!;
      if (line.trim() !== "" && line.length - line.trimStart().length <= indent) break;
      hidden.add(next);
      index = next;
    }
  }
  return hidden;
}

export function redactText(text: string): string {
  const lines = redactPemAcross([text])[0]!.split("\n");
  const hidden = secretBlockScalarLines(lines);
  return redactPatterns(lines.filter((_line, index) => !hidden.has(index)).join("\n"));
}

/** A whole argv item that is a secret-bearing flag whose value is the next item. */
const SECRET_FLAG_ITEM = /^--[a-z0-9-]*?(token|secret|password|passphrase)$/i;

/**
 * Lines returned as separate items (logs, dmesg) and argv arrays: redacted as one text, one item
 * per line kept; an item that follows a bare secret-bearing flag (`--token`, `abc`) is its value.
 */
export function redactLines(lines: readonly string[]): string[] {
  const pemFree = redactPemAcross(lines);
  const hidden = secretBlockScalarLines(pemFree);
  return pemFree.map((line, index) => {
    if (hidden.has(index)) return "[REDACTED:block]";
    const flag = index > 0 ? SECRET_FLAG_ITEM.exec(pemFree[index - 1]!) : null;
    return flag && !line.startsWith("-") ? `[REDACTED:${flag[1]!.toLowerCase()}]` : redactText(line);
  });
}

export function redactValue<T>(value: T): T {
  if (typeof value === "string") return redactText(value) as T;
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((item) => typeof item === "string")) return redactLines(value) as T;
    return value.map((item) => redactValue(item)) as T;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      out[key] = isSecretKey(key) && child !== null && child !== undefined && child !== "" ? `[REDACTED:${normalise(key)}]` : redactValue(child);
    }
    return out as T;
  }
  return value;
}
