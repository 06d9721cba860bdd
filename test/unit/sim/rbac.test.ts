import { describe, expect, it } from "vitest";
import { allowedRoles, authorized, canReadSensitive, MAINTENANCE_METHODS } from "../../../src/sim/rbac.js";

const M = (name: string) => `/machine.MachineService/${name}`;
const ROLES = ["os:admin", "os:operator", "os:reader", "os:etcd:backup"] as const;

// Expected rows from machined's rules table (reference §4): method → roles allowed.
const TABLE: [string, (typeof ROLES)[number][]][] = [
  [M("Version"), ["os:admin", "os:operator", "os:reader"]],
  [M("ServiceList"), ["os:admin", "os:operator", "os:reader"]],
  [M("Logs"), ["os:admin", "os:operator", "os:reader"]],
  [M("Dmesg"), ["os:admin", "os:operator", "os:reader"]],
  [M("Stats"), ["os:admin", "os:operator", "os:reader"]],
  ["/cosi.resource.State/List", ["os:admin", "os:operator", "os:reader"]],
  ["/cosi.resource.State/Get", ["os:admin", "os:operator", "os:reader"]],
  ["/cosi.resource.State/Update", ["os:admin"]],
  ["/cluster.ClusterService/HealthCheck", ["os:admin", "os:operator", "os:reader"]],
  [M("EtcdMemberList"), ["os:admin", "os:operator", "os:reader", "os:etcd:backup"]],
  [M("EtcdStatus"), ["os:admin", "os:operator", "os:reader", "os:etcd:backup"]],
  [M("EtcdSnapshot"), ["os:admin", "os:operator", "os:etcd:backup"]],
  [M("Reboot"), ["os:admin", "os:operator"]],
  [M("Shutdown"), ["os:admin", "os:operator"]],
  [M("ServiceRestart"), ["os:admin", "os:operator"]],
  [M("ImagePull"), ["os:admin", "os:operator"]],
  [M("Bootstrap"), ["os:admin"]],
  [M("ApplyConfiguration"), ["os:admin"]],
  [M("Kubeconfig"), ["os:admin"]],
  [M("EtcdRecover"), ["os:admin"]],
  [M("Reset"), ["os:admin"]],
  [M("Upgrade"), ["os:admin"]],
  [M("EtcdLeaveCluster"), ["os:admin"]],
  [M("SomethingNew"), ["os:admin"]],
];

describe("simulated Talos RBAC", () => {
  it.each(TABLE)("%s allows exactly %j", (method, allowed) => {
    for (const role of ROLES) expect(authorized(method, [role]), `${role} on ${method}`).toBe(allowed.includes(role));
    expect(authorized(method, [])).toBe(false);
    expect(authorized(method, ["os:impostor"])).toBe(false);
  });

  it("any one granted role among several is enough", () => {
    expect(authorized(M("Bootstrap"), ["os:reader", "os:admin"])).toBe(true);
    expect(allowedRoles(M("Reboot"))).toEqual(["os:admin", "os:operator"]);
  });

  it("Sensitive resources need os:admin", () => {
    expect(canReadSensitive(["os:admin"])).toBe(true);
    for (const role of ["os:operator", "os:reader", "os:etcd:backup"]) expect(canReadSensitive([role])).toBe(false);
  });

  it("maintenance mode answers only apply, version, COSI reads, reset and upgrade", () => {
    expect([...MAINTENANCE_METHODS].sort()).toEqual(
      ["/cosi.resource.State/Get", "/cosi.resource.State/List", M("ApplyConfiguration"), M("Reset"), M("Upgrade"), M("Version")].sort(),
    );
    expect(MAINTENANCE_METHODS.has(M("Bootstrap"))).toBe(false);
  });
});
