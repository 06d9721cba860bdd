// What a simulated machine is made of — hardware, links, addresses, the system disk and its
// partitions, volumes — derived deterministically from the scenario and node names (the same
// scenario gives the same serials and MACs on every run), from the node's addresses and identity
// (SimNode), so every read (COSI resources, mounts, disk usage, netstat…) tells one consistent story.
// The layout follows Talos v1.12 on a UEFI QEMU machine: sd-boot EFI, META, STATE, EPHEMERAL.
import { createHash } from "node:crypto";
import type { SimNode } from "./cluster.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface LinkFacts {
  name: string;
  index: number;
  kind: "loopback" | "ether";
  mac: string;
  /** Addresses with prefix length ("10.0.0.2/24"). */
  addresses: string[];
  up: boolean;
  busPath?: string;
  driver?: string;
  gateway?: string;
}

export interface PartitionFacts {
  index: number;
  /** sda1… */
  id: string;
  label: string;
  /** What blkid finds: vfat, talosmeta, xfs. */
  filesystem: string;
  size: number;
  offset: number;
  partitionUuid: string;
  uuid: string;
  typeUuid: string;
}

export interface NodeFacts {
  cpuCores: number;
  memoryMiB: number;
  links: LinkFacts[];
  dnsServers: string[];
  timeServers: string[];
  disk: { id: string; devPath: string; size: number; serial: string; model: string; wwid: string; busPath: string; guid: string };
  /** Partitions of the system disk (none while in maintenance mode: the disk is blank). */
  partitions: PartitionFacts[];
  /** Root filesystem image (squashfs on loop0). */
  rootfsSize: number;
  /** Bytes used on EPHEMERAL (/var): fills up with the ephemeralFull fault. */
  ephemeralUsed: number;
}

/** sha256 of the parts, as hex: the source of every "random" value of a node. */
export function digest(...parts: string[]): string {
  return createHash("sha256").update(parts.join("/")).digest("hex");
}

function uuidFrom(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const mac = (hex: string) => `52:54:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;

/** Go's humanize.Bytes (SI units), as Talos prints pretty sizes: "69 GB", "105 MB", "1.0 MB". */
export function humanizeBytes(bytes: number): string {
  if (bytes < 10) return `${bytes} B`;
  const units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
  const exponent = Math.floor(Math.log(bytes) / Math.log(1000));
  const value = Math.floor((bytes / 1000 ** exponent) * 10 + 0.5) / 10;
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${units[exponent]}`;
}

/** The second NIC every simulated machine has: it carries the node's second address, no gateway. */
export const SECONDARY_LINK = "eth1";

export function nodeFacts(node: SimNode, clusterKey: string): NodeFacts {
  const seed = (what: string) => digest(clusterKey, node.name, what);
  const controlPlane = (node.role ?? node.plannedRole) === "controlplane";
  const diskSize = (controlPlane ? 64 : 128) * GiB;
  // sd-boot EFI (GRUB's EFI + BIOS + BOOT sizes), META, STATE, then EPHEMERAL to the end (1 MiB aligned).
  const sizes: [string, string, number, string][] = [
    ["EFI", "vfat", 1101 * MiB, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"],
    ["META", "talosmeta", 1 * MiB, "0FC63DAF-8483-4772-8E79-3D69D8477DE4"],
    ["STATE", "xfs", 100 * MiB, "0FC63DAF-8483-4772-8E79-3D69D8477DE4"],
  ];
  let offset = 1 * MiB;
  const partitions: PartitionFacts[] = [];
  const add = (label: string, filesystem: string, size: number, typeUuid: string) => {
    const index = partitions.length + 1;
    partitions.push({ index, id: `sda${index}`, label, filesystem, size, offset, partitionUuid: uuidFrom(seed(`part-${label}`)), uuid: uuidFrom(seed(`fs-${label}`)), typeUuid });
    offset += size;
  };
  // A machine in maintenance mode has a blank disk: Talos partitions it when it installs.
  if (node.stage !== "maintenance") {
    for (const [label, filesystem, size, type] of sizes) add(label, filesystem, size, type);
    add("EPHEMERAL", "xfs", diskSize - offset - 1 * MiB, "0FC63DAF-8483-4772-8E79-3D69D8477DE4");
  }
  const ephemeralSize = partitions.find((p) => p.label === "EPHEMERAL")?.size ?? 0;
  const serial = `QM${seed("disk").slice(0, 5).toUpperCase()}`;
  return {
    cpuCores: controlPlane ? 4 : 8,
    memoryMiB: controlPlane ? 8192 : 16384,
    links: [
      { name: "lo", index: 1, kind: "loopback", mac: "00:00:00:00:00:00", addresses: ["127.0.0.1/8", "::1/128"], up: true },
      {
        name: "eth0",
        index: 2,
        kind: "ether",
        mac: mac(seed("eth0")),
        addresses: [`${node.address}/24`],
        up: true,
        busPath: "0000:00:02.0",
        driver: "virtio_net",
        gateway: node.address.replace(/\.\d+$/, ".1"),
      },
      {
        name: SECONDARY_LINK,
        index: 3,
        kind: "ether",
        mac: mac(seed("eth1")),
        addresses: [`${node.secondaryAddress}/24`],
        up: !node.faults.linkDown,
        busPath: "0000:00:03.0",
        driver: "virtio_net",
      },
    ],
    dnsServers: ["1.1.1.1", "8.8.8.8"],
    timeServers: ["time.cloudflare.com"],
    disk: {
      id: "sda",
      devPath: "/dev/sda",
      size: diskSize,
      serial,
      model: "QEMU HARDDISK",
      wwid: `t10.ATA     QEMU HARDDISK                           ${serial}`,
      busPath: "/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0",
      guid: uuidFrom(seed("disk-guid")),
    },
    partitions,
    rootfsSize: 86 * MiB,
    ephemeralUsed: node.faults.ephemeralFull ? ephemeralSize : Math.round(ephemeralSize * (controlPlane ? 0.09 : 0.14)),
  };
}
