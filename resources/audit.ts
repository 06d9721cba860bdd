// talos://audit/recent: the latest audit entries of this server (already redacted) — what ran,
// what was denied and by which rule. An admin sees every caller's calls (evaluation harnesses grade
// agents from it); any other caller sees only its own, never another caller's arguments, commands
// or node addresses.
import type { AuditEntry } from "../src/audit/audit.js";
import type { Role } from "../src/server/roles.js";
import type { RegisterResources } from "../src/server/resource-types.js";
import type { Caller } from "../src/server/tool-spec.js";

const LIMIT = 100;

/** The entries a caller may read: all of them for an admin, its own otherwise (newest last). */
export function auditVisibleTo(entries: readonly AuditEntry[], caller: Pick<Caller, "name">, role: Role): AuditEntry[] {
  const visible = role === "admin" ? entries : entries.filter((entry) => entry.caller === caller.name);
  return visible.slice(-LIMIT);
}

export const registerAuditResources: RegisterResources = (server, deps) => {
  server.registerResource(
    "audit-recent",
    "talos://audit/recent",
    {
      title: "Recent tool calls",
      description: "The latest audit entries (newest last): tool, caller, decision, rule ids, argv, exit codes. Admins see every caller's calls; other callers see only their own.",
      mimeType: "application/json",
    },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(auditVisibleTo(deps.recentAudit(), deps.caller, deps.effectiveRole), null, 2) }] }),
  );
};
