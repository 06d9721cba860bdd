// Bearer tokens for the HTTP transport: a YAML/JSON file of {name, token: "sha256:<hex>", role,
// expires?, toolsets?}. Only hashes are stored; a token is shown once, when `token add` makes it.
// The server re-reads the file when it changes (TokenFile), so revoking a token needs no restart.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse as parseYaml, stringify } from "yaml";
import { z } from "zod";
import { writeFileAtomic } from "../fs/atomic.js";
import { ROLES, type Role } from "../server/roles.js";
import { TOOLSETS, type Toolset } from "../server/tool-spec.js";

const entrySchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, "must be 1-64 letters, digits, '_', '.', '@' or '-'"),
    token: z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex digits> (a hash, never the token itself)"),
    role: z.enum(ROLES),
    expires: z.union([z.string(), z.date()]).optional(),
    toolsets: z.array(z.enum(TOOLSETS)).optional(),
  })
  .strict();
const fileSchema = z.object({ tokens: z.array(entrySchema) }).strict();

export interface TokenEntry {
  name: string;
  hash: Buffer;
  role: Role;
  expiresAt?: number;
  toolsets?: Toolset[];
}

export const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest();

export function parseTokensFile(text: string, source: string): TokenEntry[] {
  const parsed = fileSchema.safeParse(parseYaml(text) ?? { tokens: [] });
  if (!parsed.success) {
    throw new Error(`tokens file ${source}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  }
  const names = new Set<string>();
  return parsed.data.tokens.map((entry, index) => {
    if (names.has(entry.name)) throw new Error(`tokens file ${source}: tokens.${index}.name '${entry.name}' is used twice`);
    names.add(entry.name);
    const expiresAt = entry.expires === undefined ? undefined : new Date(entry.expires).getTime();
    if (expiresAt !== undefined && Number.isNaN(expiresAt)) throw new Error(`tokens file ${source}: tokens.${index}.expires is not a date`);
    return { name: entry.name, hash: Buffer.from(entry.token.slice("sha256:".length), "hex"), role: entry.role, expiresAt, toolsets: entry.toolsets };
  });
}

export type TokenCheck = { ok: true; entry: TokenEntry } | { ok: false; reason: "missing" | "invalid" | "expired" };

/** Compares hashes in constant time against every entry (no early exit on the first byte). */
export function verifyToken(entries: readonly TokenEntry[], presented: string | undefined, now = Date.now()): TokenCheck {
  if (!presented) return { ok: false, reason: "missing" };
  const hash = hashToken(presented);
  let match: TokenEntry | undefined;
  for (const entry of entries) if (timingSafeEqual(entry.hash, hash)) match = entry;
  if (!match) return { ok: false, reason: "invalid" };
  if (match.expiresAt !== undefined && match.expiresAt <= now) return { ok: false, reason: "expired" };
  return { ok: true, entry: match };
}

export function loadTokens(path: string): TokenEntry[] {
  return parseTokensFile(readFileSync(path, "utf8"), path);
}

/** What a session was granted: a change to any of it (new hash, role, toolsets, expiry) revokes the session. */
export function grantOf(entry: TokenEntry): string {
  return [entry.name, entry.hash.toString("hex"), entry.role, entry.expiresAt ?? "", entry.toolsets?.join(",") ?? "*"].join("|");
}

/** Identity of the file's current version: a rename-into-place or an edit changes it. */
function fileStamp(path: string): string {
  try {
    const info = statSync(path);
    return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
  } catch (error) {
    return `missing:${(error as NodeJS.ErrnoException).code ?? "?"}`;
  }
}

/**
 * The tokens file, re-read when it changes. An unreadable or invalid file at start-up fails
 * start-up; later it fails closed — no token is accepted until the file is valid again — and
 * `onInvalid` says why.
 */
export class TokenFile {
  private current: TokenEntry[];
  private stamp: string;

  constructor(
    readonly path: string,
    private readonly onInvalid: (message: string) => void = () => undefined,
  ) {
    this.stamp = fileStamp(path);
    this.current = loadTokens(path);
  }

  entries(): readonly TokenEntry[] {
    return this.current;
  }

  /** Re-reads the file if it changed since the last look; true when it did. */
  refresh(): boolean {
    const stamp = fileStamp(this.path);
    if (stamp === this.stamp) return false;
    this.stamp = stamp;
    try {
      this.current = loadTokens(this.path);
    } catch (error) {
      this.current = [];
      this.onInvalid(`${(error as Error).message}; every token is refused until the file is fixed`);
    }
    return true;
  }
}

const HELP = `Usage:
  talos-mcp token add --tokens FILE --name NAME --role reader|operator|admin [--expires DATE] [--toolsets a,b]
      adds an entry (stored as a SHA-256 hash) and prints the new token once
  talos-mcp token list --tokens FILE
`;

export async function runTokenCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const fail = (message: string) => (process.stderr.write(`talos-mcp token: ${message}\n`), 2);
  if (!command || command === "--help" || command === "-h") {
    process.stdout.write(HELP);
    return command ? 0 : 2;
  }
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({ args: rest, options: { tokens: { type: "string" }, name: { type: "string" }, role: { type: "string" }, expires: { type: "string" }, toolsets: { type: "string" } }, strict: true }) as { values: Record<string, string | undefined> });
  } catch (error) {
    return fail(`${(error as Error).message} (see talos-mcp token --help)`);
  }
  if (!values.tokens) return fail("--tokens FILE is required");
  let text = "tokens: []\n";
  try {
    text = readFileSync(values.tokens, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" || command !== "add") return fail(`cannot read ${values.tokens}: ${(error as Error).message}`);
  }
  const existing = parseTokensFile(text, values.tokens);
  if (command === "list") {
    for (const entry of existing) process.stdout.write(`${entry.name}\t${entry.role}\t${entry.expiresAt ? new Date(entry.expiresAt).toISOString() : "never"}\t${entry.toolsets?.join(",") ?? "all"}\n`);
    return 0;
  }
  if (command !== "add") return fail(`unknown command '${command}' (see talos-mcp token --help)`);
  if (!values.name) return fail("--name is required");
  if (!values.role || !(ROLES as readonly string[]).includes(values.role)) return fail(`--role must be one of ${ROLES.join(", ")}`);
  if (existing.some((entry) => entry.name === values.name)) return fail(`a token named '${values.name}' exists already`);
  if (values.expires && Number.isNaN(new Date(values.expires).getTime())) return fail(`--expires '${values.expires}' is not a date (e.g. 2027-01-31)`);
  const toolsets = values.toolsets?.split(",").map((t) => t.trim()).filter(Boolean);
  for (const toolset of toolsets ?? []) if (!(TOOLSETS as readonly string[]).includes(toolset)) return fail(`unknown toolset '${toolset}' (known: ${TOOLSETS.join(", ")})`);
  const token = `tmcp_${randomBytes(32).toString("base64url")}`;
  const doc = (parseYaml(text) ?? {}) as { tokens?: unknown[] };
  const entry = {
    name: values.name,
    token: `sha256:${hashToken(token).toString("hex")}`,
    role: values.role,
    ...(values.expires ? { expires: new Date(values.expires).toISOString() } : {}),
    ...(toolsets ? { toolsets } : {}),
  };
  const next = { tokens: [...(doc.tokens ?? []), entry] };
  parseTokensFile(stringify(next), values.tokens);
  await writeFileAtomic(values.tokens, stringify(next), 0o600);
  process.stdout.write(`${token}\n`);
  process.stderr.write(`Added token '${values.name}' (${values.role}) to ${values.tokens}. It is shown only now; store it safely.\n`);
  return 0;
}
