// The machine itself: its type and config, stage and readiness, services, extensions, mounts,
// time synchronisation and etcd membership (Talos packages config, runtime, v1alpha1, time, etcd).
import type { NodeView, ResourceKind } from "../resources.js";
import { extensionLayers } from "../extensions.js";
import { serviceStates } from "../services.js";
import { staticPodStatuses } from "./k8s.js";

const RUNTIME = "talos.resource.definitions.runtime";

/** MachineStatusController's readiness checks (time, network, services, staticPods, nodeReady). */
function unmetConditions({ node, cluster, facts }: NodeView): { name: string; reason: string }[] {
  const conditions: { name: string; reason: string }[] = [];
  if (node.faults.timeNotSynced) conditions.push({ name: "time", reason: "time is not synced" });
  const required = ["apid", "machined", "kubelet", ...(node.role === "controlplane" ? ["etcd", "trustd"] : [])];
  const services = serviceStates(node);
  const problems = services.flatMap((s) => (s.state !== "Running" ? [`${s.id} not running`] : s.health === "Fail" ? [`${s.id} not healthy`] : []));
  for (const id of required) if (!services.some((s) => s.id === id)) problems.push(`${id} not running`);
  if (problems.length > 0) conditions.push({ name: "services", reason: problems.join(", ") });
  const pods = Object.entries(staticPodStatuses({ node, cluster, facts }))
    .filter(([, status]) => status.conditions.some((c) => c.type === "Ready" && c.status !== "True"))
    .map(([id]) => `${id} not ready`);
  if (pods.length > 0) conditions.push({ name: "staticPods", reason: pods.join(", ") });
  if (node.stage !== "running" || services.find((s) => s.id === "kubelet")?.state !== "Running") conditions.push({ name: "nodeReady", reason: `node "${node.name}" is not ready` });
  return conditions;
}

const timeSynced = (view: NodeView) => view.node.stage !== "maintenance" && !view.node.faults.timeNotSynced;

export const RUNTIME_KINDS: ResourceKind[] = [
  {
    type: "MachineTypes.config.talos.dev",
    namespace: "config",
    printColumns: [{ name: "Type", jsonPath: "{@}" }],
    proto: { message: "resource.config.MachineTypeSpec", protoInput: (type) => ({ machine_type: type }) },
    list: ({ node }) => (node.role ? { "machine-type": node.role } : {}),
  },
  {
    type: "MachineConfigs.config.talos.dev",
    namespace: "config",
    sensitive: true,
    // Go marshals the config as one YAML string (the annotation tells talosctl so); the protobuf
    // form carries its raw bytes.
    annotations: { "talos.dev/yaml-spec": "1" },
    proto: { message: "resource.config.MachineConfigSpec", protoInput: (text) => ({ yaml_marshalled: Buffer.from(String(text)) }) },
    list: ({ node }) => (node.config ? { v1alpha1: node.config } : {}),
  },
  {
    type: "MachineStatuses.runtime.talos.dev",
    namespace: "runtime",
    printColumns: [
      { name: "Stage", jsonPath: "{.stage}" },
      { name: "Ready", jsonPath: "{.status.ready}" },
    ],
    proto: { message: `${RUNTIME}.MachineStatusSpec` },
    list: (view) => {
      const stage = view.node.stage === "maintenance" ? "maintenance" : view.node.stage === "running" ? "running" : "booting";
      const unmet = view.node.stage === "maintenance" ? [] : unmetConditions(view);
      return { machine: { stage, status: { ready: stage === "running" && unmet.length === 0, unmetConditions: unmet } } };
    },
  },
  {
    type: "Services.v1alpha1.talos.dev",
    namespace: "runtime",
    aliases: ["svc"],
    printColumns: [
      { name: "Running", jsonPath: "{.running}" },
      { name: "Healthy", jsonPath: "{.healthy}" },
      { name: "Health Unknown", jsonPath: "{.unknown}" },
    ],
    proto: { message: "talos.resource.definitions.v1alpha1.ServiceSpec" },
    list: ({ node }) => Object.fromEntries(serviceStates(node).map((s) => [s.id, { running: s.state === "Running", healthy: s.health === "OK", unknown: s.health === "?" }])),
  },
  {
    type: "ExtensionStatuses.runtime.talos.dev",
    namespace: "runtime",
    aliases: ["extensions"],
    printColumns: [
      { name: "Name", jsonPath: "{.metadata.name}" },
      { name: "Version", jsonPath: "{.metadata.version}" },
    ],
    proto: { message: "talos.resource.definitions.extensions.Layer" },
    // In maintenance mode, the extensions of the boot media; once installed, of the installer image.
    list: ({ node }) => extensionLayers(node.extensions, node.schematic, node.talosVersion),
  },
  {
    // The legacy view of partition mounts (block MountStatuses of partition volumes).
    type: "MountStatuses.runtime.talos.dev",
    namespace: "runtime",
    aliases: ["mounts"],
    skipAutomaticAliases: true,
    printColumns: [
      { name: "Source", jsonPath: "{.source}" },
      { name: "Target", jsonPath: "{.target}" },
      { name: "Filesystem Type", jsonPath: "{.filesystemType}" },
    ],
    proto: { message: `${RUNTIME}.MountStatusSpec` },
    list: ({ node, facts }) => {
      if (node.stage === "maintenance") return {};
      const mounted: [string, string][] = [
        ["STATE", "/system/state"],
        ["EPHEMERAL", "/var"],
      ];
      return Object.fromEntries(
        mounted.map(([label, target]) => {
          const partition = facts.partitions.find((p) => p.label === label)!;
          return [label, { source: `/dev/${partition.id}`, target, filesystemType: partition.filesystem, options: [], encrypted: false }];
        }),
      );
    },
  },
  {
    type: "TimeStatuses.v1alpha1.talos.dev",
    namespace: "runtime",
    printColumns: [{ name: "Synced", jsonPath: "{.synced}" }],
    proto: { message: "talos.resource.definitions.time.StatusSpec" },
    list: (view) => ({ node: { synced: timeSynced(view), epoch: timeSynced(view) ? 1 : 0, syncDisabled: false } }),
  },
  {
    type: "AdjtimeStatuses.v1alpha1.talos.dev",
    namespace: "runtime",
    printColumns: [
      { name: "Offset", jsonPath: "{.offset}" },
      { name: "EstError", jsonPath: "{.estError}" },
      { name: "MaxError", jsonPath: "{.maxError}" },
      { name: "Status", jsonPath: "{.status}" },
      { name: "Sync", jsonPath: "{.syncStatus}" },
    ],
    proto: { message: "talos.resource.definitions.time.AdjtimeStatusSpec" },
    list: (view) =>
      timeSynced(view)
        ? { node: { offset: "0s", frequencyAdjustmentRatio: 1.0000119, maxError: "1.5ms", estError: "12µs", status: "STA_PLL | STA_NANO", constant: 7, syncStatus: true, state: "TIME_OK" } }
        : { node: { offset: "0s", frequencyAdjustmentRatio: 1, maxError: "16s", estError: "0s", status: "STA_UNSYNC", constant: 2, syncStatus: false, state: "TIME_ERROR" } },
  },
  {
    type: "EtcdMembers.etcd.talos.dev",
    namespace: "etcd",
    printColumns: [{ name: "Member ID", jsonPath: "{.memberID}" }],
    proto: { message: "talos.resource.definitions.etcd.MemberSpec" },
    list: ({ node }) => (node.etcd === "running" && node.etcdMemberId ? { local: { memberID: node.etcdMemberId.padStart(16, "0") } } : {}),
  },
];
