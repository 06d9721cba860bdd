// Contract for resources/<family>.ts: each exports a `register` function that adds its resources
// (and templates) to a session's McpServer. resources/index.ts lists them with the toolset they
// belong to, so a session registers only the families its toolsets (server and token) allow.
import type { CacheHint, McpServer } from "@modelcontextprotocol/server";
import type { Config } from "../config-types.js";
import type { CommandTreeData } from "../backends/command-tree-types.js";
import type { AuditEntry } from "../audit/audit.js";
import type { Role } from "./roles.js";
import type { Caller, CliBinary, Toolset } from "./tool-spec.js";

export interface ResourceDeps {
  config: Config;
  caller: Caller;
  /** The session's effective role (what it may see, e.g. other callers' audit entries). */
  effectiveRole: Role;
  commandTree(binary: CliBinary): Promise<CommandTreeData | undefined>;
  /** The most recent audit entries of this server (newest last). */
  recentAudit(limit?: number): AuditEntry[];
  /** Set in --sim mode: the simulated nodes and their event record. */
  sim?: SimView;
}

export interface SimView {
  nodes: { name: string; address: string; role: string }[];
  events(): unknown[];
}

export type RegisterResources = (server: McpServer, deps: ResourceDeps) => void;

export interface ResourceFamily {
  /** The toolset the family belongs to; a session without it does not see the family. Undefined: every session. */
  toolset?: Toolset;
  register: RegisterResources;
}

/**
 * MCP 2026-07-28 caching hint for resources whose content is the same for every caller and changes
 * only with the server or the docs (rules, docs pages): clients may keep them an hour. Resources
 * without a hint (audit, simulator state) are sent with ttlMs 0, private.
 */
export const SHARED_FOR_AN_HOUR: CacheHint = { ttlMs: 3_600_000, cacheScope: "public" };
