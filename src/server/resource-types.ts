// Contract for resources/<family>.ts: each exports a `register` function that adds its resources
// (and templates) to a session's McpServer. resources/index.ts lists them.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Config } from "../config-types.js";
import type { CommandTreeData } from "../backends/command-tree-types.js";
import type { Caller, CliBinary } from "./tool-spec.js";

export interface ResourceDeps {
  config: Config;
  caller: Caller;
  commandTree(binary: CliBinary): Promise<CommandTreeData | undefined>;
  /** The most recent audit entries of this server (newest last). */
  recentAudit(limit?: number): unknown[];
  /** Set in --sim mode: the simulated nodes and their event record. */
  sim?: SimView;
}

export interface SimView {
  nodes: { name: string; address: string; role: string }[];
  events(): unknown[];
}

export type RegisterResources = (server: McpServer, deps: ResourceDeps) => void;
