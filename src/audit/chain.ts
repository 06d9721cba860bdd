// The audit trail's hash chain, as pure functions over lines of text. Every line is a JSON object
// that ends with `"prev":<hash of the line before>` … `"hash":<sha256 of the line's own body>`,
// so a line that was edited, removed, reordered or cut off shows up at the first line whose own
// hash or whose link to the line before no longer fits. A file that continues another (after
// rotation, or when an outside tool truncated it) starts with an `audit-rotate` record that links
// to the previous file's last line.
//
// What a chain cannot show: someone who rewrites a line AND every hash after it, or who drops
// whole lines from the end. Checking against a head recorded elsewhere (`verify --head`) covers
// the second; shipping lines to append-only storage covers both.
import { nodeCrypto } from "../lazy-crypto.js";

/** `prev` of the very first line of a chain. */
export const GENESIS = "0".repeat(64);

/** A chain record that is not a tool call: where a file continues the chain of another. */
export const ROTATE_KIND = "audit-rotate";
/** Written after an incomplete last line found at start-up (the writer stopped mid-line). */
export const RECOVER_KIND = "audit-recover";

const HASH = /^[0-9a-f]{64}$/;
const SEAL = /,"hash":"([0-9a-f]{64})"}$/;

const sha256 = (text: string) => nodeCrypto().createHash("sha256").update(text, "utf8").digest("hex");

/**
 * One sealed line for `record` (which must not carry `prev` or `hash` itself), linked to `prev`.
 * The hash covers the exact bytes of the line up to the seal, so nothing about JSON formatting has
 * to be re-created to check it.
 */
export function sealLine(record: Record<string, unknown>, prev: string): { line: string; hash: string } {
  if (!HASH.test(prev)) throw new Error(`audit chain: prev must be a sha256 hex digest, got ${JSON.stringify(prev)}`);
  if ("prev" in record || "hash" in record) throw new Error("audit chain: a record must not carry its own prev or hash");
  const body = JSON.stringify({ ...record, prev });
  const hash = sha256(body);
  return { line: `${body.slice(0, -1)},"hash":"${hash}"}`, hash };
}

export type OpenedLine =
  | { ok: true; record: Record<string, unknown>; prev: string; hash: string }
  | { ok: false; reason: string };

/** Checks one line on its own: well-formed, sealed, and its content matches its hash. */
export function openLine(line: string): OpenedLine {
  const seal = SEAL.exec(line);
  if (!seal) return { ok: false, reason: line.trim() === "" ? "blank line" : "no hash seal at the end of the line (not written by the audit log, or cut off)" };
  const body = `${line.slice(0, seal.index)}}`;
  let record: unknown;
  try {
    record = JSON.parse(body);
  } catch {
    return { ok: false, reason: "not valid JSON" };
  }
  if (!record || typeof record !== "object" || Array.isArray(record)) return { ok: false, reason: "not a JSON object" };
  const prev = (record as Record<string, unknown>).prev;
  if (typeof prev !== "string" || !HASH.test(prev)) return { ok: false, reason: "no valid prev hash" };
  if (sha256(body) !== seal[1]) return { ok: false, reason: "its content does not match its hash (the line was edited)" };
  const { prev: _prev, ...rest } = record as Record<string, unknown>;
  return { ok: true, record: rest, prev, hash: seal[1]! };
}

export interface ChainProblem {
  /** 1-based line number in the file. */
  line: number;
  reason: string;
}

export interface ChainSummary {
  /** Complete lines checked. */
  lines: number;
  /** Hash of the last line (GENESIS for an empty file): the next line's prev. */
  head: string;
  /** When the file continues another chain: the hash its first line links to. */
  continuesFrom?: string;
}

export type ChainVerdict = ({ ok: true } & ChainSummary) | ({ ok: false } & ChainSummary & ChainProblem);

export interface VerifyOptions {
  /**
   * The head of the file this one continues (the previous rotated file's last hash). When set,
   * the first line must be an audit-rotate record linking to it.
   */
  after?: string;
}

/** Verifies the text of one audit file; stops at the first bad line. */
export function verifyChain(text: string, options: VerifyOptions = {}): ChainVerdict {
  const lines = text.split("\n");
  const complete = text.endsWith("\n") || text === "";
  if (complete) lines.pop();
  let head = GENESIS;
  let continuesFrom: string | undefined;
  const fail = (index: number, reason: string): ChainVerdict => ({ ok: false, lines: index, head, continuesFrom, line: index + 1, reason });

  for (const [index, line] of lines.entries()) {
    const last = index === lines.length - 1;
    if (last && !complete) return fail(index, "incomplete line: the file ends in the middle of it (truncated, or the writer stopped mid-line)");
    const opened = openLine(line);
    if (!opened.ok) return fail(index, opened.reason);
    const rotate = opened.record.kind === ROTATE_KIND;
    if (index === 0) {
      if (options.after !== undefined) {
        if (!rotate) return fail(index, "the file should start with an audit-rotate record linking it to the previous file");
        if (opened.prev !== options.after) return fail(index, "it does not link to the previous file's last line (lines were removed from the end of that file, or the files are out of order)");
        continuesFrom = opened.prev;
      } else if (rotate) {
        continuesFrom = opened.prev;
      } else if (opened.prev !== GENESIS) {
        return fail(index, "the first line does not start a chain (lines were removed from the start of the file)");
      }
    } else {
      if (rotate) return fail(index, "an audit-rotate record in the middle of a file");
      if (opened.prev !== head) return fail(index, `it does not link to line ${index} (line ${index} was edited, or lines were removed or reordered before this one)`);
    }
    head = opened.hash;
  }
  return { ok: true, lines: lines.length, head, continuesFrom };
}

/**
 * The hash to continue a file's chain from, given its last line (as found at start-up), or
 * undefined when that line is not a sealed audit line.
 */
export function headOf(lastLine: string): string | undefined {
  const opened = openLine(lastLine);
  return opened.ok ? opened.hash : undefined;
}
