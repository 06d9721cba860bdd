// An in-memory COSI state with the semantics of cosi-project/runtime's inmem store, which is what
// Omni's API serves: versions that must match on update, owners, the tearing-down phase,
// finalizers that block destroy, label and id queries, and watches (single resource, or a kind
// with bootstrap contents). Errors carry the messages and gRPC codes cosi's server gives.
import * as grpc from "@grpc/grpc-js";
import { SimError } from "../errors.js";
import type { Spec } from "./codec.js";

export type Phase = "running" | "tearingDown";

export interface ResourceMetadata {
  namespace: string;
  type: string;
  id: string;
  /** 0 = undefined (tombstones). */
  version: number;
  owner: string;
  phase: Phase;
  created: Date;
  updated: Date;
  finalizers: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface StoredResource {
  metadata: ResourceMetadata;
  spec: Spec;
}

export type EventType = "created" | "updated" | "destroyed" | "bootstrapped";
export interface StateEvent {
  type: EventType;
  resource: StoredResource;
  old?: StoredResource;
}

export type LabelOp = "EXISTS" | "EQUAL" | "NOT_EXISTS" | "IN" | "LT" | "LTE" | "LT_NUMERIC" | "LTE_NUMERIC";
export interface LabelTerm {
  key: string;
  op: LabelOp;
  value: string[];
  invert?: boolean;
}
export interface Query {
  /** Any of the queries matches (each one: all its terms match). Empty = everything. */
  labelQueries?: LabelTerm[][];
  idRegexp?: string;
}

const pointer = (md: Pick<ResourceMetadata, "namespace" | "type" | "id">, version?: number) => `${md.type}(${md.namespace}/${md.id}@${version ? version : "undefined"})`;
const key = (namespace: string, type: string, id: string) => `${namespace}\u0000${type}\u0000${id}`;

// cosi's compare.parseValue: an integer with an optional unit (k, M, Gi, GiB…); undefined when the value is not one.
const MULTIPLIERS: Record<string, number> = { pi: 2 ** 50, ti: 2 ** 40, gi: 2 ** 30, mi: 2 ** 20, ki: 2 ** 10, p: 1e15, t: 1e12, g: 1e9, m: 1e6, k: 1e3 };
function labelNumber(text: string): number | undefined {
  const [, digits = "", rest = ""] = /^([0-9-]*)([\s\S]*)$/.exec(text.trim())!;
  if (!/^-?\d+$/.test(digits)) return undefined;
  const units = rest.trim().toLowerCase();
  const multiplier = units === "" ? 1 : (MULTIPLIERS[units.slice(0, 2)] ?? MULTIPLIERS[units[0]!]);
  return multiplier === undefined ? undefined : Number(digits) * multiplier;
}

/** cosi's Labels.Matches: a comparison that cannot be made (label missing, not a number) matches nothing, inverted or not. */
function termMatches(labels: Record<string, string>, term: LabelTerm): boolean {
  const value = labels[term.key];
  // cosi's server turns NOT_EXISTS into an inverted EXISTS, ignoring the term's own invert.
  if (term.op === "NOT_EXISTS") return value === undefined;
  const comparison = term.op === "LT" || term.op === "LTE" || term.op === "LT_NUMERIC" || term.op === "LTE_NUMERIC";
  if (value === undefined) return comparison ? false : Boolean(term.invert);
  const first = term.value[0] ?? "";
  let result: boolean;
  switch (term.op) {
    case "EXISTS":
      result = true;
      break;
    case "EQUAL":
      result = value === first;
      break;
    case "IN":
      result = term.value.includes(value);
      break;
    case "LT":
      result = value < first;
      break;
    case "LTE":
      result = value <= first;
      break;
    case "LT_NUMERIC":
    case "LTE_NUMERIC": {
      const left = labelNumber(value);
      const right = labelNumber(first);
      if (left === undefined || right === undefined) return false;
      result = term.op === "LT_NUMERIC" ? left < right : left <= right;
      break;
    }
  }
  return term.invert ? !result : result;
}

export function matches(resource: StoredResource, query: Query = {}): boolean {
  if (query.idRegexp && !new RegExp(query.idRegexp).test(resource.metadata.id)) return false;
  const queries = query.labelQueries ?? [];
  return queries.length === 0 || queries.some((terms) => terms.every((term) => termMatches(resource.metadata.labels, term)));
}

const copy = (resource: StoredResource): StoredResource => structuredClone(resource);

export function tombstone(namespace: string, type: string, id: string): StoredResource {
  const now = new Date();
  return { metadata: { namespace, type, id, version: 0, owner: "", phase: "running", created: now, updated: now, finalizers: [], labels: {}, annotations: {} }, spec: {} };
}

type Listener = (event: StateEvent) => void;
interface Watcher {
  namespace: string;
  type: string;
  id?: string;
  query: Query;
  listener: Listener;
}

export class CosiState {
  private readonly resources = new Map<string, StoredResource>();
  private readonly watchers = new Set<Watcher>();

  get(namespace: string, type: string, id: string): StoredResource {
    const found = this.resources.get(key(namespace, type, id));
    if (!found) throw new SimError(grpc.status.NOT_FOUND, `resource ${pointer({ namespace, type, id })} doesn't exist`);
    return copy(found);
  }

  find(namespace: string, type: string, id: string): StoredResource | undefined {
    const found = this.resources.get(key(namespace, type, id));
    return found && copy(found);
  }

  list(namespace: string, type: string, query: Query = {}): StoredResource[] {
    return [...this.resources.values()]
      .filter((r) => r.metadata.namespace === namespace && r.metadata.type === type && matches(r, query))
      .sort((a, b) => (a.metadata.id < b.metadata.id ? -1 : a.metadata.id > b.metadata.id ? 1 : 0))
      .map(copy);
  }

  /** Labels, annotations and finalizers default to none; version, owner, phase and times are the store's. */
  create(resource: { metadata: Pick<ResourceMetadata, "namespace" | "type" | "id"> & Partial<ResourceMetadata>; spec: Spec }, owner = ""): StoredResource {
    const md = resource.metadata;
    if (this.resources.has(key(md.namespace, md.type, md.id))) throw new SimError(grpc.status.ALREADY_EXISTS, `resource ${pointer(md, md.version)} already exists`);
    const now = new Date();
    const stored: StoredResource = {
      metadata: { ...md, version: 1, owner, phase: "running", created: now, updated: now, finalizers: [...(md.finalizers ?? [])], labels: { ...md.labels }, annotations: { ...md.annotations } },
      spec: structuredClone(resource.spec),
    };
    this.resources.set(key(md.namespace, md.type, md.id), stored);
    this.emit({ type: "created", resource: copy(stored) });
    return copy(stored);
  }

  /** `resource.metadata.version` is the version the caller read; it must still be current. */
  update(resource: StoredResource, options: { owner?: string; expectedPhase?: Phase } = {}): StoredResource {
    const md = resource.metadata;
    const current = this.resources.get(key(md.namespace, md.type, md.id));
    if (!current) throw new SimError(grpc.status.NOT_FOUND, `resource ${pointer(md, md.version)} doesn't exist`);
    if (current.metadata.owner !== (options.owner ?? "")) throw new SimError(grpc.status.PERMISSION_DENIED, `resource ${pointer(md, current.metadata.version)} is owned by "${current.metadata.owner}"`);
    if (current.metadata.version !== md.version) {
      throw new SimError(grpc.status.FAILED_PRECONDITION, `resource ${pointer(md, current.metadata.version)} update conflict: expected version "${md.version || "undefined"}", actual version "${current.metadata.version}"`);
    }
    const expectedPhase = options.expectedPhase ?? "running";
    if (current.metadata.phase !== expectedPhase) throw new SimError(grpc.status.INVALID_ARGUMENT, `resource ${pointer(md, current.metadata.version)} is not in phase ${expectedPhase}`);
    return this.replace(current, copy({ ...resource, metadata: { ...md, owner: current.metadata.owner, created: current.metadata.created } }));
  }

  /** Controller-side changes (status, finalizers) that do not go through the API's version check. */
  modify(namespace: string, type: string, id: string, change: (resource: StoredResource) => void): StoredResource | undefined {
    const current = this.resources.get(key(namespace, type, id));
    if (!current) return undefined;
    const next = copy(current);
    change(next);
    return this.replace(current, next);
  }

  teardown(namespace: string, type: string, id: string, owner = ""): boolean {
    const current = this.resources.get(key(namespace, type, id));
    if (!current) throw new SimError(grpc.status.NOT_FOUND, `resource ${pointer({ namespace, type, id })} doesn't exist`);
    if (current.metadata.owner !== owner) throw new SimError(grpc.status.PERMISSION_DENIED, `resource ${pointer(current.metadata, current.metadata.version)} is owned by "${current.metadata.owner}"`);
    if (current.metadata.phase !== "tearingDown") {
      const next = copy(current);
      next.metadata.phase = "tearingDown";
      this.replace(current, next);
    }
    return this.resources.get(key(namespace, type, id))!.metadata.finalizers.length === 0;
  }

  destroy(namespace: string, type: string, id: string, owner = ""): void {
    const current = this.resources.get(key(namespace, type, id));
    if (!current) throw new SimError(grpc.status.NOT_FOUND, `resource ${pointer({ namespace, type, id })} doesn't exist`);
    if (current.metadata.owner !== owner) throw new SimError(grpc.status.PERMISSION_DENIED, `resource ${pointer(current.metadata, current.metadata.version)} is owned by "${current.metadata.owner}"`);
    if (current.metadata.finalizers.length > 0) {
      throw new SimError(grpc.status.FAILED_PRECONDITION, `resource ${pointer(current.metadata, current.metadata.version)} has pending finalizers &[${current.metadata.finalizers.join(" ")}]`);
    }
    this.resources.delete(key(namespace, type, id));
    this.emit({ type: "destroyed", resource: copy(current) });
  }

  /** Watches one resource: the first event is its current state, or `destroyed` when it does not exist. */
  watch(namespace: string, type: string, id: string, listener: Listener): () => void {
    const watcher: Watcher = { namespace, type, id, query: {}, listener };
    this.watchers.add(watcher);
    const current = this.resources.get(key(namespace, type, id));
    listener(current ? { type: "created", resource: copy(current) } : { type: "destroyed", resource: tombstone(namespace, type, id) });
    return () => this.watchers.delete(watcher);
  }

  /** Watches a kind; with `bootstrap`, the current matching resources come first, then `bootstrapped`. */
  watchKind(namespace: string, type: string, query: Query, bootstrap: boolean, listener: Listener): () => void {
    const watcher: Watcher = { namespace, type, query, listener };
    this.watchers.add(watcher);
    if (bootstrap) {
      for (const resource of this.list(namespace, type, query)) listener({ type: "created", resource });
      listener({ type: "bootstrapped", resource: tombstone(namespace, type, "") });
    }
    return () => this.watchers.delete(watcher);
  }

  private replace(current: StoredResource, next: StoredResource): StoredResource {
    const stored: StoredResource = { ...next, metadata: { ...next.metadata, version: current.metadata.version + 1, updated: new Date() } };
    const md = stored.metadata;
    this.resources.set(key(md.namespace, md.type, md.id), stored);
    this.emit({ type: "updated", resource: copy(stored), old: copy(current) });
    return copy(stored);
  }

  private emit(event: StateEvent): void {
    const md = event.resource.metadata;
    for (const watcher of [...this.watchers]) {
      if (watcher.namespace !== md.namespace || watcher.type !== md.type) continue;
      if (watcher.id !== undefined && watcher.id !== md.id) continue;
      if (watcher.id === undefined && !matches(event.resource, watcher.query)) {
        // A resource that stops matching leaves the watched set, as in cosi.
        if (event.type === "updated" && event.old && matches(event.old, watcher.query)) watcher.listener({ type: "destroyed", resource: event.resource });
        continue;
      }
      if (watcher.id === undefined && event.type === "updated" && event.old && !matches(event.old, watcher.query)) {
        watcher.listener({ type: "created", resource: event.resource });
        continue;
      }
      watcher.listener(event);
    }
  }
}
