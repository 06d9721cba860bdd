// Input fragments shared by tool schemas. Each refuses what could be mistaken for a flag or a path
// trick and says, in its message, what a valid value looks like — the guard quotes it verbatim.
import { isIP } from "node:net";
import { z } from "zod";

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const clusterName = z
  .string()
  .regex(LABEL, "must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit (e.g. 'demo')");

export function isHostOrIp(value: string): boolean {
  const bare = value.startsWith("[") && value.endsWith("]") ? value.slice(1, -1) : value;
  return isIP(bare) !== 0 || HOSTNAME.test(value);
}

export const clusterEndpoint = z
  .string()
  .max(300)
  .refine((value) => {
    const match = /^https:\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]\s]+):(\d{1,5})\/?$/.exec(value);
    return match !== null && isHostOrIp(match[1]!) && Number(match[2]) > 0 && Number(match[2]) < 65536;
  }, "must be the Kubernetes API URL with scheme and port, e.g. https://10.0.0.2:6443 (or a load balancer's address)")
  .describe("Kubernetes API endpoint, e.g. https://10.0.0.2:6443.");

/** A node address without a description, for lists whose own description says what the items are. */
export const nodeAddressItem = z.string().max(253).refine(isHostOrIp, "must be a node IP address or hostname (no scheme, no port), e.g. 10.0.0.2");

export const nodeAddress = nodeAddressItem.describe("Node IP address or hostname.");

export const workspacePath = z
  .string()
  .min(1, "must not be empty")
  .max(4096)
  .refine((value) => !value.includes("\0"), "must not contain NUL bytes")
  .describe("Path inside the workspace (relative to it, or absolute under it).");

export const installDisk = z
  .string()
  .regex(/^\/dev\/[A-Za-z0-9][A-Za-z0-9/_.:-]*$/, "must be a block device path like /dev/sda or /dev/nvme0n1")
  .describe("Disk Talos installs to, e.g. /dev/sda.");

/** registry/name:tag or registry/name@sha256:…; also Image Factory installer references. */
export const imageReference = z
  .string()
  .max(512)
  .regex(
    /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/,
    "must be a full image reference registry/name:tag, e.g. ghcr.io/siderolabs/installer:v1.12.6 or factory.talos.dev/metal-installer/<schematic>:v1.12.6",
  );

export const kubernetesVersion = z
  .string()
  .regex(/^v?\d+\.\d+\.\d+$/, "must be a Kubernetes version like 1.35.2")
  .describe("Kubernetes version, e.g. 1.35.2.");

export const talosVersion = z
  .string()
  .regex(/^v\d+\.\d+\.\d+$/, "must be a Talos version like v1.12.6")
  .describe("Talos version, e.g. v1.12.6.");

export const talosContract = z
  .string()
  .regex(/^v\d+\.\d+$/, "must be a Talos minor version like v1.12")
  .describe("Talos minor the configs target, e.g. v1.12, for nodes on an older Talos.");
