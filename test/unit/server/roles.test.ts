// Roles by what they may change: reader reads, operator also writes the workspace and makes
// recoverable changes, admin does everything. Checked over every registered tool (ALL_TOOLS), so a
// new tool cannot slip in with a role below its risk, and against the role table in
// docs/security.md, which is generated from the same data (UPDATE_ROLES_DOC=1 rewrites it).
import { readFile, rename, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { evaluateCall } from "../../../src/policy/engine.js";
import { visibleTools } from "../../../src/server/registry.js";
import { ROLES, ROLE_FOR_RISK, requiredRole, roleAllows, type Role } from "../../../src/server/roles.js";
import type { AnyToolSpec, Risk } from "../../../src/server/tool-spec.js";
import { ALL_TOOLS } from "../../../tools/index.js";

const SECURITY_DOC = fileURLToPath(new URL("../../../docs/security.md", import.meta.url));
const BEGIN = "<!-- roles table: generated from tools/ by test/unit/server/roles.test.ts (npm run docs:roles) -->";
const END = "<!-- end of roles table -->";

const visibleFor = (role: Role) =>
  visibleTools(ALL_TOOLS, { config: { disableTools: [], readOnly: false }, caller: {}, effectiveRole: role }).map((spec) => spec.name);

function renderRoleTable(tools: readonly AnyToolSpec[]): string {
  const rows = [...tools]
    .sort((a, b) => ROLES.indexOf(requiredRole(a)) - ROLES.indexOf(requiredRole(b)) || a.name.localeCompare(b.name))
    .map((spec) => `| \`${spec.name}\` | ${spec.risk} | ${requiredRole(spec)} | ${spec.minRole} |`);
  return [BEGIN, "", "| tool | risk | lowest role | Talos credential role it needs |", "|---|---|---|---|", ...rows, "", END].join("\n");
}

describe("role table", () => {
  it("a risk implies a lowest role: reader reads, operator writes the workspace and makes recoverable changes, admin the rest", () => {
    expect(ROLE_FOR_RISK).toEqual({ read: "reader", "local-write": "operator", mutate: "operator", destructive: "admin", irreversible: "admin" });
  });

  it("every tool needs at least the role its risk implies, and at least its Talos credential role", () => {
    for (const spec of ALL_TOOLS) {
      const role = requiredRole(spec);
      expect(roleAllows(role, ROLE_FOR_RISK[spec.risk]), spec.name).toBe(true);
      expect(roleAllows(role, spec.minRole), spec.name).toBe(true);
    }
  });

  it("a reader sees only read tools: no workspace writes (gen-config, patch-config, template-export)", () => {
    const reader = visibleFor("reader");
    for (const name of reader) expect(ALL_TOOLS.find((spec) => spec.name === name)!.risk, name).toBe("read");
    for (const name of ["gen-config", "patch-config", "template-export", "etcd-backup", "kubeconfig", "omni-talosconfig"]) expect(reader, name).not.toContain(name);
    expect(reader).toEqual(expect.arrayContaining(["health", "get", "logs", "docs-search", "validate-config", "template-validate"]));
  });

  it("an operator adds workspace writes and recoverable changes, never destructive or irreversible ones", () => {
    const operator = visibleFor("operator");
    const risks = new Set<Risk>(operator.map((name) => ALL_TOOLS.find((spec) => spec.name === name)!.risk));
    expect([...risks].sort()).toEqual(["local-write", "mutate", "read"]);
    expect(operator).toEqual(expect.arrayContaining(["gen-config", "patch-config", "template-export", "etcd-backup", "reboot", "template-sync"]));
    for (const name of ["reset", "bootstrap", "etcd-restore"]) expect(operator).not.toContain(name);
  });

  it("an admin sees every tool", () => {
    expect(visibleFor("admin")).toEqual(ALL_TOOLS.map((spec) => spec.name));
  });

  it("the call-time check agrees with the list for every tool and role", () => {
    for (const spec of ALL_TOOLS) {
      for (const role of ROLES) {
        const decision = evaluateCall({ tool: spec.name, risk: spec.risk, minRole: spec.minRole, effectiveRole: role, readOnly: false, rules: spec.rules });
        expect(decision.allow, `${spec.name} as ${role}`).toBe(visibleFor(role).includes(spec.name));
        if (!decision.allow) expect(decision.reason).toContain(`needs role ${requiredRole(spec)}`);
      }
    }
  });

  it("docs/security.md carries the table for every tool", async () => {
    const table = renderRoleTable(ALL_TOOLS);
    const doc = await readFile(SECURITY_DOC, "utf8");
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start >= 0 && end > start, `docs/security.md has no roles table markers; add\n${BEGIN}\n${END}`).toBe(true);
    const current = doc.slice(start, end + END.length);
    if (process.env.UPDATE_ROLES_DOC === "1" && current !== table) {
      const temporary = `${SECURITY_DOC}.${process.pid}.tmp`;
      await writeFile(temporary, doc.replace(current, table));
      await rename(temporary, SECURITY_DOC);
      return;
    }
    expect(current, "the roles table in docs/security.md is stale: run `npm run docs:roles`").toBe(table);
  });
});
