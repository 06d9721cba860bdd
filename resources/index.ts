// Every resource family a session registers (one file per family).
import type { RegisterResources } from "../src/server/resource-types.js";
import { registerAuditResources } from "./audit.js";
import { registerDocsResources } from "./docs.js";
import { registerRuleResources } from "./rules.js";
import { registerSimResources } from "./sim.js";

export const RESOURCE_FAMILIES: readonly RegisterResources[] = [registerRuleResources, registerDocsResources, registerAuditResources, registerSimResources];
