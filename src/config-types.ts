// The one frozen configuration every module reads. Built by src/config.ts from flags, environment
// and an optional YAML file (flags win); unknown keys and names fail start-up there.
import type { Role } from "./server/roles.js";
import type { Toolset } from "./server/tool-spec.js";

export type ConsentMode = "elicit" | "approve" | "plan" | "deny" | "auto";
export const CONSENT_MODES: readonly ConsentMode[] = ["elicit", "approve", "plan", "deny", "auto"];
export type StateBackendKind = "file" | "kubernetes";
export const STATE_BACKENDS: readonly StateBackendKind[] = ["file", "kubernetes"];
export type DocsMode = "live" | "offline" | "auto";

export interface HttpConfig {
  host: string;
  port: number;
  /** Bearer tokens file (YAML/JSON); required off loopback (or tokensSecret). */
  tokensFile?: string;
  /** With the kubernetes state backend: a Secret (key tokens.yaml) the tokens are read from, every 2 s. */
  tokensSecret?: string;
  /** Only honoured on a loopback bind. */
  insecureNoAuth: boolean;
  /** Extra Host header values accepted (bind address and localhost forms are always accepted). */
  allowedHosts: string[];
  /** Origins accepted; a present Origin not listed gets 403. Empty = no browser origins. */
  allowedOrigins: string[];
  /** Bytes. */
  bodyLimit: number;
  /** Tool calls per minute per token, sustained (protocol traffic is not counted). */
  rateLimitPerMinute: number;
  /** Tool calls per token that may come at once after a quiet time. */
  rateLimitBurst: number;
  /** Concurrent tool calls per token. */
  maxConcurrentCalls: number;
  maxSessions: number;
  /** Open sessions per token, across /mcp and /sse. */
  maxSessionsPerToken: number;
  /** Idle session expiry, ms. */
  sessionIdleMs: number;
  /** Per-request timeout, ms. */
  requestTimeoutMs: number;
  /** Deadline for running calls on SIGTERM, ms. */
  shutdownGraceMs: number;
  /** The server's URL as people's browsers reach it (approval page links), e.g. behind a TLS proxy. */
  publicUrl?: string;
}

export interface StateConfig {
  /** file: the state directory (default); kubernetes: Leases, ConfigMaps and Secrets in one namespace. */
  backend: StateBackendKind;
  /** kubernetes: a kubeconfig file; unset = the pod's service account (in-cluster). */
  kubeconfig?: string;
  /** kubernetes: the namespace of the state objects; unset = the pod's, else "default". */
  namespace?: string;
  /** A cluster's mutation lock expires this long after its holder stopped renewing it, seconds. */
  leaseSeconds: number;
  /** How long a mutation waits for another one on the same cluster, ms. */
  lockWaitMs: number;
}

export interface Config {
  transport: "stdio" | "http";
  /** Absolute path; every model-supplied path must resolve inside it. */
  workspace: string;
  /** Absolute path for server state: bootstrap ledger, caches, docs index default. */
  stateDir: string;
  /** Where shared state lives: ledgers, plans and approvals, mutation locks (docs/replicas.md). */
  state: StateConfig;
  /** Role ceiling configured by the operator. */
  role: Role;
  readOnly: boolean;
  /** Narrowing filters; undefined = no filter. Names are validated at start-up. */
  toolsets?: Toolset[];
  tools?: string[];
  disableTools: string[];
  auditLog?: string;
  /** Rotate the audit log before it grows past this many bytes (0 = never). */
  auditRotateBytes: number;
  /** Talos client configuration. */
  talosconfig?: string;
  context?: string;
  /** Contexts of the talosconfig that live tools may target; undefined = the current one only. */
  allowedContexts?: string[];
  omniconfig?: string;
  /** Path of a file holding an Omni service-account key (else the environment). */
  omniServiceAccountKeyFile?: string;
  /** PEM bundle of the CA that signs the Omni endpoint's certificate (self-hosted Omni, the simulator). */
  omniCaFile?: string;
  /** omni-talosconfig may pass --break-glass. */
  omniBreakGlass: boolean;
  /**
   * How mutations are confirmed: elicit (the client asks its user; else a person approves out of
   * band), approve (always a person out of band), plan (the agent approves its own plans), deny,
   * auto (simulator only).
   */
  consent: ConsentMode;
  /** How long a call waits for an elicitation answer or a person's decision, ms. */
  consentTimeoutMs: number;
  /** How long a plan waits to be approved and used, ms. */
  planTtlMs: number;
  /** With --consent plan: lets the agent approve its own destructive plans (with the typed value). */
  allowUnconfirmedDestructive: boolean;
  /** `get` may return Sensitive resources unredacted to admins who pass reveal: true. */
  allowReveal: boolean;
  /** Scenario name or file when running against the simulator. */
  sim?: string;
  docs: { mode: DocsMode; url: string; index?: string };
  factoryUrl: string;
  /** Hosts that kernel arguments of custom images may point at (talos.config=, siderolink.api=, …), besides the configured Omni. */
  kernelArgHosts: string[];
  /** Default child timeout, ms. */
  commandTimeoutMs: number;
  /** Cap on stdout/stderr kept from a child, bytes. */
  outputCapBytes: number;
  /** Explicit binary paths from TALOSCTL / OMNICTL. */
  binaries: { talosctl?: string; omnictl?: string };
  http: HttpConfig;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}
