import { describe, expect, it } from "vitest";
import { clusterEndpoint, clusterName, imageReference, installDisk, nodeAddress } from "../../../src/server/schemas.js";

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, values: string[]) => values.forEach((v) => expect(schema.safeParse(v).success, v).toBe(true));
const bad = (schema: { safeParse(v: unknown): { success: boolean } }, values: string[]) => values.forEach((v) => expect(schema.safeParse(v).success, v).toBe(false));

describe("input schemas", () => {
  it("cluster names", () => {
    ok(clusterName, ["demo", "prod-eu-1", "a"]);
    bad(clusterName, ["", "-demo", "demo-", "my cluster", "Demo", "a/b", "..", "x".repeat(64)]);
  });
  it("cluster endpoints need https and a port", () => {
    ok(clusterEndpoint, ["https://10.0.0.2:6443", "https://k8s.example.com:443", "https://[fd00::1]:6443"]);
    bad(clusterEndpoint, ["10.0.0.2", "10.0.0.2:6443", "https://10.0.0.2", "http://10.0.0.2:6443", "https://10.0.0.2:6443/path", "--endpoints=x"]);
  });
  it("node addresses", () => {
    ok(nodeAddress, ["10.0.0.2", "fd00::1", "cp-1.lan"]);
    bad(nodeAddress, ["-n", "10.0.0.2:50000", "https://10.0.0.2", "a b", ""]);
  });
  it("install disks and images", () => {
    ok(installDisk, ["/dev/sda", "/dev/nvme0n1", "/dev/disk/by-id/wwn-0x5000"]);
    bad(installDisk, ["sda", "/dev/", "/etc/passwd", "/dev/sda;rm"]);
    ok(imageReference, ["ghcr.io/siderolabs/installer:v1.12.6", "factory.talos.dev/metal-installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.12.6"]);
    bad(imageReference, ["installer", "ghcr.io/siderolabs/installer", "-i x", "ghcr.io/Siderolabs/installer:v1"]);
  });
});
