// The contract between a tool file (tools/<name>.ts: *what* it does) and the guarded wrapper
// (src/server/guard.ts: *how* every call is validated, judged, consented, run, redacted and
// audited). A tool never imports execa, the policy engine or the audit log: it gets capabilities
// through ToolContext, so every child process and every file write passes the same checks.
import type { z } from "zod";
import type { RuleId } from "../policy/rule-ids.js";
import type { RequiredRole, Role } from "./roles.js";
import type { Config } from "../config-types.js";
import type { StateBackend } from "../state/backend.js";
import type { CommandTreeData } from "../backends/command-tree-types.js";
import type { ToolError } from "./errors.js";

export const TOOLSETS = ["talos", "etcd", "lifecycle", "omni", "factory", "docs", "policy"] as const;
export type Toolset = (typeof TOOLSETS)[number];

/**
 * How much a tool can change. Drives annotations, consent and read-only filtering:
 * - read: no change anywhere;
 * - local-write: writes files in the workspace only (never a cluster);
 * - mutate: changes a live cluster or Omni, recoverable;
 * - destructive: loses data or a node (reset, teardown) — typed confirmation;
 * - irreversible: cannot be undone or repeated safely (bootstrap, etcd restore).
 */
export type Risk = "read" | "local-write" | "mutate" | "destructive" | "irreversible";

export type CliBinary = "talosctl" | "omnictl";

/** Server-chosen target of a live call; never built from model input directly (argv-guard). */
export interface CliTarget {
  talosconfig?: string;
  context?: string;
  endpoints?: string[];
  nodes?: string[];
  omniconfig?: string;
  /**
   * How the CLI authenticates beyond its config file: omnictl, and talosctl with a SideroV1
   * (Omni-issued) context, need the Omni service-account key in the child's environment, or they
   * wait for a browser login. `refused` says why no key is usable; the runner then throws it
   * before starting the CLI.
   */
  auth?: { env: Record<string, string> } | { refused: ToolError };
}

export interface CliRunOptions {
  /** Target flags the wrapper adds after argv-guard has checked `args`. */
  target?: CliTarget;
  timeoutMs?: number;
  /** Working directory; defaults to the workspace. */
  cwd?: string;
  /** Exit codes that are not failures (default: only 0). */
  okExitCodes?: number[];
}

export interface CliResult {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when stdout or stderr hit the output cap. */
  truncated: boolean;
  durationMs: number;
  /** True when the call was cancelled or timed out. */
  aborted: boolean;
}

export interface CliRunner {
  /**
   * Runs the pinned binary with `args` (checked by argv-guard against the binary's command tree)
   * followed by the target flags. Never a shell. Resolves even on a non-zero exit; inspect
   * `exitCode`, or use `ctx.fail()` to turn the CLI's own message into a tool error.
   */
  run(binary: CliBinary, args: string[], options?: CliRunOptions): Promise<CliResult>;
}

export interface Workspace {
  /** Absolute, realpath-resolved workspace root. */
  readonly root: string;
  /**
   * Resolves a model-supplied path (relative to the workspace, or absolute inside it) and refuses
   * anything outside it, symlink escapes included (rule workspace-paths). `field` names the input
   * field in the error.
   */
  resolve(input: string, field: string): Promise<string>;
  /**
   * Resolves a path a tool will write, refusing one that already exists unless `overwrite` (the
   * error names `field` and the fix).
   */
  resolveOutput(input: string, field: string, overwrite: boolean): Promise<string>;
  /** Writes atomically (temp file + rename) with the given mode (default 0600); creates parents. */
  writeFile(absPath: string, data: string | Uint8Array, mode?: number): Promise<void>;
  /**
   * Writes several files, each atomically; every replacement is checked (rule protected-files)
   * before the first is written, so a refusal leaves all of them as they were.
   */
  writeFiles(files: ReadonlyArray<{ path: string; data: string | Uint8Array; mode?: number }>): Promise<void>;
  /** Creates a directory inside the workspace (0700). */
  mkdir(absPath: string): Promise<void>;
  /**
   * Runs `work` with a fresh private directory inside the workspace (for CLI outputs that are
   * then moved into place atomically) and removes it afterwards, whatever happens.
   */
  withScratchDir<T>(work: (dir: string) => Promise<T>): Promise<T>;
}

export interface Caller {
  transport: "stdio" | "http" | "sse" | "memory";
  /** Token name over HTTP; "local" over stdio. */
  name: string;
  /** The caller's own role (token role over HTTP); the effective ceiling is the min of all. */
  role: Role;
  /** Toolsets this caller may use (a token can be narrowed to some toolsets); undefined = all. */
  toolsets?: Toolset[];
  sessionId?: string;
}

export interface ToolContext {
  readonly config: Config;
  readonly caller: Caller;
  readonly effectiveRole: Role;
  readonly workspace: Workspace;
  readonly cli: CliRunner;
  readonly signal: AbortSignal;
  /** Shared state: the per-cluster ledgers (file or Kubernetes backend). */
  readonly state: Pick<StateBackend, "ledger">;
  /** The pinned binary's command tree (real-commands-only); undefined when the binary is missing. */
  commandTree(binary: CliBinary): Promise<CommandTreeData | undefined>;
  /** Sends a progress notification when the client asked for it (no-op otherwise). */
  progress(message: string, progress?: number, total?: number): Promise<void>;
}

/** What a mutation will do; shown to a person for consent, and what their approval is bound to. */
export interface MutationPlan {
  /** One-line summary, e.g. "Bootstrap etcd on 10.5.0.2 (cluster demo)". */
  summary: string;
  /** Commands that will run, as argv (redacted before display). */
  commands: string[][];
  /** Nodes (or Omni resources) the change targets. */
  targets: string[];
  /** Consequences the user must know: reboot, quorum, data loss. */
  impact: string[];
  /** Dry-run output (e.g. apply-config --dry-run diff, template diff), if any. */
  preview?: string;
  /**
   * What of the preview the approval is bound to, when the dry run prints values that change from
   * one run to the next without the change changing (omnictl's creation times); default: the preview.
   */
  boundPreview?: string;
  /** When set, the user must type this value back (reset: the node name). */
  typedConfirmation?: string;
  /** True when the plan itself found the change destructive (e.g. a template teardown). */
  destructive?: boolean;
}

export interface ToolOutcome<O = Record<string, unknown>> {
  /** Machine-readable result; must match `output` when the tool declares one. */
  structured?: O;
  /** Compact human/model-readable text. Defaults to JSON of `structured`. */
  text?: string;
  /**
   * Asks the guard not to redact this result (get with reveal: true). Honoured only when the
   * operator set allowReveal and the caller is admin; the audit line is redacted regardless.
   */
  reveal?: boolean;
}

export interface ToolSpec<S extends z.ZodObject = z.ZodObject, O extends Record<string, unknown> = Record<string, unknown>> {
  /** kebab-case, stable. */
  name: string;
  title: string;
  description: string;
  toolset: Toolset;
  risk: Risk;
  /** Talos (or Omni) role the call needs; tools above the ceiling are neither listed nor callable. */
  minRole: RequiredRole;
  /** Talks to something beyond the workspace (a cluster, Omni, the factory, the docs site). */
  openWorld: boolean;
  /** Repeating the call with the same input has no further effect. */
  idempotent?: boolean;
  /** Rules this tool is subject to (named in its audit lines and denials). */
  rules: readonly RuleId[];
  /** `z.object({...}).strict()`: unknown fields are rejected, with the field named. */
  input: S;
  /** For reads: the shape of `structuredContent` (the guard checks every result against it). */
  output?: z.ZodObject;
  /**
   * Publish `output` as the tool's outputSchema in tools/list: only for tools whose structured
   * result programs read (graders, CI). Models read the text copy; an unused schema costs tokens
   * on every turn.
   */
  publishOutputSchema?: boolean;
  /**
   * Where the text this tool returns comes from when the server does not control it (node logs,
   * resources nodes report, docs pages, CLI output). Set, the guard marks the result as untrusted
   * data (`_meta`) and frames its text copy, so the model reads it as data, never as instructions.
   */
  untrustedSource?: string;
  /** Child-process timeout for this tool (default from config). */
  timeoutMs?: number;
  /**
   * Checks that need live facts before anything runs (bootstrap-once, quorum, omni-reconcile).
   * Throw `PolicyDenied` to refuse.
   */
  preflight?(input: z.infer<S>, ctx: ToolContext): Promise<void>;
  /** Mutations only: what will happen, for consent. Must not change anything. */
  plan?(input: z.infer<S>, ctx: ToolContext): Promise<MutationPlan>;
  run(input: z.infer<S>, ctx: ToolContext): Promise<ToolOutcome<O>>;
}

/** Any tool spec, for registries. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyToolSpec = ToolSpec<any, any>;

/** Identity helper that keeps a tool file declarative and fully typed. */
export function defineTool<S extends z.ZodObject, O extends Record<string, unknown>>(spec: ToolSpec<S, O>): ToolSpec<S, O> {
  return spec;
}
