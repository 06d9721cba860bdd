// Every COSI kind the simulator serves, on every node of clusters in each stage and with every
// fault, encodes with the real Talos message (no YAML key without a field, no enum text without a
// value), and what a typed client decodes agrees with the YAML talosctl prints.
import { existsSync } from "node:fs";
import { join } from "node:path";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { SimCluster } from "../../../src/sim/cluster.js";
import { generateCa } from "../../../src/sim/pki.js";
import { loadTalosApi, googleProtoDir, protoRoot, TALOS_API_VERSION } from "../../../src/sim/protos.js";
import { configureNodes } from "../../../src/sim/provision.js";
import { KINDS, viewOf } from "../../../src/sim/resources.js";
import { parseScenario } from "../../../src/sim/scenario.js";
import { enumValue } from "../../../src/sim/spec-proto.js";

const api = loadTalosApi();

const FAULTY = `name: faulty
stage: running
kubespan: true
extensions: [siderolabs/iscsi-tools, siderolabs/util-linux-tools]
nodes:
  - { name: cp-1, address: 127.0.9.11, role: controlplane, faults: { crashLoop: etcd, ephemeralFull: true } }
  - { name: cp-2, address: 127.0.9.12, role: controlplane, faults: { timeNotSynced: true, linkDown: eth1 } }
  - { name: w-1, address: 127.0.9.21, role: worker, faults: { crashLoop: kubelet, missingExtensions: [siderolabs/iscsi-tools] } }
  - { name: w-2, address: 127.0.9.22, role: worker, faults: { unreachable: true } }
`;

async function clusterOf(text: string): Promise<SimCluster> {
  const scenario = parseScenario(text, "test");
  const cluster = new SimCluster(scenario);
  if (scenario.stage !== "maintenance") configureNodes(cluster, scenario, await generateCa(), await generateCa("kubernetes", "ECDSA-P256"));
  return cluster;
}

/** Talos's message for a kind, decoded back to a plain object (keys as in the .proto). */
function decoded(message: string, bytes: Buffer): Record<string, any> {
  const root = new protobuf.Root();
  const dirs = [join(protoRoot(), `talos-${TALOS_API_VERSION}`), googleProtoDir()];
  root.resolvePath = (_origin, target) => dirs.map((dir) => join(dir, target)).find((path) => existsSync(path)) ?? target;
  const family = /^talos\.resource\.definitions\.(\w+)\./.exec(message)?.[1];
  root.loadSync(family ? `resource/definitions/${family}/${family}.proto` : "resource/config/config.proto", { keepCase: true });
  const type = root.lookupType(message);
  return type.toObject(type.decode(bytes), { enums: String, longs: Number, bytes: Array, defaults: false }) as Record<string, any>;
}

describe("COSI resource specs in their protobuf form", () => {
  it.each([
    ["maintenance", "name: m\nstage: maintenance\nnodes:\n  - { name: cp-1, address: 127.0.9.11, role: controlplane }\n"],
    ["installed", "name: i\nstage: installed\nnodes:\n  - { name: cp-1, address: 127.0.9.11, role: controlplane }\n  - { name: w-1, address: 127.0.9.21, role: worker }\n"],
    ["running with every fault, KubeSpan and extensions", FAULTY],
  ])("every kind encodes on every node (%s)", async (_stage, text) => {
    const cluster = await clusterOf(text);
    let encoded = 0;
    for (const node of cluster.nodes) {
      for (const kind of KINDS) {
        for (const spec of Object.values(await kind.list(viewOf(node, cluster)))) {
          expect(() => api.specs.encode(spec, kind.proto), `${kind.type} on ${node.name}`).not.toThrow();
          encoded += 1;
        }
      }
    }
    expect(encoded).toBeGreaterThan(cluster.nodes.length * 10);
  });

  it("a typed client reads what talosctl prints: addresses, enums, flags, renamed fields, structs", async () => {
    const cluster = await clusterOf(FAULTY);
    const cp2 = cluster.nodes[1]!;
    const encode = (type: string) => {
      const kind = KINDS.find((k) => k.type === type)!;
      return kind.list(viewOf(cp2, cluster)) as Record<string, unknown>;
    };
    const route = Object.values(encode("RouteStatuses.net.talos.dev")).find((r: any) => r.gateway) as Record<string, unknown>;
    const routeMsg = decoded("talos.resource.definitions.network.RouteStatusSpec", api.specs.encode(route, { message: "talos.resource.definitions.network.RouteStatusSpec" }));
    expect(routeMsg).toMatchObject({ family: "FAMILY_INET4", table: "TABLE_MAIN", priority: 1024, protocol: "PROTOCOL_STATIC", out_link_name: "eth0", gateway: { ip: [127, 0, 9, 1] } });
    const links = encode("LinkStatuses.net.talos.dev");
    const lo = decoded("talos.resource.definitions.network.LinkStatusSpec", api.specs.encode(links.lo, { message: "talos.resource.definitions.network.LinkStatusSpec" }));
    expect(lo).toMatchObject({ type: "LINK_LOOPBCK", flags: 1 | 8 | 0x40 | 0x10000 });
    const eth1 = decoded("talos.resource.definitions.network.LinkStatusSpec", api.specs.encode(links.eth1, { message: "talos.resource.definitions.network.LinkStatusSpec" }));
    expect(eth1).toMatchObject({ operational_state: "OPER_STATE_DOWN", hardware_addr: expect.arrayContaining([0x52, 0x54, 0x00]) });
    expect(eth1.link_state ?? false).toBe(false);
    const member = Object.values(encode("Members.cluster.talos.dev"))[0];
    expect(decoded("talos.resource.definitions.cluster.MemberSpec", api.specs.encode(member, { message: "talos.resource.definitions.cluster.MemberSpec" }))).toMatchObject({ machine_type: "TYPE_CONTROL_PLANE", control_plane: { api_server_port: 6443 }, hostname: "cp-1" });
    const pod = KINDS.find((k) => k.type === "StaticPodStatuses.kubernetes.talos.dev")!;
    const status = Object.values(await pod.list(viewOf(cp2, cluster)))[0];
    const podMsg = decoded("talos.resource.definitions.k8s.StaticPodStatusSpec", api.specs.encode(status, pod.proto));
    expect(podMsg.pod_status.fields.phase).toEqual({ stringValue: "Running" });
    expect(podMsg.pod_status.fields.containerStatuses.listValue.values[0].structValue.fields.image).toEqual({ stringValue: "registry.k8s.io/kube-apiserver:v1.35.2" });
  });

  it("maps Go's enum texts onto the .proto value names", () => {
    const root = new protobuf.Root();
    const stage = new protobuf.Enum("RuntimeMachineStage", { MACHINE_STAGE_UNKNOWN: 0, MACHINE_STAGE_RUNNING: 4 });
    const type = new protobuf.Enum("MachineType", { TYPE_UNKNOWN: 0, TYPE_CONTROL_PLANE: 2, TYPE_WORKER: 3 });
    root.add(stage).add(type);
    expect(enumValue(stage, "running")).toBe(4);
    expect(enumValue(type, "controlplane")).toBe(2);
    expect(() => enumValue(type, "ether")).toThrow(/"ether" is not a value of MachineType/);
  });
});
