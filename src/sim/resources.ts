// COSI resources a simulated node serves, with the real type names, namespaces, aliases, print
// columns and sensitivity of Talos v1.12.6 (pkg/machinery/resources). Each kind lists its resources
// on a node as id → spec in the spec's YAML form (Go's field names and value texts); the server
// sends that as yaml_spec and, for kinds that name their protobuf message, the same spec encoded
// with the real message as proto_spec (spec-proto.ts) — both, like Talos's COSI server.
// The kinds themselves live in resources/<family>.ts.
import { stringify, type DocumentOptions, type SchemaOptions, type ToStringOptions } from "yaml";
import type { SimCluster, SimNode } from "./cluster.js";
import { nodeFacts, type NodeFacts } from "./node-facts.js";
import type { Stamp } from "./resource-versions.js";
import { GoTime, type ProtoMapping } from "./spec-proto.js";
import { BLOCK_KINDS } from "./resources/block.js";
import { CLUSTER_KINDS } from "./resources/cluster.js";
import { HARDWARE_KINDS } from "./resources/hardware.js";
import { K8S_KINDS } from "./resources/k8s.js";
import { K8S_CONTROLPLANE_KINDS } from "./resources/k8s-controlplane.js";
import { KUBESPAN_KINDS } from "./resources/kubespan.js";
import { NETWORK_KINDS } from "./resources/network.js";
import { RUNTIME_KINDS } from "./resources/runtime.js";
import { SECRETS_KINDS } from "./resources/secrets.js";

/** What a kind's `list` sees: the node, its cluster, and what the machine is made of. */
export interface NodeView {
  node: SimNode;
  cluster: SimCluster;
  facts: NodeFacts;
}

export type Specs = Record<string, unknown>;

export interface ResourceKind {
  type: string;
  namespace: string;
  /** Aliases beyond the automatic ones (cosi ResourceDefinitionSpec.Fill). */
  aliases?: string[];
  /** Only the listed aliases (cosi SkipAutomaticAliases). */
  skipAutomaticAliases?: boolean;
  printColumns?: { name: string; jsonPath: string }[];
  sensitive?: boolean;
  /** Metadata annotations Talos sets on every resource of the kind. */
  annotations?: Record<string, string>;
  /** The spec's protobuf message, for proto_spec. */
  proto: ProtoMapping;
  /** Resources of this kind on a node: id → spec (YAML form). */
  list(view: NodeView): Specs | Promise<Specs>;
}

export const KINDS: ResourceKind[] = [...RUNTIME_KINDS, ...CLUSTER_KINDS, ...NETWORK_KINDS, ...HARDWARE_KINDS, ...BLOCK_KINDS, ...K8S_KINDS, ...K8S_CONTROLPLANE_KINDS, ...KUBESPAN_KINDS, ...SECRETS_KINDS];

/** Namespaces Talos registers (v1alpha2 state); a read in any other is refused. */
export const NAMESPACES = ["meta", "runtime", "cluster", "cluster-raw", "config", "etcd", "files", "hardware", "k8s", "controlplane", "kubespan", "network", "network-config", "cri", "secrets", "perf"];

export function viewOf(node: SimNode, cluster: SimCluster): NodeView {
  return { node, cluster, facts: nodeFacts(node, cluster.key) };
}

/** English singular as COSI's pluralizer gives it (Statuses → Status, Services → Service). */
export function singular(name: string): string {
  if (/(ss|x|ch|sh|us)es$/.test(name)) return name.slice(0, -2);
  if (/ies$/.test(name)) return `${name.slice(0, -3)}y`;
  return name.replace(/s$/, "");
}

/** The definition as cosi's ResourceDefinitionSpec.Fill would complete it. */
export function definitionOf(kind: Pick<ResourceKind, "type" | "namespace" | "aliases" | "printColumns" | "sensitive" | "skipAutomaticAliases">) {
  const [name, suffix] = [kind.type.slice(0, kind.type.indexOf(".")), kind.type.slice(kind.type.indexOf(".") + 1)];
  const displayType = singular(name);
  const aliases = [...(kind.aliases ?? [])];
  const allAliases: string[] = [];
  if (!kind.skipAutomaticAliases) {
    aliases.push(displayType.toLowerCase());
    allAliases.push(name.toLowerCase());
    const parts = suffix.split(".");
    for (let i = 1; i < parts.length; i += 1) allAliases.push([name.toLowerCase(), ...parts.slice(0, i)].join("."));
    const upper = name.replace(/[^A-Z]/g, "");
    if (upper.length > 1) {
      aliases.push(upper.toLowerCase());
      if (!upper.endsWith("S")) aliases.push(`${upper.toLowerCase()}s`);
    }
  }
  allAliases.push(...aliases);
  return {
    resourceType: kind.type,
    displayType,
    defaultNamespace: kind.namespace,
    aliases,
    allAliases,
    printColumns: (kind.printColumns ?? []).map((c) => ({ name: c.name, jsonPath: c.jsonPath })),
    sensitivity: kind.sensitive ? 1 : 0,
  };
}

export const RD_TYPE = "ResourceDefinitions.meta.cosi.dev";

export interface StampedResource {
  id: string;
  spec: unknown;
  yaml: string;
  /** Its COSI version and times: the version goes up each time the YAML changes (resource-versions.ts). */
  stamp: Stamp;
}

/** The node's resources of `kind`, each with its version, as every COSI read and watch reports them. */
export async function stampedResources(kind: ResourceKind, node: SimNode, cluster: SimCluster): Promise<StampedResource[]> {
  const specs = await kind.list(viewOf(node, cluster));
  const yamls = Object.fromEntries(Object.entries(specs).map(([id, spec]) => [id, yamlSpec(spec)]));
  const stamps = cluster.versions.stamp(`${node.name}/${kind.namespace}/${kind.type}`, yamls);
  return Object.entries(specs).map(([id, spec]) => ({ id, spec, yaml: yamls[id]!, stamp: stamps[id]! }));
}

/**
 * Go's yaml.Marshal of a spec: strings YAML 1.1 would read as something else are quoted (yes, on,
 * timestamps), and a text spec (a machine config) is one indented block scalar.
 */
export function yamlSpec(spec: unknown): string {
  if (typeof spec === "string" && spec.includes("\n")) {
    const body = spec.replace(/\n$/, "");
    return `${spec.endsWith("\n") ? "|" : "|-"}\n${body.split("\n").map((line) => (line ? `    ${line}` : "")).join("\n")}\n`;
  }
  return stringify(spec, GO_YAML);
}

/** time.Time values print plain, as Go prints them (the YAML 1.1 schema would reformat them). */
const GO_TIME_TAG = {
  tag: "tag:yaml.org,2002:timestamp",
  default: true,
  identify: (value: unknown) => value instanceof GoTime,
  resolve: (text: string) => text,
  stringify: (item: { value: unknown }) => String(item.value),
};

const GO_YAML: DocumentOptions & SchemaOptions & ToStringOptions = { lineWidth: 0, version: "1.1", customTags: [GO_TIME_TAG] };
