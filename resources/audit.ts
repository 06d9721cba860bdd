// talos://audit/recent: the latest audit entries of this server (already redacted) — what ran,
// what was denied and by which rule. Evaluation harnesses grade agents from it.
import type { RegisterResources } from "../src/server/resource-types.js";

export const registerAuditResources: RegisterResources = (server, deps) => {
  server.registerResource(
    "audit-recent",
    "talos://audit/recent",
    { title: "Recent tool calls", description: "The latest audit entries (newest last): tool, caller, decision, rule ids, argv, exit codes.", mimeType: "application/json" },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(deps.recentAudit(100), null, 2) }] }),
  );
};
