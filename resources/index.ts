// Every resource family a session may register (one file per family), with the toolset it belongs
// to: a session registers a family only when its toolsets (server and token) include that toolset.
// The audit resource belongs to every session and filters its entries by caller instead.
import type { ResourceFamily } from "../src/server/resource-types.js";
import { registerAuditResources } from "./audit.js";
import { registerDocsResources } from "./docs.js";
import { registerRuleResources } from "./rules.js";
import { registerSimResources } from "./sim.js";

export const RESOURCE_FAMILIES: readonly ResourceFamily[] = [
  { toolset: "policy", register: registerRuleResources },
  { toolset: "docs", register: registerDocsResources },
  { register: registerAuditResources },
  { toolset: "talos", register: registerSimResources },
];
