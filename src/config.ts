// Flags + environment + optional YAML config file → one frozen Config. Flags win over the file,
// the file over defaults. Unknown flags, unknown config keys and unknown tool or toolset names
// fail start-up with a message that names them: a typo must never silently widen or narrow what
// an agent may do.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { yaml } from "./lazy-yaml.js";
import { z } from "zod";
import { CONSENT_MODES, STATE_BACKENDS, type Config, type StateBackendKind } from "./config-types.js";
import { DEFAULT_AUDIT_ROTATE_BYTES } from "./audit/audit.js";
import { DEFAULT_FACTORY_URL } from "./factory/client.js";
import { ROLES } from "./server/roles.js";
import { TOOLSETS, type Toolset } from "./server/tool-spec.js";

export type { Config } from "./config-types.js";

export const DEFAULT_DOCS_URL = "https://docs.siderolabs.com/mcp";

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Every `serve` flag: name → [type, help]. Also the source of `--help` and of config-file keys. */
export const SERVE_FLAGS = {
  transport: ["string", "stdio (default) or http"],
  workspace: ["string", "directory for generated configs, backups, kubeconfigs (default ./talos-workspace)"],
  "state-dir": ["string", "server state: bootstrap ledger, caches (default $XDG_STATE_HOME/talos-mcp)"],
  state: ["string", "shared state: file (default: the state dir) | kubernetes (Leases and objects in a namespace; several replicas)"],
  "state-kubeconfig": ["string", "--state kubernetes: kubeconfig file (default: the pod's service account)"],
  "state-namespace": ["string", "--state kubernetes: namespace of the state objects (default: the kubeconfig context's, else the pod's)"],
  role: ["string", "role ceiling: reader | operator | admin (default: the talosconfig credential's role)"],
  "read-only": ["boolean", "list and run read tools only (always wins)"],
  toolsets: ["string", `comma list of toolsets to enable (${TOOLSETS.join(", ")})`],
  tools: ["string", "comma list of tools to enable (others are hidden)"],
  "disable-tools": ["string", "comma list of tools to hide"],
  "audit-log": ["string", "JSONL audit log file (one line per call)"],
  talosconfig: ["string", "talosconfig file (default: $TALOSCONFIG, then ~/.talos/config)"],
  context: ["string", "talosconfig context live tools use (default: its current context)"],
  omniconfig: ["string", "omniconfig file (default: $OMNICONFIG, then ~/.talos/omni/config)"],
  consent: [
    "string",
    "elicit | approve | plan | deny: who confirms changes (default: elicit over stdio — the client asks its user, else a person approves on the approval page or with `talos-mcp approve`; approve over HTTP — always a person, out of band; plan — the agent approves its own plans, for CI and eval harnesses only); auto only with --sim",
  ],
  "allow-unconfirmed-destructive": ["boolean", "with --consent plan: let the agent approve its own destructive plans (with the typed value)"],
  sim: ["string", "run against the built-in simulated cluster (scenario name or YAML file)"],
  docs: ["string", "docs search: live | offline | auto (default auto)"],
  "docs-url": ["string", "docs MCP endpoint URL"],
  "docs-index": ["string", "offline docs index file (from `talos-mcp docs index`)"],
  "factory-url": ["string", "Image Factory base URL (self-hosted factories)"],
  host: ["string", "HTTP bind address (default 127.0.0.1)"],
  port: ["string", "HTTP port (default 8080; 0 = any free port)"],
  tokens: ["string", "bearer tokens file for HTTP (required off loopback, unless --tokens-secret)"],
  "tokens-secret": ["string", "--state kubernetes: a Secret (key tokens.yaml) in the state namespace holding the tokens; revocations reach every replica within seconds"],
  "insecure-no-auth": ["boolean", "HTTP without tokens (loopback only)"],
  "allowed-hosts": ["string", "comma list of extra Host header values accepted over HTTP"],
  "allowed-origins": ["string", "comma list of browser Origins accepted over HTTP (default none)"],
  "log-level": ["string", "stderr log level (default info)"],
  config: ["string", "YAML config file; flags win over it"],
  help: ["boolean", "show this help"],
  version: ["boolean", "print the version"],
} as const satisfies Record<string, readonly ["string" | "boolean", string]>;

type FlagName = keyof typeof SERVE_FLAGS;
export type ParsedFlags = Partial<Record<FlagName, string | boolean>>;

/** Parses `serve` argv strictly: unknown flags and stray positionals are errors naming them. */
export function parseServeFlags(argv: string[]): ParsedFlags {
  const options = Object.fromEntries(
    Object.entries(SERVE_FLAGS).map(([name, [type]]) => [name, { type }]),
  ) as Record<FlagName, { type: "string" | "boolean" }>;
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new ConfigError(`unexpected argument '${positionals[0]}' (see talos-mcp --help)`);
    return values as ParsedFlags;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${(error as Error).message.replace(/\.$/, "")} (see talos-mcp --help)`);
  }
}

const KUBERNETES_NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The config file's schema: the flags in camelCase plus settings that only make sense in a file.
 * Built when a config file is read, not at import: a server started with flags only never needs it.
 */
function buildFileSchema() {
  const csv = z.array(z.string().min(1));
  const httpFileSchema = z
    .object({
      host: z.string(),
      port: z.number().int().min(0).max(65535),
      tokens: z.string(),
      tokensSecret: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "must be a Secret name"),
      insecureNoAuth: z.boolean(),
      allowedHosts: csv,
      allowedOrigins: csv,
      bodyLimit: z.number().int().positive(),
      rateLimitPerMinute: z.number().int().positive(),
      rateLimitBurst: z.number().int().positive(),
      maxConcurrentCalls: z.number().int().positive(),
      maxSessions: z.number().int().positive(),
      maxSessionsPerToken: z.number().int().positive(),
      sessionIdleMs: z.number().int().positive(),
      requestTimeoutMs: z.number().int().positive(),
      shutdownGraceMs: z.number().int().nonnegative(),
      publicUrl: z.string().url(),
    })
    .partial()
    .strict();

  return z
    .object({
      transport: z.enum(["stdio", "http"]),
      workspace: z.string(),
      stateDir: z.string(),
      state: z.enum(STATE_BACKENDS as [string, ...string[]]),
      stateKubernetes: z.object({ kubeconfig: z.string(), namespace: z.string().regex(KUBERNETES_NAMESPACE, "must be a Kubernetes namespace name (lowercase letters, digits, '-')") }).partial().strict(),
      lockLeaseSeconds: z.number().int().min(2).max(3600),
      lockWaitMs: z.number().int().nonnegative(),
      role: z.enum(ROLES),
      readOnly: z.boolean(),
      toolsets: csv,
      tools: csv,
      disableTools: csv,
      auditLog: z.string(),
      auditRotateBytes: z.number().int().nonnegative(),
      talosconfig: z.string(),
      context: z.string(),
      allowedContexts: csv,
      omniconfig: z.string(),
      omniServiceAccountKeyFile: z.string(),
      omniCaFile: z.string(),
      omniBreakGlass: z.boolean(),
      consent: z.enum(CONSENT_MODES as [string, ...string[]]),
      allowUnconfirmedDestructive: z.boolean(),
      consentTimeoutMs: z.number().int().positive(),
      planTtlMs: z.number().int().positive(),
      allowReveal: z.boolean(),
      sim: z.string(),
      docs: z.object({ mode: z.enum(["live", "offline", "auto"]), url: z.string().url(), index: z.string() }).partial().strict(),
      factoryUrl: z.string().url(),
      kernelArgHosts: z.array(z.string().min(1).max(253)),
      commandTimeoutMs: z.number().int().positive(),
      outputCapBytes: z.number().int().positive(),
      http: httpFileSchema,
      logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    })
    .partial()
    .strict();
}

let fileSchema: ReturnType<typeof buildFileSchema> | undefined;

export type FileConfig = z.infer<ReturnType<typeof buildFileSchema>>;

/** Reads and validates a YAML config file; every problem names its key. */
export function readConfigFile(path: string): FileConfig {
  let raw: unknown;
  try {
    const text = readFileSync(path, "utf8");
    raw = yaml().parse(text) ?? {};
  } catch (error) {
    throw new ConfigError(`config file ${path}: ${(error as Error).message}`);
  }
  const parsed = (fileSchema ??= buildFileSchema()).safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      if (issue.code === "unrecognized_keys") {
        const where = issue.path.length ? `${issue.path.join(".")}.` : "";
        return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${where}${k}'`).join(", ")}`;
      }
      return `'${issue.path.join(".")}': ${issue.message}`;
    });
    throw new ConfigError(`config file ${path}: ${problems.join("; ")}`);
  }
  return parsed.data;
}

function splitList(value: string | boolean | undefined): string[] | undefined {
  if (typeof value !== "string") return undefined;
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** The state directory when none is configured: $TALOS_MCP_STATE_DIR, else $XDG_STATE_HOME/talos-mcp. */
export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  if (env.TALOS_MCP_STATE_DIR) return env.TALOS_MCP_STATE_DIR;
  const base = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(homedir(), ".local", "state");
  return join(base, "talos-mcp");
}

function pick<T>(flag: T | undefined, file: T | undefined, fallback: T): T {
  return flag !== undefined ? flag : file !== undefined ? file : fallback;
}

function oneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`--${field} '${value}' is not one of: ${allowed.join(", ")}`);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port '${value}' is not a port number (0-65535)`);
  return port;
}

export interface BuildConfigInput {
  flags: ParsedFlags;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Names the registry knows, to reject typos in --tools / --disable-tools. */
  knownTools: readonly string[];
}

export function buildConfig({ flags, env, cwd, knownTools }: BuildConfigInput): Config {
  const file: FileConfig = typeof flags.config === "string" ? readConfigFile(resolve(cwd, flags.config)) : {};
  const str = (name: FlagName) => (typeof flags[name] === "string" ? (flags[name] as string) : undefined);
  const bool = (name: FlagName) => (flags[name] === true ? true : undefined);
  const path = (value: string | undefined) => (value === undefined ? undefined : resolve(cwd, value));

  const toolsets = splitList(flags.toolsets) ?? file.toolsets;
  for (const name of toolsets ?? []) {
    if (!(TOOLSETS as readonly string[]).includes(name)) throw new ConfigError(`unknown toolset '${name}' (known: ${TOOLSETS.join(", ")})`);
  }
  const tools = splitList(flags.tools) ?? file.tools;
  const disableTools = splitList(flags["disable-tools"]) ?? file.disableTools ?? [];
  for (const [field, names] of [["tools", tools ?? []], ["disable-tools", disableTools]] as const) {
    for (const name of names) {
      if (!knownTools.includes(name)) throw new ConfigError(`--${field}: unknown tool '${name}' (known: ${knownTools.join(", ")})`);
    }
  }

  const stateBackend = str("state") !== undefined ? oneOf("state", str("state")!, STATE_BACKENDS) : (file.state as StateBackendKind | undefined);
  const stateNamespace = str("state-namespace") ?? file.stateKubernetes?.namespace;
  if (stateNamespace !== undefined && !KUBERNETES_NAMESPACE.test(stateNamespace)) {
    throw new ConfigError(`--state-namespace '${stateNamespace}' is not a Kubernetes namespace name (lowercase letters, digits, '-')`);
  }
  const stateKubeconfig = path(str("state-kubeconfig") ?? file.stateKubernetes?.kubeconfig);
  if ((stateBackend ?? "file") === "file" && (stateNamespace !== undefined || stateKubeconfig !== undefined)) {
    throw new ConfigError("--state-kubeconfig and --state-namespace only apply with --state kubernetes");
  }
  const role = str("role") !== undefined ? oneOf("role", str("role")!, ROLES) : file.role;
  const consent = str("consent") !== undefined ? oneOf("consent", str("consent")!, CONSENT_MODES) : (file.consent as Config["consent"] | undefined);
  const sim = str("sim") ?? file.sim;
  if (consent === "auto" && sim === undefined) {
    throw new ConfigError("--consent auto is only allowed with --sim (never against a real cluster)");
  }
  const docsMode = str("docs") !== undefined ? oneOf("docs", str("docs")!, ["live", "offline", "auto"] as const) : file.docs?.mode;
  const transport = str("transport") !== undefined ? oneOf("transport", str("transport")!, ["stdio", "http"] as const) : file.transport;
  const logLevel =
    str("log-level") !== undefined
      ? oneOf("log-level", str("log-level")!, ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const)
      : file.logLevel;

  const fh = file.http ?? {};
  const config: Config = {
    transport: transport ?? "stdio",
    workspace: resolve(cwd, pick(str("workspace"), file.workspace, "talos-workspace")),
    stateDir: resolve(cwd, pick(str("state-dir"), file.stateDir, defaultStateDir(env))),
    state: {
      backend: stateBackend ?? "file",
      kubeconfig: stateKubeconfig,
      namespace: stateNamespace,
      leaseSeconds: file.lockLeaseSeconds ?? 15,
      lockWaitMs: file.lockWaitMs ?? 60_000,
    },
    role: role ?? "admin",
    readOnly: pick(bool("read-only"), file.readOnly, false),
    toolsets: toolsets as Toolset[] | undefined,
    tools,
    disableTools,
    auditLog: path(str("audit-log") ?? file.auditLog),
    auditRotateBytes: file.auditRotateBytes ?? DEFAULT_AUDIT_ROTATE_BYTES,
    talosconfig: path(str("talosconfig") ?? file.talosconfig),
    context: str("context") ?? file.context,
    allowedContexts: file.allowedContexts,
    omniconfig: path(str("omniconfig") ?? file.omniconfig),
    omniServiceAccountKeyFile: path(file.omniServiceAccountKeyFile),
    omniCaFile: path(file.omniCaFile),
    omniBreakGlass: file.omniBreakGlass ?? false,
    // Over HTTP the client's user may be a program answering elicitation itself: a person approves out of band.
    consent: consent ?? ((transport ?? "stdio") === "http" ? "approve" : "elicit"),
    consentTimeoutMs: file.consentTimeoutMs ?? 120_000,
    planTtlMs: file.planTtlMs ?? 15 * 60_000,
    allowUnconfirmedDestructive: pick(bool("allow-unconfirmed-destructive"), file.allowUnconfirmedDestructive, false),
    allowReveal: file.allowReveal ?? false,
    sim,
    docs: {
      mode: docsMode ?? "auto",
      url: pick(str("docs-url"), file.docs?.url, DEFAULT_DOCS_URL),
      index: path(str("docs-index") ?? file.docs?.index),
    },
    factoryUrl: pick(str("factory-url"), file.factoryUrl, DEFAULT_FACTORY_URL),
    kernelArgHosts: file.kernelArgHosts ?? [],
    commandTimeoutMs: file.commandTimeoutMs ?? 120_000,
    outputCapBytes: file.outputCapBytes ?? 1_000_000,
    binaries: { talosctl: env.TALOSCTL || undefined, omnictl: env.OMNICTL || undefined },
    http: {
      host: pick(str("host"), fh.host, "127.0.0.1"),
      port: str("port") !== undefined ? parsePort(str("port")!) : (fh.port ?? 8080),
      tokensFile: path(str("tokens") ?? fh.tokens),
      tokensSecret: str("tokens-secret") ?? fh.tokensSecret,
      insecureNoAuth: pick(bool("insecure-no-auth"), fh.insecureNoAuth, false),
      allowedHosts: splitList(flags["allowed-hosts"]) ?? fh.allowedHosts ?? [],
      allowedOrigins: splitList(flags["allowed-origins"]) ?? fh.allowedOrigins ?? [],
      bodyLimit: fh.bodyLimit ?? 1_048_576,
      rateLimitPerMinute: fh.rateLimitPerMinute ?? 120,
      // From test/reliability/load-http.test.ts: a client's burst of 200 calls goes through.
      rateLimitBurst: fh.rateLimitBurst ?? 240,
      maxConcurrentCalls: fh.maxConcurrentCalls ?? 4,
      maxSessions: fh.maxSessions ?? 64,
      maxSessionsPerToken: fh.maxSessionsPerToken ?? 8,
      sessionIdleMs: fh.sessionIdleMs ?? 30 * 60_000,
      requestTimeoutMs: fh.requestTimeoutMs ?? 30 * 60_000,
      shutdownGraceMs: fh.shutdownGraceMs ?? 10_000,
      publicUrl: fh.publicUrl,
    },
    logLevel: logLevel ?? "info",
  };
  for (const url of [config.docs.url, config.factoryUrl]) {
    if (!/^https?:\/\//.test(url)) throw new ConfigError(`'${url}' is not an http(s) URL (--docs-url / --factory-url)`);
  }
  // Over stdio, stdout is the protocol: an audit line there would corrupt it.
  if (config.transport === "stdio" && config.auditLog !== undefined && ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"].includes(config.auditLog)) {
    throw new ConfigError(`--audit-log ${config.auditLog} is only allowed with --transport http: over stdio, stdout carries the MCP protocol`);
  }
  if (config.http.tokensSecret !== undefined) {
    if (config.state.backend !== "kubernetes") throw new ConfigError("--tokens-secret needs --state kubernetes (the Secret is read with the state backend's credentials)");
    if (config.http.tokensFile !== undefined) throw new ConfigError("give either --tokens or --tokens-secret, not both");
    if (config.transport !== "http") throw new ConfigError("--tokens-secret only applies with --transport http");
  }
  // Pending plans and people's decisions live in the state directory: no tool may write there.
  if (overlaps(config.workspace, config.stateDir)) {
    throw new ConfigError(`the state directory (${config.stateDir}) and the workspace (${config.workspace}) must not contain one another: tools write in the workspace, approvals live in the state directory`);
  }
  return deepFreeze(config);
}

function overlaps(a: string, b: string): boolean {
  const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : `${outer}${sep}`);
  return within(a, b) || within(b, a);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export function serveHelp(): string {
  const lines = Object.entries(SERVE_FLAGS).map(([name, [type, help]]) => {
    const left = `  --${name}${type === "string" ? " VALUE" : ""}`;
    return `${left.padEnd(38)}${help}`;
  });
  return lines.join("\n");
}
