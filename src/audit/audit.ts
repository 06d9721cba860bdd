// The audit log: one JSONL line per tool call (who, what, redacted arguments, decision with rule
// ids, argv, exit codes, duration), written synchronously with pino to the configured file — never
// to stdout, which belongs to the stdio transport — plus a ring of recent entries for resources
// and tests. Everything is redacted before it is written.
import { closeSync, openSync } from "node:fs";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { pino, type Logger } from "pino";
import { redactLines, redactText, redactValue } from "../exec/redact.js";

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
}

export interface AuditLog {
  record(entry: AuditEntry): void;
  recent(limit?: number): AuditEntry[];
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createAuditLog(options: { file?: string; ringSize?: number }): AuditLog {
  const ringSize = options.ringSize ?? 200;
  const ring: AuditEntry[] = [];
  let logger: Logger | undefined;
  let destination: ReturnType<typeof pino.destination> | undefined;
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
    closeSync(openSync(options.file, "a", 0o600));
    destination = pino.destination({ dest: options.file, sync: true, append: true });
    logger = pino({ base: null, timestamp: false, formatters: { level: () => ({ kind: "audit" }) } }, destination);
  }
  return {
    record(entry) {
      const safe: AuditEntry = {
        ...entry,
        args: redactValue(entry.args),
        argv: entry.argv.map(redactLines),
        message: entry.message === undefined ? undefined : redactText(entry.message),
      };
      ring.push(safe);
      if (ring.length > ringSize) ring.shift();
      logger?.info(safe);
    },
    recent(limit = ringSize) {
      return ring.slice(-limit);
    },
    async flush() {
      destination?.flushSync();
    },
    async close() {
      destination?.flushSync();
      destination?.end();
    },
  };
}
