// Which machine a name denotes. The model names nodes by an address, a second address, a hostname
// or a machine UUID; the rules (quorum, bootstrap-once, omni-reconcile) are about machines. Every
// name is resolved through the Talos API (hostname, node addresses, cluster identity, SMBIOS UUID)
// and names are compared by what they resolve to, never as strings. Two identities are one machine
// when they share any key (node id, UUID, hostname or address): erring towards "the same machine"
// only ever makes the checks stricter (a healthy member is not counted twice, a target is never
// counted as one of the "others"). Pure: the talosctl calls live in live-checks.ts.
import { isIP } from "node:net";

export interface MachineIdentity {
  /** The names this machine was called by in the call or found under (as typed, CLI-ready). */
  names: string[];
  hostname?: string;
  /** Every address the machine reports (without prefix length). */
  addresses: string[];
  /** Cluster identity (Identities.cluster.talos.dev nodeId; also Members' nodeId). */
  nodeId?: string;
  /** SMBIOS system UUID (SystemInformation): the machine id Omni uses. */
  uuid?: string;
}

/** Resources a `talosctl get … --output json` call returns, per node name (the `node` field). */
export interface IdentityResources {
  hostnames: { node?: string; spec?: unknown }[];
  nodeAddresses: { node?: string; metadata?: { id?: string }; spec?: unknown }[];
  identities: { node?: string; spec?: unknown }[];
  systemInformation: { node?: string; spec?: unknown }[];
}

/** Addresses every machine has: never evidence that two names are one machine. */
const SHARED_ADDRESSES = new Set(["127.0.0.1", "::1"]);

export function bareAddress(address: string): string {
  return address.replace(/\/\d+$/, "").replace(/^\[(.*)\]$/, "$1").toLowerCase();
}

/** The keys a machine is known by: node id, UUID, hostname, addresses, and the names it was called. */
export function identityKeys(identity: MachineIdentity): Set<string> {
  const keys = new Set<string>();
  if (identity.nodeId) keys.add(`id:${identity.nodeId}`);
  if (identity.uuid) keys.add(`uuid:${identity.uuid.toLowerCase()}`);
  if (identity.hostname) keys.add(`host:${identity.hostname.toLowerCase()}`);
  for (const address of identity.addresses) {
    const bare = bareAddress(address);
    if (!SHARED_ADDRESSES.has(bare)) keys.add(`addr:${bare}`);
  }
  for (const name of identity.names) {
    const bare = bareAddress(name);
    if (isIP(bare)) {
      if (!SHARED_ADDRESSES.has(bare)) keys.add(`addr:${bare}`);
    } else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(name)) {
      keys.add(`uuid:${name.toLowerCase()}`);
    } else {
      keys.add(`host:${name.toLowerCase()}`);
    }
  }
  return keys;
}

export function sameMachine(a: MachineIdentity, b: MachineIdentity): boolean {
  const keys = identityKeys(a);
  for (const key of identityKeys(b)) if (keys.has(key)) return true;
  return false;
}

const unique = <T>(values: T[]) => [...new Set(values)];

function merge(a: MachineIdentity, b: MachineIdentity): MachineIdentity {
  return {
    names: unique([...a.names, ...b.names]),
    hostname: a.hostname ?? b.hostname,
    addresses: unique([...a.addresses, ...b.addresses]),
    nodeId: a.nodeId ?? b.nodeId,
    uuid: a.uuid ?? b.uuid,
  };
}

/** Groups identities into machines: identities that share a key, directly or through others, are one. */
export function groupMachines(identities: readonly MachineIdentity[]): MachineIdentity[] {
  const machines: MachineIdentity[] = [];
  for (const identity of identities) {
    let merged = identity;
    for (let index = machines.length - 1; index >= 0; index -= 1) {
      if (sameMachine(machines[index]!, merged)) merged = merge(machines.splice(index, 1)[0]!, merged);
    }
    machines.push(merged);
  }
  return machines;
}

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
const field = (spec: unknown, key: string) => (spec && typeof spec === "object" ? (spec as Record<string, unknown>)[key] : undefined);

/** One identity per name from the resources the names answered with; a name that did not answer keeps only itself. */
export function identitiesFromResources(names: readonly string[], resources: IdentityResources): Map<string, MachineIdentity> {
  const byName = new Map<string, MachineIdentity>(names.map((name) => [name, { names: [name], addresses: [] }]));
  // With one name, talosctl may omit the node field: the answers are that name's.
  const owner = (node: string | undefined) => byName.get(node ?? (names.length === 1 ? names[0]! : ""));
  for (const item of resources.hostnames) {
    const identity = owner(item.node);
    if (identity) identity.hostname = text(field(item.spec, "hostname")) ?? identity.hostname;
  }
  for (const item of resources.nodeAddresses) {
    const identity = owner(item.node);
    const addresses = field(item.spec, "addresses");
    if (identity && Array.isArray(addresses)) identity.addresses = unique([...identity.addresses, ...addresses.filter((a): a is string => typeof a === "string").map(bareAddress)]);
  }
  for (const item of resources.identities) {
    const identity = owner(item.node);
    if (identity) identity.nodeId = text(field(item.spec, "nodeId")) ?? identity.nodeId;
  }
  for (const item of resources.systemInformation) {
    const identity = owner(item.node);
    if (identity) identity.uuid = text(field(item.spec, "uuid")) ?? identity.uuid;
  }
  return byName;
}

/** Every value Omni could list this machine under: names, hostname, addresses, UUID. */
export function machineAliases(identity: MachineIdentity): string[] {
  return unique([...identity.names, ...(identity.hostname ? [identity.hostname] : []), ...identity.addresses, ...(identity.uuid ? [identity.uuid] : [])]);
}

/** How a message names a machine: its hostname, with the names used for it ("cp-1 [10.0.0.2]"). */
export function describeMachine(identity: MachineIdentity): string {
  const others = identity.names.filter((name) => name !== identity.hostname);
  if (!identity.hostname) return others.join(", ");
  return others.length ? `${identity.hostname} [${others.join(", ")}]` : identity.hostname;
}

/** How a message names the node a call acts on: as typed, with its hostname when that differs. */
export function describeTarget(typed: string, identity: MachineIdentity | undefined): string {
  return identity?.hostname && identity.hostname !== typed ? `${typed} (${identity.hostname})` : typed;
}
