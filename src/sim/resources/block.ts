// Block devices and volumes, from one set of facts (node-facts.ts): the system disk sda and the
// rootfs loop device show in `disks`; sda, its partitions (EFI, META, STATE, EPHEMERAL) and the
// rootfs in `discoveredvolumes`; sda in `systemdisk`; the partitions, the standard directories on
// EPHEMERAL, the overlays and the /var/run symlink in `volumestatus` (Talos v1.12's system volumes).
import { humanizeBytes, type PartitionFacts } from "../node-facts.js";
import type { NodeView, ResourceKind } from "../resources.js";

const BLOCK = "talos.resource.definitions.block";
const EPHEMERAL_LABEL = "system_u:object_r:ephemeral_t:s0";
const SYSFS_SDA = "/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda";

/** Standard directories on EPHEMERAL: [volume id, path, mode, selinux label, uid]. */
const DIRECTORY_VOLUMES: [string, string, number, string, number][] = [
  ["/var/log", "/var/log", 0o755, EPHEMERAL_LABEL, 0],
  ["/var/log/audit", "/var/log/audit", 0o700, EPHEMERAL_LABEL, 0],
  ["/var/log/audit/kube", "/var/log/audit/kube", 0o700, EPHEMERAL_LABEL, 65534],
  ["/var/log/containers", "/var/log/containers", 0o755, EPHEMERAL_LABEL, 0],
  ["/var/log/pods", "/var/log/pods", 0o755, EPHEMERAL_LABEL, 0],
  ["/var/lib", "/var/lib", 0o700, EPHEMERAL_LABEL, 0],
  ["ETCD", "/var/lib/etcd", 0o700, "system_u:object_r:etcd_data_t:s0", 60],
  ["/var/lib/containerd", "/var/lib/containerd", 0o000, EPHEMERAL_LABEL, 0],
  ["/var/lib/kubelet", "/var/lib/kubelet", 0o700, EPHEMERAL_LABEL, 0],
  ["/var/lib/cni", "/var/lib/cni", 0o700, EPHEMERAL_LABEL, 0],
  ["/var/lib/kubelet/seccomp", "/var/lib/kubelet/seccomp", 0o700, EPHEMERAL_LABEL, 0],
  ["/var/lib/kubelet/seccomp/profiles", "/var/lib/kubelet/seccomp/profiles", 0o700, EPHEMERAL_LABEL, 0],
  ["/var/mnt", "/var/mnt", 0o755, EPHEMERAL_LABEL, 0],
  ["/var/run/lock", "/var/run/lock", 0o755, "system_u:object_r:var_lock_t:s0", 0],
];

const OVERLAYS: [string, string][] = [
  ["/etc/cni", "system_u:object_r:cni_conf_t:s0"],
  ["/etc/kubernetes", "system_u:object_r:k8s_conf_t:s0"],
  ["/usr/libexec/kubernetes", "system_u:object_r:k8s_plugin_t:s0"],
  ["/opt", "system_u:object_r:opt_t:s0"],
];

/** Where STATE and EPHEMERAL are mounted. */
const PARTITION_MOUNTS: Record<string, { targetPath: string; selinuxLabel: string; projectQuotaSupport: boolean; fileMode: number }> = {
  STATE: { targetPath: "/system/state", selinuxLabel: "system_u:object_r:system_state_t:s0", projectQuotaSupport: false, fileMode: 0o700 },
  EPHEMERAL: { targetPath: "/var", selinuxLabel: EPHEMERAL_LABEL, projectQuotaSupport: true, fileMode: 0o755 },
};

function partitionVolume(partition: PartitionFacts): Record<string, unknown> {
  const formatted = partition.filesystem === "xfs";
  const mountSpec = PARTITION_MOUNTS[partition.label];
  return {
    phase: "ready",
    type: "partition",
    location: `/dev/${partition.id}`,
    ...(formatted ? { mountLocation: `/dev/${partition.id}` } : {}),
    partitionIndex: partition.index,
    parentLocation: "/dev/sda",
    ...(formatted ? { uuid: partition.uuid } : {}),
    partitionUUID: partition.partitionUuid,
    size: partition.size,
    prettySize: humanizeBytes(partition.size),
    ...(formatted ? { filesystem: "xfs" } : {}),
    ...(mountSpec ? { mountSpec } : {}),
  };
}

function volumeStatuses({ node, facts }: NodeView): Record<string, Record<string, unknown>> {
  if (node.stage === "maintenance") return {};
  const volumes: Record<string, Record<string, unknown>> = {};
  for (const partition of facts.partitions) if (partition.label !== "EFI") volumes[partition.label] = partitionVolume(partition);
  volumes["/var/run"] = { phase: "ready", type: "symlink", symlink: { symlinkTargetPath: "/run", force: true }, mountSpec: { targetPath: "/var/run", selinuxLabel: "", projectQuotaSupport: false } };
  for (const [id, path, fileMode, selinuxLabel, uid] of DIRECTORY_VOLUMES) {
    const parent = path.slice(0, path.lastIndexOf("/"));
    volumes[id] = {
      phase: "ready",
      type: "directory",
      mountSpec: { targetPath: path.slice(parent.length + 1), selinuxLabel, projectQuotaSupport: false, parentId: parent === "/var" ? "EPHEMERAL" : parent, ...(fileMode ? { fileMode } : {}), ...(uid ? { uid, gid: uid } : {}) },
    };
  }
  for (const [path, selinuxLabel] of OVERLAYS) volumes[path] = { phase: "ready", type: "overlay", parentID: "EPHEMERAL", mountSpec: { targetPath: path, selinuxLabel, projectQuotaSupport: false, fileMode: 0o755 } };
  return volumes;
}

export const BLOCK_KINDS: ResourceKind[] = [
  {
    type: "Disks.block.talos.dev",
    namespace: "runtime",
    printColumns: [
      { name: "Size", jsonPath: "{.pretty_size}" },
      { name: "Read Only", jsonPath: "{.readonly}" },
      { name: "Transport", jsonPath: "{.transport}" },
      { name: "Rotational", jsonPath: "{.rotational}" },
      { name: "WWID", jsonPath: "{.wwid}" },
      { name: "Model", jsonPath: "{.model}" },
      { name: "Serial", jsonPath: "{.serial}" },
    ],
    proto: { message: `${BLOCK}.DiskSpec` },
    list: ({ facts }) => ({
      loop0: { dev_path: "/dev/loop0", size: facts.rootfsSize, pretty_size: humanizeBytes(facts.rootfsSize), io_size: 512, sector_size: 512, readonly: true, cdrom: false, sub_system: "/sys/class/block" },
      sda: {
        dev_path: facts.disk.devPath,
        size: facts.disk.size,
        pretty_size: humanizeBytes(facts.disk.size),
        io_size: 512,
        sector_size: 512,
        readonly: false,
        cdrom: false,
        model: facts.disk.model,
        serial: facts.disk.serial,
        modalias: "scsi:t-0x00",
        wwid: facts.disk.wwid,
        bus_path: facts.disk.busPath,
        sub_system: "/sys/class/block",
        transport: "sata",
        rotational: true,
        symlinks: ["/dev/disk/by-diskseq/1", `/dev/disk/by-id/ata-QEMU_HARDDISK_${facts.disk.serial}`, "/dev/disk/by-path/pci-0000:00:1f.2-ata-1", "/dev/disk/by-path/pci-0000:00:1f.2-ata-1.0"],
      },
    }),
  },
  {
    type: "DiscoveredVolumes.block.talos.dev",
    namespace: "runtime",
    printColumns: [
      { name: "Type", jsonPath: "{.type}" },
      { name: "Size", jsonPath: "{.pretty_size}" },
      { name: "Discovered", jsonPath: "{.name}" },
      { name: "Label", jsonPath: "{.label}" },
      { name: "PartitionLabel", jsonPath: "{.partition_label}" },
    ],
    proto: { message: `${BLOCK}.DiscoveredVolumeSpec` },
    list: ({ facts }) => {
      const volumes: Record<string, Record<string, unknown>> = {
        loop0: { dev_path: "/dev/loop0", type: "disk", device_path: "/sys/devices/virtual/block/loop0", offset: 0, size: facts.rootfsSize, pretty_size: humanizeBytes(facts.rootfsSize), sector_size: 512, io_size: 512, name: "squashfs", block_size: 4096, probed_size: facts.rootfsSize },
        sda: { dev_path: "/dev/sda", type: "disk", device_path: SYSFS_SDA, offset: 0, size: facts.disk.size, pretty_size: humanizeBytes(facts.disk.size), sector_size: 512, io_size: 512, ...(facts.partitions.length > 0 ? { name: "gpt", uuid: facts.disk.guid, block_size: 512, probed_size: facts.disk.size } : { name: "" }) },
      };
      for (const p of facts.partitions) {
        const withFs = p.filesystem !== "talosmeta";
        volumes[p.id] = {
          dev_path: `/dev/${p.id}`,
          type: "partition",
          device_path: `${SYSFS_SDA}/${p.id}`,
          parent: "sda",
          parent_dev_path: "/dev/sda",
          offset: p.offset,
          size: p.size,
          pretty_size: humanizeBytes(p.size),
          sector_size: 512,
          io_size: 512,
          name: p.filesystem,
          ...(withFs ? { uuid: p.filesystem === "vfat" ? `${p.uuid.slice(0, 4)}-${p.uuid.slice(4, 8)}`.toUpperCase() : p.uuid, label: p.label } : {}),
          ...(withFs ? { block_size: p.filesystem === "vfat" ? 512 : 4096, filesystem_block_size: 4096, probed_size: p.size } : {}),
          partition_uuid: p.partitionUuid,
          partition_type: p.typeUuid,
          partition_label: p.label,
          partition_index: p.index,
        };
      }
      return volumes;
    },
  },
  {
    type: "SystemDisks.block.talos.dev",
    namespace: "runtime",
    printColumns: [{ name: "Disk", jsonPath: "{.diskID}" }],
    proto: { message: `${BLOCK}.SystemDiskSpec` },
    list: ({ node, facts }) => (node.stage === "maintenance" ? {} : { "system-disk": { diskID: facts.disk.id, devPath: facts.disk.devPath } }),
  },
  {
    type: "VolumeStatuses.block.talos.dev",
    namespace: "runtime",
    printColumns: [
      { name: "Type", jsonPath: "{.type}" },
      { name: "Phase", jsonPath: "{.phase}" },
      { name: "Location", jsonPath: "{.location}" },
      { name: "Size", jsonPath: "{.prettySize}" },
    ],
    proto: { message: `${BLOCK}.VolumeStatusSpec` },
    list: volumeStatuses,
  },
];
