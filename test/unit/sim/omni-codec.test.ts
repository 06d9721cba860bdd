import { join } from "node:path";
import zlib from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { goYamlKey, OmniCodec, type Spec } from "../../../src/sim/omni/codec.js";
import { protoRoot } from "../../../src/sim/protos.js";

const OMNI_API_DIR = join(protoRoot(), "omni-client-v1.9.3");

let codec: OmniCodec;
beforeAll(() => {
  codec = new OmniCodec(OMNI_API_DIR);
});

const roundTrip = (message: string, spec: Spec) => codec.decode(message, codec.encode(message, spec));
const yamlOf = (message: string, spec: Spec) => parse(codec.yaml(message, spec)) as Record<string, unknown>;

describe("goYamlKey", () => {
  it.each([
    ["talos_version", "talosversion"],
    ["kubernetes_version", "kubernetesversion"],
    ["use_embedded_discovery_service", "useembeddeddiscoveryservice"],
    ["image_labels", "imagelabels"],
    ["connected", "connected"],
    ["size_mb", "sizemb"],
    ["ipv6_address", "ipv6address"],
  ])("%s → %s", (proto, key) => expect(goYamlKey(proto)).toBe(key));
});

describe("OmniCodec", () => {
  it("renders a oneof as Go does: one field named after the oneof, holding the member that is set, or null", () => {
    expect(yamlOf("specs.OngoingTaskSpec", { title: "tearing down", destroy: { phase: "Destroying" } })).toEqual({ title: "tearing down", details: { destroy: { phase: "Destroying" } }, resourceid: "" });
    expect(yamlOf("specs.OngoingTaskSpec", { title: "idle" })).toEqual({ title: "idle", details: null, resourceid: "" });
    expect(yamlOf("specs.OngoingTaskSpec", { title: "x", destroy: { phase: "p" } })).not.toHaveProperty("destroy");
  });

  it("names `npm run clis` when the API definitions are missing", () => {
    expect(() => new OmniCodec("/nonexistent/omni-client")).toThrow(/the Omni API definitions are missing under \/nonexistent\/omni-client: run `npm run clis`/);
  });

  describe("encode and decode", () => {
    it("round-trips a ClusterSpec without nested messages", () => {
      const spec = { kubernetes_version: "1.32.3", talos_version: "1.9.5" };
      const decoded = roundTrip("specs.ClusterSpec", spec);
      expect(decoded).toEqual(spec);
      expect(decoded).not.toHaveProperty("features");
      expect(decoded).not.toHaveProperty("backup_configuration");
    });

    it("round-trips a ClusterSpec with features and a backup configuration", () => {
      const spec = {
        kubernetes_version: "1.32.3",
        talos_version: "1.9.5",
        features: { enable_workload_proxy: true, disk_encryption: true, use_embedded_discovery_service: true },
        backup_configuration: { interval: { seconds: 3600 }, enabled: true },
      };
      expect(roundTrip("specs.ClusterSpec", spec)).toEqual(spec);
    });

    it("keeps an empty nested message apart from a missing one", () => {
      expect(roundTrip("specs.ClusterSpec", { talos_version: "1.9.5", features: {} })).toEqual({ talos_version: "1.9.5", features: {} });
      expect(roundTrip("specs.ClusterSpec", { talos_version: "1.9.5" })).toEqual({ talos_version: "1.9.5" });
    });

    it("writes the field numbers of the real .proto (ClusterSpec.kubernetes_version is field 2)", () => {
      expect([...codec.encode("specs.ClusterSpec", { kubernetes_version: "1.32" })]).toEqual([0x12, 4, ...Buffer.from("1.32")]);
      expect([...codec.encode("specs.ClusterSpec", { talos_version: "1.9" })]).toEqual([0x1a, 3, ...Buffer.from("1.9")]);
      expect(codec.encode("specs.ClusterSpec", {})).toHaveLength(0);
    });

    it("decodes empty bytes to an empty spec", () => {
      expect(codec.decode("specs.ClusterSpec", new Uint8Array())).toEqual({});
      expect(codec.decode("specs.MachineStatusSpec", Buffer.alloc(0))).toEqual({});
    });

    it("round-trips a MachineStatusSpec with a map, repeated strings, repeated messages and an enum", () => {
      const spec = {
        talos_version: "v1.9.5",
        connected: true,
        role: 2,
        image_labels: { "omni.sidero.dev/zone": "b", env: "prod" },
        network: {
          hostname: "node-1",
          addresses: ["10.5.0.2/24", "fd00::2/64"],
          default_gateways: ["10.5.0.1"],
          network_links: [{ linux_name: "eth0", hardware_address: "52:54:00:00:00:01", speed_mbps: 1000, link_up: true }],
        },
        hardware: { processors: [{ core_count: 4, thread_count: 8 }], blockdevices: [{ size: 107374182400, linux_name: "/dev/sda", system_disk: true }], arch: "amd64" },
        schematic: { extensions: ["siderolabs/qemu-guest-agent"], kernel_args: ["console=ttyS0"], full_id: "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba" },
        platform_metadata: { platform: "metal", tags: { rack: "r1" } },
      };
      expect(roundTrip("specs.MachineStatusSpec", spec)).toEqual(spec);
    });

    it("rejects a wrongly typed value, naming the message", () => {
      expect(() => codec.encode("specs.ClusterSpec", { talos_version: 195 })).toThrow(/^specs\.ClusterSpec: talos_version: string expected/);
      expect(() => codec.encode("specs.ClusterSpec", { features: "all" })).toThrow(/^specs\.ClusterSpec: features\.object expected/);
      expect(() => codec.encode("specs.ClusterSpec", { features: { disk_encryption: "yes" } })).toThrow(/^specs\.ClusterSpec: features\.disk_encryption: boolean expected/);
      expect(() => codec.encode("specs.MachineStatusSpec", { image_labels: { env: 1 } })).toThrow(/^specs\.MachineStatusSpec: image_labels: string\{k:string\} expected/);
      expect(() => codec.encode("specs.MachineStatusSpec", { network: { addresses: "10.5.0.2/24" } })).toThrow(/^specs\.MachineStatusSpec: network\.addresses: array expected/);
      expect(() => codec.encode("specs.MachineStatusSpec", { role: 9 })).toThrow(/^specs\.MachineStatusSpec: role: enum value expected/);
    });

    it("rejects an unknown message", () => {
      expect(() => codec.encode("specs.NoSuchSpec", {})).toThrow(/no such type/);
      expect(() => codec.decode("specs.NoSuchSpec", Buffer.alloc(0))).toThrow(/no such type/);
    });
  });

  describe("yaml (go-yaml of the generated Go struct)", () => {
    it("renders a ClusterSpec with lower-cased Go field names in .proto order, missing messages as null", () => {
      const text = codec.yaml("specs.ClusterSpec", { talos_version: "1.9.5", kubernetes_version: "1.32.3" });
      const out = parse(text);
      expect(out).toEqual({ kubernetesversion: "1.32.3", talosversion: "1.9.5", features: null, backupconfiguration: null });
      expect(Object.keys(out)).toEqual(["kubernetesversion", "talosversion", "features", "backupconfiguration"]);
      expect(text).not.toMatch(/_/);
    });

    it("renders every field of a present nested message, unset bools as false and numbers as 0", () => {
      expect(yamlOf("specs.ClusterSpec", { talos_version: "1.9.5", features: { disk_encryption: true }, backup_configuration: { interval: { seconds: 3600 }, enabled: true } })).toEqual({
        kubernetesversion: "",
        talosversion: "1.9.5",
        features: { enableworkloadproxy: false, diskencryption: true, useembeddeddiscoveryservice: false, enablenodeauditskip: false },
        backupconfiguration: { interval: { seconds: 3600, nanos: 0 }, enabled: true },
      });
    });

    it("renders an empty spec with every field at its zero value", () => {
      expect(yamlOf("specs.ClusterSpec", {})).toEqual({ kubernetesversion: "", talosversion: "", features: null, backupconfiguration: null });
    });

    it("renders a MachineStatusSpec: maps sorted by key, missing repeated as [], missing maps as {}, enums as numbers", () => {
      const text = codec.yaml("specs.MachineStatusSpec", {
        talos_version: "v1.9.5",
        connected: true,
        role: 1,
        image_labels: { zone: "b", arch: "amd64", env: "prod" },
        network: { hostname: "node-1", addresses: ["10.5.0.2/24", "fd00::2/64"] },
      });
      const out = parse(text) as Record<string, any>;
      expect(out).toMatchObject({
        talosversion: "v1.9.5",
        hardware: null,
        network: { hostname: "node-1", domainname: "", addresses: ["10.5.0.2/24", "fd00::2/64"], defaultgateways: [], networklinks: [] },
        lasterror: "",
        managementaddress: "",
        connected: true,
        maintenance: false,
        cluster: "",
        role: 1,
        platformmetadata: null,
        imagelabels: { arch: "amd64", env: "prod", zone: "b" },
        schematic: null,
        initialtalosversion: "",
        diagnostics: [],
        powerstate: 0,
        securitystate: null,
        kernelcmdline: "",
      });
      expect(Object.keys(out.imagelabels)).toEqual(["arch", "env", "zone"]);
      expect(Object.keys(out).slice(0, 4)).toEqual(["talosversion", "hardware", "network", "lasterror"]);
      expect(text).toMatch(/^role: 1$/m);
      expect(text).toMatch(/^powerstate: 0$/m);
    });

    it("renders missing maps as {} and missing repeated fields as [] inside nested messages too", () => {
      const out = yamlOf("specs.MachineStatusSpec", { platform_metadata: { platform: "metal" }, schematic: {} }) as Record<string, any>;
      expect(out.imagelabels).toEqual({});
      expect(out.diagnostics).toEqual([]);
      expect(out.platformmetadata).toEqual({ platform: "metal", hostname: "", region: "", zone: "", instancetype: "", instanceid: "", providerid: "", spot: false, tags: {} });
      expect(out.schematic).toMatchObject({ invalid: false, extensions: [], initialschematic: "", kernelargs: [], fullid: "", inagentmode: false, raw: "", initialstate: null });
    });

    it("renders repeated messages with all their fields", () => {
      const out = yamlOf("specs.MachineStatusSpec", { network: { network_links: [{ linux_name: "eth0", link_up: true }] } }) as Record<string, any>;
      expect(out.network.networklinks).toEqual([{ linuxname: "eth0", hardwareaddress: "", speedmbps: 0, linkup: true, description: "" }]);
    });

    it("renders bytes as a list of numbers", () => {
      expect(yamlOf("specs.EtcdBackupEncryptionSpec", { encryption_key: Buffer.from([1, 2, 255]) })).toEqual({ encryptionkey: [1, 2, 255] });
      expect(yamlOf("specs.EtcdBackupEncryptionSpec", {})).toEqual({ encryptionkey: [] });
    });

    it("renders what decode returned the same as the original spec", () => {
      const spec = { talos_version: "v1.9.5", role: 2, image_labels: { b: "2", a: "1" }, network: { addresses: ["10.5.0.2/24"] } };
      expect(codec.yaml("specs.MachineStatusSpec", roundTrip("specs.MachineStatusSpec", spec))).toBe(codec.yaml("specs.MachineStatusSpec", spec));
    });

    it("renders a ClusterMachineSpec as its own MarshalYAML does: kubernetes_version only", () => {
      expect(codec.yaml("specs.ClusterMachineSpec", { kubernetes_version: "1.32.3" })).toBe("kubernetes_version: 1.32.3\n");
      expect(codec.yaml("specs.ClusterMachineSpec", {})).toBe('kubernetes_version: ""\n');
    });

    it("renders a ConfigPatchSpec with plain data as the patch text", () => {
      const data = "machine:\n  network:\n    hostname: node-1\n";
      expect(yamlOf("specs.ConfigPatchSpec", { data })).toEqual({ data, compresseddata: [] });
    });

    it("renders a compressed ConfigPatchSpec as text, never as the compressed bytes", () => {
      const data = "cluster:\n  allowSchedulingOnControlPlanes: true\n";
      const zstd = zlib as unknown as { zstdCompressSync?: (input: Buffer) => Buffer };
      const compressed = zstd.zstdCompressSync ? zstd.zstdCompressSync(Buffer.from(data)) : Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]);
      const out = yamlOf("specs.ConfigPatchSpec", { compressed_data: compressed });
      expect(out.compresseddata).toEqual([]);
      // Before Node 22.15 node:zlib has no zstd, and the patch shows as empty.
      expect(out.data).toBe(zstd.zstdCompressSync ? data : "");
    });
  });
});
