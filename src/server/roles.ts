// Role ceiling mirrors Talos RBAC (os:reader < os:operator < os:admin). `etcd:backup` is a Talos
// role that only allows etcd reads and snapshots; we treat it as reader plus the etcd-backup tool.
// Roles are also defined by what they may change (ROLE_FOR_RISK): a tool needs the higher of the
// role its risk implies and the Talos role its command needs.
import type { Risk } from "./tool-spec.js";
export const ROLES = ["reader", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** The Talos role a tool needs; `none` = works offline with no credential at all. */
export type RequiredRole = Role | "none" | "etcd:backup";

const RANK: Record<Role, number> = { reader: 0, operator: 1, admin: 2 };

/** The lowest of the given roles: the effective ceiling is min(configured, credential, caller). */
export function lowestRole(...roles: (Role | undefined)[]): Role {
  let lowest: Role = "admin";
  for (const role of roles) if (role !== undefined && RANK[role] < RANK[lowest]) lowest = role;
  return lowest;
}

/**
 * The lowest role that may use a tool of each risk: readers read (no workspace writes either),
 * operators also write the workspace and make recoverable changes, admins do everything.
 */
export const ROLE_FOR_RISK: Readonly<Record<Risk, Role>> = {
  read: "reader",
  "local-write": "operator",
  mutate: "operator",
  destructive: "admin",
  irreversible: "admin",
};

/** The lowest role a tool may be used with: the higher of its risk's role and its Talos role. */
export function requiredRole(spec: { risk: Risk; minRole: RequiredRole }): Role {
  const byRisk = ROLE_FOR_RISK[spec.risk];
  const byCredential: Role = spec.minRole === "none" ? "reader" : spec.minRole === "etcd:backup" ? "operator" : spec.minRole;
  return RANK[byCredential] > RANK[byRisk] ? byCredential : byRisk;
}

/** Whether a caller holding `held` may use a tool that requires `required`. */
export function roleAllows(held: Role, required: RequiredRole): boolean {
  if (required === "none") return true;
  // etcd:backup is granted to operators and admins by Talos RBAC (EtcdSnapshot rule).
  if (required === "etcd:backup") return RANK[held] >= RANK.operator;
  return RANK[held] >= RANK[required];
}

/** Maps Talos certificate organisations (os:admin, os:reader, …) to our ceiling. */
export function roleFromTalosRoles(talosRoles: readonly string[]): Role | undefined {
  if (talosRoles.includes("os:admin")) return "admin";
  if (talosRoles.includes("os:operator")) return "operator";
  if (talosRoles.includes("os:reader") || talosRoles.includes("os:etcd:backup")) return "reader";
  return undefined;
}
