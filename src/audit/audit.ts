// The audit log: one JSONL line per tool call (who, what, redacted arguments, decision with rule
// ids, argv, exit codes, duration), written synchronously to the configured file — never to
// stdout, which belongs to the stdio transport — plus a ring of recent entries for resources and
// tests. Everything is redacted before it is written.
//
// The file is a hash chain (src/audit/chain.ts): each line carries the hash of the line before.
// The chain continues across restarts (the last line's hash is read at start), across rotation
// by size (the new file starts with an audit-rotate record linking to the old file's last line)
// and across an outside tool truncating or moving the file. One writer per file per process, and
// every line is written with one synchronous call, so concurrent calls cannot interleave or fork it.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, existsSync, writeSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { redactLines, redactText, redactValue } from "../exec/redact.js";
import { GENESIS, headOf, RECOVER_KIND, ROTATE_KIND, sealLine } from "./chain.js";

export interface AuditEntry {
  time: string;
  transport: string;
  caller: string;
  tool: string;
  args: unknown;
  decision: "allowed" | "denied" | "consent-refused" | "error";
  rules: string[];
  argv: string[][];
  exitCodes: number[];
  durationMs: number;
  message?: string;
  sessionId?: string;
  /** The JSON-RPC id of the tools/call request, so a harness can join the line to its transcript. */
  requestId?: string | number;
}

export interface AuditLog {
  record(entry: AuditEntry): void;
  recent(limit?: number): AuditEntry[];
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface AuditLogOptions {
  file?: string;
  ringSize?: number;
  /** Rotate the file before a line would take it past this many bytes (0 = never). */
  rotateBytes?: number;
}

/** Default size at which the audit file is rotated. */
export const DEFAULT_AUDIT_ROTATE_BYTES = 64 * 1024 * 1024;

/**
 * Strings in logged arguments and messages are cut to this length: the arguments of a call that
 * failed validation are logged as they came, and a 1 MB string must not make a 1 MB audit line.
 */
export const AUDIT_STRING_CAP = 4_096;

function capStrings(value: unknown): unknown {
  if (typeof value === "string") {
    return value.length <= AUDIT_STRING_CAP ? value : `${value.slice(0, AUDIT_STRING_CAP)}… (${value.length - AUDIT_STRING_CAP} more characters)`;
  }
  if (Array.isArray(value)) return value.map(capStrings);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) Object.defineProperty(out, key, { value: capStrings(child), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

/** Name for a rotated file: the original name plus the UTC time, so names sort by age. */
function rotatedName(path: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  for (let n = 0; ; n++) {
    const candidate = `${path}.${stamp}${n ? `-${n}` : ""}`;
    if (!existsSync(candidate)) return candidate;
  }
}

/** The last `count` newline-separated segments of the open file (the last may be partial). */
function readTail(fd: number, size: number, count: number): string[] {
  const chunk = 64 * 1024;
  let end = size;
  let buffers: Buffer[] = [];
  let newlines = 0;
  while (end > 0 && newlines <= count) {
    const start = Math.max(0, end - chunk);
    const buffer = Buffer.alloc(end - start);
    readSync(fd, buffer, 0, buffer.length, start);
    for (const byte of buffer) if (byte === 0x0a) newlines++;
    buffers = [buffer, ...buffers];
    end = start;
  }
  const segments = Buffer.concat(buffers).toString("utf8").split("\n");
  while (segments.length < count) segments.unshift("");
  return segments.slice(-count);
}

class ChainedFile {
  private fd = -1;
  private ino = 0;
  private size = 0;
  private head = GENESIS;

  constructor(
    readonly path: string,
    private readonly rotateBytes: number,
  ) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.open();
  }

  /** Opens (or reopens) the path and finds where its chain stands. */
  private open(): void {
    this.fd = openSync(this.path, "a+", 0o600);
    const stat = fstatSync(this.fd);
    this.ino = stat.ino;
    this.size = stat.size;
    this.resume();
  }

  /** Continues the chain from the file's last line; repairs a cut-off last line; sets aside an old, unchained log. */
  private resume(): void {
    if (this.size === 0) return;
    const [beforeLast, last] = readTail(this.fd, this.size, 2) as [string, string];
    if (last === "") {
      const head = headOf(beforeLast);
      if (head) {
        this.head = head;
        return;
      }
      // A log from before the chain (or not ours): keep it, under a rotated name, and start afresh.
      closeSync(this.fd);
      renameSync(this.path, rotatedName(this.path, new Date()));
      this.head = GENESIS;
      this.open();
      return;
    }
    // The writer stopped in the middle of a line (killed during a large write). Finish that line so
    // the next one starts cleanly, and record the recovery, linked to the last complete line.
    this.head = headOf(beforeLast) ?? GENESIS;
    this.write(Buffer.from("\n"));
    this.append({ kind: RECOVER_KIND, time: new Date().toISOString(), reason: "the previous line is incomplete: the server stopped while writing it", incompleteBytes: Buffer.byteLength(last) });
  }

  /** Someone else rotated, truncated, moved or appended to the file since our last line. */
  private followOutsideChanges(): void {
    let stat: ReturnType<typeof statSync> | undefined;
    try {
      stat = statSync(this.path);
    } catch {
      stat = undefined;
    }
    if (stat && stat.ino === this.ino && stat.size === this.size) return;
    const previousHead = this.head;
    if (!stat || stat.ino !== this.ino) {
      closeSync(this.fd);
      this.open();
    } else {
      this.size = stat.size;
      if (this.size > 0) this.resume();
    }
    if (this.size === 0) this.writeRecord({ kind: ROTATE_KIND, time: new Date().toISOString(), reason: "external", previous: "unknown" }, previousHead);
  }

  private rotate(): void {
    const now = new Date();
    const target = rotatedName(this.path, now);
    closeSync(this.fd);
    renameSync(this.path, target);
    const previousHead = this.head;
    this.open();
    this.writeRecord({ kind: ROTATE_KIND, time: now.toISOString(), reason: "size", previous: basename(target) }, previousHead);
  }

  private write(bytes: Buffer): void {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset, bytes.length - offset);
    this.size += bytes.length;
  }

  private writeRecord(record: Record<string, unknown>, prev: string): void {
    const { line, hash } = sealLine(record, prev);
    this.write(Buffer.from(`${line}\n`, "utf8"));
    this.head = hash;
  }

  append(record: Record<string, unknown>): void {
    this.followOutsideChanges();
    const length = Buffer.byteLength(sealLine(record, this.head).line) + 1;
    if (this.rotateBytes > 0 && this.size > 0 && this.size + length > this.rotateBytes) this.rotate();
    this.writeRecord(record, this.head);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** One ChainedFile per path in this process, shared by every AuditLog that writes there. */
const openFiles = new Map<string, { file: ChainedFile; users: number }>();

function acquire(path: string, rotateBytes: number): ChainedFile {
  const key = resolve(path);
  const found = openFiles.get(key);
  if (found) {
    found.users++;
    return found.file;
  }
  const file = new ChainedFile(key, rotateBytes);
  openFiles.set(key, { file, users: 1 });
  return file;
}

function release(file: ChainedFile): void {
  const found = openFiles.get(file.path);
  if (!found || found.file !== file) return;
  if (--found.users === 0) {
    openFiles.delete(file.path);
    file.close();
  }
}

export function createAuditLog(options: AuditLogOptions): AuditLog {
  const ringSize = options.ringSize ?? 200;
  const ring: AuditEntry[] = [];
  let file = options.file ? acquire(options.file, options.rotateBytes ?? DEFAULT_AUDIT_ROTATE_BYTES) : undefined;
  return {
    record(entry) {
      const safe: AuditEntry = {
        ...entry,
        args: capStrings(redactValue(entry.args)),
        argv: entry.argv.map(redactLines),
        message: entry.message === undefined ? undefined : (capStrings(redactText(entry.message)) as string),
      };
      ring.push(safe);
      if (ring.length > ringSize) ring.shift();
      file?.append({ kind: "audit", ...safe });
    },
    recent(limit = ringSize) {
      return ring.slice(-limit);
    },
    async flush() {
      // Lines are written synchronously: nothing is buffered.
    },
    async close() {
      if (file) release(file);
      file = undefined;
    },
  };
}
