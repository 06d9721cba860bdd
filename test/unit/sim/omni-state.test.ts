import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { SimError } from "../../../src/sim/errors.js";
import { CosiState, matches, tombstone, type LabelTerm, type Query, type StateEvent, type StoredResource } from "../../../src/sim/omni/state.js";

const NS = "default";
const CLUSTER = "Clusters.omni.sidero.dev";
const MACHINE = "MachineStatuses.omni.sidero.dev";

function input(id: string, options: { labels?: Record<string, string>; finalizers?: string[]; spec?: Record<string, unknown>; namespace?: string; type?: string } = {}) {
  return {
    metadata: { namespace: options.namespace ?? NS, type: options.type ?? CLUSTER, id, finalizers: options.finalizers ?? [], labels: options.labels ?? {}, annotations: {} },
    spec: options.spec ?? { talos_version: "1.9.0" },
  };
}

/** Runs `fn`, which must fail with a SimError; returns it. */
function simError(fn: () => unknown): SimError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SimError);
    return error as SimError;
  }
  throw new Error("expected a SimError, nothing was thrown");
}

function expectSimError(fn: () => unknown, code: grpc.status, message: string | RegExp): void {
  const error = simError(fn);
  expect(error.code).toBe(code);
  if (typeof message === "string") expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
}

function recorder() {
  const events: StateEvent[] = [];
  const listener = (event: StateEvent) => void events.push(event);
  const summary = () => events.map((e) => `${e.type} ${e.resource.metadata.id}@${e.resource.metadata.version}`);
  return { events, listener, summary };
}

const ids = (resources: StoredResource[]) => resources.map((r) => r.metadata.id);

describe("CosiState.create", () => {
  it("stores version 1, the owner, phase running and copies of labels, finalizers and spec", () => {
    const state = new CosiState();
    const created = state.create(input("a", { labels: { l: "1" }, finalizers: ["f"], spec: { talos_version: "1.9.0", features: { disk_encryption: true } } }), "ClusterController");
    expect(created.metadata).toMatchObject({ namespace: NS, type: CLUSTER, id: "a", version: 1, owner: "ClusterController", phase: "running", labels: { l: "1" }, finalizers: ["f"], annotations: {} });
    expect(created.metadata.created).toBeInstanceOf(Date);
    expect(created.metadata.updated.getTime()).toBe(created.metadata.created.getTime());
    expect(created.spec).toEqual({ talos_version: "1.9.0", features: { disk_encryption: true } });
    expect(state.get(NS, CLUSTER, "a")).toEqual(created);
  });

  it("has no owner unless one is given", () => {
    const state = new CosiState();
    expect(state.create(input("a")).metadata.owner).toBe("");
  });

  it("ignores a version, owner and phase the caller put in the metadata", () => {
    const state = new CosiState();
    const created = state.create({ metadata: { ...input("a").metadata, version: 7, owner: "someone", phase: "tearingDown" }, spec: {} }, "real-owner");
    expect(created.metadata).toMatchObject({ version: 1, owner: "real-owner", phase: "running" });
  });

  it("refuses a second resource with the same id: AlreadyExists, and keeps the first", () => {
    const state = new CosiState();
    state.create(input("a", { spec: { talos_version: "1.9.0" } }));
    const error = simError(() => state.create(input("a", { spec: { talos_version: "1.10.0" } })));
    expect(error.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(error.code).toBe(6);
    // cosi names the version the caller sent: a new resource has none.
    expect(error.message).toBe("resource Clusters.omni.sidero.dev(default/a@undefined) already exists");
    expect(state.get(NS, CLUSTER, "a").spec).toEqual({ talos_version: "1.9.0" });
  });

  it("allows the same id in another namespace or of another type", () => {
    const state = new CosiState();
    state.create(input("a"));
    expect(() => state.create(input("a", { namespace: "ephemeral" }))).not.toThrow();
    expect(() => state.create(input("a", { type: MACHINE }))).not.toThrow();
    expect(state.list(NS, CLUSTER)).toHaveLength(1);
  });
});

describe("CosiState.get, find and list", () => {
  it("get of a missing resource is NotFound with cosi's message", () => {
    const state = new CosiState();
    expectSimError(() => state.get(NS, CLUSTER, "nope"), grpc.status.NOT_FOUND, "resource Clusters.omni.sidero.dev(default/nope@undefined) doesn't exist");
  });

  it("get does not find a resource of another namespace or type", () => {
    const state = new CosiState();
    state.create(input("a"));
    expect(() => state.get("ephemeral", CLUSTER, "a")).toThrow(SimError);
    expect(() => state.get(NS, MACHINE, "a")).toThrow(SimError);
  });

  it("find returns the resource, or undefined when it is missing", () => {
    const state = new CosiState();
    state.create(input("a"));
    expect(state.find(NS, CLUSTER, "a")?.metadata.id).toBe("a");
    expect(state.find(NS, CLUSTER, "b")).toBeUndefined();
    expect(state.find("ephemeral", CLUSTER, "a")).toBeUndefined();
  });

  it("list sorts by id and keeps to one namespace and type", () => {
    const state = new CosiState();
    for (const id of ["charlie", "alpha", "bravo", "Zulu", "alpha-2"]) state.create(input(id));
    state.create(input("aaa", { namespace: "ephemeral" }));
    state.create(input("aab", { type: MACHINE }));
    expect(ids(state.list(NS, CLUSTER))).toEqual(["Zulu", "alpha", "alpha-2", "bravo", "charlie"]);
    expect(ids(state.list("ephemeral", CLUSTER))).toEqual(["aaa"]);
    expect(ids(state.list(NS, MACHINE))).toEqual(["aab"]);
    expect(state.list("nowhere", CLUSTER)).toEqual([]);
  });

  it("list filters with label queries and an id regexp", () => {
    const state = new CosiState();
    state.create(input("cp-1", { labels: { role: "controlplane", cluster: "demo" } }));
    state.create(input("w-1", { labels: { role: "worker", cluster: "demo" } }));
    state.create(input("w-2", { labels: { role: "worker", cluster: "prod" } }));
    state.create(input("free", { labels: {} }));
    const eq = (key: string, value: string): LabelTerm => ({ key, op: "EQUAL", value: [value] });
    expect(ids(state.list(NS, CLUSTER, { labelQueries: [[eq("role", "worker")]] }))).toEqual(["w-1", "w-2"]);
    expect(ids(state.list(NS, CLUSTER, { labelQueries: [[eq("role", "worker"), eq("cluster", "demo")]] }))).toEqual(["w-1"]);
    expect(ids(state.list(NS, CLUSTER, { labelQueries: [[eq("role", "controlplane")], [eq("cluster", "prod")]] }))).toEqual(["cp-1", "w-2"]);
    expect(ids(state.list(NS, CLUSTER, { labelQueries: [[{ key: "cluster", op: "EXISTS", value: [], invert: true }]] }))).toEqual(["free"]);
    expect(ids(state.list(NS, CLUSTER, { idRegexp: "^w-" }))).toEqual(["w-1", "w-2"]);
    expect(ids(state.list(NS, CLUSTER, { idRegexp: "^w-", labelQueries: [[eq("cluster", "prod")]] }))).toEqual(["w-2"]);
    expect(ids(state.list(NS, CLUSTER, { idRegexp: "^nothing$" }))).toEqual([]);
  });
});

describe("matches (cosi label and id queries)", () => {
  const resource = (id: string, labels: Record<string, string>): StoredResource => {
    const r = tombstone(NS, MACHINE, id);
    r.metadata.labels = labels;
    return r;
  };
  const machine = resource("machine-1", { role: "worker", zone: "b", cores: "8", mem: "16GiB", small: "4k", empty: "" });
  const one = (term: LabelTerm): Query => ({ labelQueries: [[term]] });
  const t = (key: string, op: LabelTerm["op"], value: string[] = [], invert = false): LabelTerm => ({ key, op, value, invert });

  it.each<[string, LabelTerm, boolean]>([
    ["EXISTS on a present label", t("role", "EXISTS"), true],
    ["EXISTS on an empty-valued label", t("empty", "EXISTS"), true],
    ["EXISTS on a missing label", t("nope", "EXISTS"), false],
    ["inverted EXISTS on a present label", t("role", "EXISTS", [], true), false],
    ["inverted EXISTS on a missing label", t("nope", "EXISTS", [], true), true],
    ["NOT_EXISTS on a missing label", t("nope", "NOT_EXISTS"), true],
    ["NOT_EXISTS on a present label", t("role", "NOT_EXISTS"), false],
    ["NOT_EXISTS ignores invert, as cosi's server does (missing label)", t("nope", "NOT_EXISTS", [], true), true],
    ["NOT_EXISTS ignores invert, as cosi's server does (present label)", t("role", "NOT_EXISTS", [], true), false],
    ["EQUAL with the value", t("role", "EQUAL", ["worker"]), true],
    ["EQUAL with another value", t("role", "EQUAL", ["controlplane"]), false],
    ["EQUAL is case-sensitive", t("role", "EQUAL", ["Worker"]), false],
    ["EQUAL on a missing label", t("nope", "EQUAL", ["worker"]), false],
    ["inverted EQUAL (!=) with the value", t("role", "EQUAL", ["worker"], true), false],
    ["inverted EQUAL (!=) with another value", t("role", "EQUAL", ["controlplane"], true), true],
    ["inverted EQUAL (!=) on a missing label", t("nope", "EQUAL", ["worker"], true), true],
    ["IN containing the value", t("role", "IN", ["controlplane", "worker"]), true],
    ["IN not containing the value", t("role", "IN", ["controlplane", "infra"]), false],
    ["IN with an empty set", t("role", "IN", []), false],
    ["IN on a missing label", t("nope", "IN", ["worker"]), false],
    ["inverted IN (notin) containing the value", t("role", "IN", ["controlplane", "worker"], true), false],
    ["inverted IN (notin) not containing the value", t("role", "IN", ["controlplane"], true), true],
    ["inverted IN (notin) on a missing label", t("nope", "IN", ["worker"], true), true],
    ["LT compares strings: b < c", t("zone", "LT", ["c"]), true],
    ["LT compares strings: b < b is false", t("zone", "LT", ["b"]), false],
    ["LT compares strings, not numbers: \"8\" < \"10\" is false", t("cores", "LT", ["10"]), false],
    ["LTE compares strings: b <= b", t("zone", "LTE", ["b"]), true],
    ["LTE compares strings: b <= a is false", t("zone", "LTE", ["a"]), false],
    ["inverted LT (>=): b >= b", t("zone", "LT", ["b"], true), true],
    ["inverted LTE (>): b > b is false", t("zone", "LTE", ["b"], true), false],
    ["LT on a missing label", t("nope", "LT", ["z"]), false],
    ["inverted LT on a missing label matches nothing (cosi)", t("nope", "LT", ["a"], true), false],
    ["inverted LTE on a missing label matches nothing (cosi)", t("nope", "LTE", ["a"], true), false],
    ["LT_NUMERIC compares numbers: 8 < 10", t("cores", "LT_NUMERIC", ["10"]), true],
    ["LT_NUMERIC: 8 < 8 is false", t("cores", "LT_NUMERIC", ["8"]), false],
    ["LTE_NUMERIC: 8 <= 8", t("cores", "LTE_NUMERIC", ["8"]), true],
    ["LTE_NUMERIC: 8 <= 7 is false", t("cores", "LTE_NUMERIC", ["7"]), false],
    ["inverted LT_NUMERIC (>=): 8 >= 8", t("cores", "LT_NUMERIC", ["8"], true), true],
    ["inverted LT_NUMERIC (>=): 8 >= 10 is false", t("cores", "LT_NUMERIC", ["10"], true), false],
    ["inverted LTE_NUMERIC (>): 8 > 7", t("cores", "LTE_NUMERIC", ["7"], true), true],
    ["inverted LTE_NUMERIC (>): 8 > 8 is false", t("cores", "LTE_NUMERIC", ["8"], true), false],
    ["LT_NUMERIC with negative numbers: 8 < -1 is false", t("cores", "LT_NUMERIC", ["-1"]), false],
    ["LT_NUMERIC on a missing label", t("nope", "LT_NUMERIC", ["10"]), false],
    ["inverted LT_NUMERIC (>=) on a missing label matches nothing (cosi)", t("nope", "LT_NUMERIC", ["1"], true), false],
    ["inverted LTE_NUMERIC (>) on a missing label matches nothing (cosi)", t("nope", "LTE_NUMERIC", ["1"], true), false],
    ["LT_NUMERIC on a non-numeric label", t("zone", "LT_NUMERIC", ["10"]), false],
    ["inverted LT_NUMERIC on a non-numeric label matches nothing (cosi)", t("zone", "LT_NUMERIC", ["10"], true), false],
    ["LT_NUMERIC against a non-numeric value", t("cores", "LT_NUMERIC", ["ten"]), false],
    ["an empty label is not the number 0", t("empty", "LT_NUMERIC", ["5"]), false],
    ["LT_NUMERIC does not read exponents: 1e3 is not a number", t("cores", "LT_NUMERIC", ["1e3"]), false],
    ["binary units: 16GiB < 20Gi", t("mem", "LT_NUMERIC", ["20Gi"]), true],
    ["binary units: 16GiB <= 16 GiB", t("mem", "LTE_NUMERIC", ["16 GiB"]), true],
    ["binary against decimal units: 16GiB <= 16GB is false", t("mem", "LTE_NUMERIC", ["16GB"]), false],
    ["binary against decimal units: inverted, 16GiB > 16GB", t("mem", "LTE_NUMERIC", ["16GB"], true), true],
    ["decimal units: 4k <= 4000", t("small", "LTE_NUMERIC", ["4000"]), true],
    ["decimal units: 4k < 4000 is false", t("small", "LT_NUMERIC", ["4000"]), false],
    ["an unknown unit is not a number", t("small", "LTE_NUMERIC", ["4000x"]), false],
  ])("%s → %s", (_name, term, expected) => {
    expect(matches(machine, one(term))).toBe(expected);
  });

  it("matches everything without a query, with no label queries, or with a query without terms", () => {
    expect(matches(machine)).toBe(true);
    expect(matches(machine, {})).toBe(true);
    expect(matches(machine, { labelQueries: [] })).toBe(true);
    expect(matches(machine, { labelQueries: [[]] })).toBe(true);
    expect(matches(resource("bare", {}), { labelQueries: [] })).toBe(true);
  });

  it("ANDs the terms of one query", () => {
    expect(matches(machine, { labelQueries: [[t("role", "EQUAL", ["worker"]), t("zone", "EQUAL", ["b"])]] })).toBe(true);
    expect(matches(machine, { labelQueries: [[t("role", "EQUAL", ["worker"]), t("zone", "EQUAL", ["a"])]] })).toBe(false);
    expect(matches(machine, { labelQueries: [[t("role", "EQUAL", ["controlplane"]), t("zone", "EQUAL", ["b"])]] })).toBe(false);
  });

  it("ORs several queries", () => {
    expect(matches(machine, { labelQueries: [[t("role", "EQUAL", ["controlplane"])], [t("zone", "EQUAL", ["b"])]] })).toBe(true);
    expect(matches(machine, { labelQueries: [[t("role", "EQUAL", ["worker"])], [t("zone", "EQUAL", ["a"])]] })).toBe(true);
    expect(matches(machine, { labelQueries: [[t("role", "EQUAL", ["controlplane"])], [t("zone", "EQUAL", ["a"])]] })).toBe(false);
  });

  it("matches the id against a regexp, unanchored as Go's MatchString", () => {
    expect(matches(machine, { idRegexp: "^machine-" })).toBe(true);
    expect(matches(machine, { idRegexp: "ine-1" })).toBe(true);
    expect(matches(machine, { idRegexp: "^ine" })).toBe(false);
    expect(matches(machine, { idRegexp: "^machine-[0-9]+$" })).toBe(true);
    expect(matches(machine, { idRegexp: "^machine-[a-z]+$" })).toBe(false);
  });

  it("requires both the id regexp and the label queries", () => {
    expect(matches(machine, { idRegexp: "^machine", labelQueries: [[t("role", "EQUAL", ["worker"])]] })).toBe(true);
    expect(matches(machine, { idRegexp: "^machine", labelQueries: [[t("role", "EQUAL", ["controlplane"])]] })).toBe(false);
    expect(matches(machine, { idRegexp: "^other", labelQueries: [[t("role", "EQUAL", ["worker"])]] })).toBe(false);
  });
});

describe("CosiState.update", () => {
  it("bumps the version, replaces spec and labels, keeps created and the owner", () => {
    const state = new CosiState();
    const created = state.create(input("a", { labels: { x: "1" } }), "owner-1");
    const next = state.get(NS, CLUSTER, "a");
    next.spec = { talos_version: "1.10.0" };
    next.metadata.labels = { y: "2" };
    next.metadata.created = new Date(0);
    next.metadata.owner = "someone-else";
    const updated = state.update(next, { owner: "owner-1" });
    expect(updated.metadata).toMatchObject({ version: 2, owner: "owner-1", labels: { y: "2" }, phase: "running" });
    expect(updated.metadata.created.getTime()).toBe(created.metadata.created.getTime());
    expect(updated.spec).toEqual({ talos_version: "1.10.0" });
    expect(state.get(NS, CLUSTER, "a")).toEqual(updated);
    // And again: versions keep counting.
    expect(state.update(updated, { owner: "owner-1" }).metadata.version).toBe(3);
  });

  it("refuses a stale version: FailedPrecondition, and changes nothing", () => {
    const state = new CosiState();
    state.create(input("a"));
    const first = state.get(NS, CLUSTER, "a");
    state.update({ ...first, spec: { talos_version: "1.10.0" } });
    expectSimError(
      () => state.update({ ...first, spec: { talos_version: "1.11.0" } }),
      grpc.status.FAILED_PRECONDITION,
      'resource Clusters.omni.sidero.dev(default/a@2) update conflict: expected version "1", actual version "2"',
    );
    expect(state.get(NS, CLUSTER, "a")).toMatchObject({ metadata: { version: 2 }, spec: { talos_version: "1.10.0" } });
  });

  it("refuses a version ahead of the stored one and an undefined version", () => {
    const state = new CosiState();
    state.create(input("a"));
    const current = state.get(NS, CLUSTER, "a");
    expectSimError(() => state.update({ ...current, metadata: { ...current.metadata, version: 5 } }), grpc.status.FAILED_PRECONDITION, /update conflict: expected version "5", actual version "1"/);
    expectSimError(() => state.update({ ...current, metadata: { ...current.metadata, version: 0 } }), grpc.status.FAILED_PRECONDITION, /update conflict: expected version "undefined", actual version "1"/);
  });

  it("refuses a caller who is not the owner: PermissionDenied", () => {
    const state = new CosiState();
    state.create(input("owned"), "ClusterController");
    state.create(input("free"));
    const owned = state.get(NS, CLUSTER, "owned");
    expectSimError(() => state.update(owned), grpc.status.PERMISSION_DENIED, 'resource Clusters.omni.sidero.dev(default/owned@1) is owned by "ClusterController"');
    expectSimError(() => state.update(owned, { owner: "OtherController" }), grpc.status.PERMISSION_DENIED, /is owned by "ClusterController"/);
    expectSimError(() => state.update(state.get(NS, CLUSTER, "free"), { owner: "ClusterController" }), grpc.status.PERMISSION_DENIED, /\(default\/free@1\) is owned by ""/);
    expect(state.update(owned, { owner: "ClusterController" }).metadata.version).toBe(2);
  });

  it("checks the owner before the version, as cosi does", () => {
    const state = new CosiState();
    state.create(input("a"), "ctrl");
    const stale = state.get(NS, CLUSTER, "a");
    state.update(stale, { owner: "ctrl" });
    expect(simError(() => state.update(stale)).code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it("refuses a resource that is not in the expected phase: InvalidArgument", () => {
    const state = new CosiState();
    state.create(input("a"));
    state.teardown(NS, CLUSTER, "a");
    const tearing = state.get(NS, CLUSTER, "a");
    expectSimError(() => state.update(tearing), grpc.status.INVALID_ARGUMENT, "resource Clusters.omni.sidero.dev(default/a@2) is not in phase running");
    expectSimError(() => state.update(tearing, { expectedPhase: "running" }), grpc.status.INVALID_ARGUMENT, /is not in phase running/);
    const updated = state.update(tearing, { expectedPhase: "tearingDown" });
    expect(updated.metadata).toMatchObject({ version: 3, phase: "tearingDown" });
  });

  it("refuses expecting tearingDown on a running resource", () => {
    const state = new CosiState();
    state.create(input("a"));
    expectSimError(() => state.update(state.get(NS, CLUSTER, "a"), { expectedPhase: "tearingDown" }), grpc.status.INVALID_ARGUMENT, /is not in phase tearingDown/);
  });

  it("of a missing resource is NotFound", () => {
    const state = new CosiState();
    const ghost = tombstone(NS, CLUSTER, "ghost");
    ghost.metadata.version = 3;
    expectSimError(() => state.update(ghost), grpc.status.NOT_FOUND, "resource Clusters.omni.sidero.dev(default/ghost@3) doesn't exist");
  });

  it("stores a copy: changing the object passed in afterwards does not change the store", () => {
    const state = new CosiState();
    state.create(input("a", { spec: { features: { disk_encryption: false } } }));
    const next = state.get(NS, CLUSTER, "a");
    state.update(next);
    (next.spec.features as Record<string, unknown>).disk_encryption = true;
    next.metadata.labels.sneaky = "yes";
    next.metadata.finalizers.push("sneaky");
    const stored = state.get(NS, CLUSTER, "a");
    expect(stored.spec).toEqual({ features: { disk_encryption: false } });
    expect(stored.metadata.labels).toEqual({});
    expect(stored.metadata.finalizers).toEqual([]);
  });
});

describe("CosiState.modify (controller-side)", () => {
  it("applies the change without an owner or version check and bumps the version", () => {
    const state = new CosiState();
    state.create(input("a"), "ClusterController");
    const modified = state.modify(NS, CLUSTER, "a", (r) => {
      r.metadata.finalizers.push("ClusterController");
      r.spec = { talos_version: "1.10.0" };
    });
    expect(modified?.metadata).toMatchObject({ version: 2, owner: "ClusterController", finalizers: ["ClusterController"] });
    expect(state.get(NS, CLUSTER, "a")).toMatchObject({ metadata: { version: 2, finalizers: ["ClusterController"] }, spec: { talos_version: "1.10.0" } });
  });

  it("returns undefined for a missing resource and creates nothing", () => {
    const state = new CosiState();
    let called = false;
    expect(state.modify(NS, CLUSTER, "nope", () => void (called = true))).toBeUndefined();
    expect(called).toBe(false);
    expect(state.find(NS, CLUSTER, "nope")).toBeUndefined();
  });

  it("emits an updated event with the old state", () => {
    const state = new CosiState();
    state.create(input("a"));
    const { events, listener } = recorder();
    state.watchKind(NS, CLUSTER, {}, false, listener);
    state.modify(NS, CLUSTER, "a", (r) => void (r.metadata.labels.x = "1"));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "updated", resource: { metadata: { version: 2, labels: { x: "1" } } }, old: { metadata: { version: 1, labels: {} } } });
  });
});

describe("CosiState.teardown", () => {
  it("moves the resource to tearingDown and is destroy-ready without finalizers", () => {
    const state = new CosiState();
    state.create(input("a"));
    expect(state.teardown(NS, CLUSTER, "a")).toBe(true);
    expect(state.get(NS, CLUSTER, "a").metadata).toMatchObject({ phase: "tearingDown", version: 2 });
  });

  it("is not destroy-ready while finalizers are pending", () => {
    const state = new CosiState();
    state.create(input("a", { finalizers: ["ClusterController"] }));
    expect(state.teardown(NS, CLUSTER, "a")).toBe(false);
    expect(state.get(NS, CLUSTER, "a").metadata.phase).toBe("tearingDown");
    state.modify(NS, CLUSTER, "a", (r) => void (r.metadata.finalizers = []));
    expect(state.teardown(NS, CLUSTER, "a")).toBe(true);
  });

  it("is idempotent: a second teardown neither bumps the version nor emits", () => {
    const state = new CosiState();
    state.create(input("a", { finalizers: ["f"] }));
    const { events, listener } = recorder();
    state.watchKind(NS, CLUSTER, {}, false, listener);
    expect(state.teardown(NS, CLUSTER, "a")).toBe(false);
    expect(state.teardown(NS, CLUSTER, "a")).toBe(false);
    expect(state.get(NS, CLUSTER, "a").metadata.version).toBe(2);
    expect(events.map((e) => e.type)).toEqual(["updated"]);
    expect(events[0]!.resource.metadata.phase).toBe("tearingDown");
  });

  it("of a missing resource is NotFound", () => {
    const state = new CosiState();
    expectSimError(() => state.teardown(NS, CLUSTER, "nope"), grpc.status.NOT_FOUND, "resource Clusters.omni.sidero.dev(default/nope@undefined) doesn't exist");
  });

  it("checks the owner", () => {
    const state = new CosiState();
    state.create(input("a"), "ctrl");
    expectSimError(() => state.teardown(NS, CLUSTER, "a"), grpc.status.PERMISSION_DENIED, 'resource Clusters.omni.sidero.dev(default/a@1) is owned by "ctrl"');
    expect(state.get(NS, CLUSTER, "a").metadata.phase).toBe("running");
    expect(state.teardown(NS, CLUSTER, "a", "ctrl")).toBe(true);
  });
});

describe("CosiState.destroy", () => {
  it("removes the resource", () => {
    const state = new CosiState();
    state.create(input("a"));
    state.create(input("b"));
    state.destroy(NS, CLUSTER, "a");
    expect(state.find(NS, CLUSTER, "a")).toBeUndefined();
    expect(ids(state.list(NS, CLUSTER))).toEqual(["b"]);
    // The id is free again.
    expect(state.create(input("a")).metadata.version).toBe(1);
  });

  it("refuses while finalizers are pending: FailedPrecondition naming them", () => {
    const state = new CosiState();
    state.create(input("a", { finalizers: ["a", "b"] }));
    state.teardown(NS, CLUSTER, "a");
    expectSimError(() => state.destroy(NS, CLUSTER, "a"), grpc.status.FAILED_PRECONDITION, /^resource Clusters\.omni\.sidero\.dev\(default\/a@2\) has pending finalizers &\[a b\]$/);
    expect(state.find(NS, CLUSTER, "a")).toBeDefined();
    state.modify(NS, CLUSTER, "a", (r) => void (r.metadata.finalizers = []));
    state.destroy(NS, CLUSTER, "a");
    expect(state.find(NS, CLUSTER, "a")).toBeUndefined();
  });

  it("checks the owner", () => {
    const state = new CosiState();
    state.create(input("a"), "ctrl");
    expectSimError(() => state.destroy(NS, CLUSTER, "a"), grpc.status.PERMISSION_DENIED, 'resource Clusters.omni.sidero.dev(default/a@1) is owned by "ctrl"');
    expectSimError(() => state.destroy(NS, CLUSTER, "a", "other"), grpc.status.PERMISSION_DENIED, /is owned by "ctrl"/);
    expect(state.find(NS, CLUSTER, "a")).toBeDefined();
    state.destroy(NS, CLUSTER, "a", "ctrl");
    expect(state.find(NS, CLUSTER, "a")).toBeUndefined();
  });

  it("of a missing resource is NotFound", () => {
    const state = new CosiState();
    state.create(input("a"));
    expectSimError(() => state.destroy(NS, CLUSTER, "nope"), grpc.status.NOT_FOUND, "resource Clusters.omni.sidero.dev(default/nope@undefined) doesn't exist");
    expectSimError(() => state.destroy("ephemeral", CLUSTER, "a"), grpc.status.NOT_FOUND, /doesn't exist/);
  });
});

describe("CosiState.watch (one resource)", () => {
  it("starts with the current state as created, then delivers updates and the destroy", () => {
    const state = new CosiState();
    state.create(input("a"));
    const { events, listener, summary } = recorder();
    state.watch(NS, CLUSTER, "a", listener);
    expect(summary()).toEqual(["created a@1"]);
    state.update(state.get(NS, CLUSTER, "a"));
    state.destroy(NS, CLUSTER, "a");
    expect(summary()).toEqual(["created a@1", "updated a@2", "destroyed a@2"]);
    expect(events[1]!.old?.metadata.version).toBe(1);
  });

  it("starts with a destroyed tombstone (version 0) when the resource does not exist, then sees it created", () => {
    const state = new CosiState();
    const { events, listener, summary } = recorder();
    state.watch(NS, CLUSTER, "later", listener);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "destroyed", resource: { metadata: { namespace: NS, type: CLUSTER, id: "later", version: 0, finalizers: [], labels: {} }, spec: {} } });
    state.create(input("later"));
    expect(summary()).toEqual(["destroyed later@0", "created later@1"]);
  });

  it("ignores other ids, namespaces and types", () => {
    const state = new CosiState();
    const { listener, summary } = recorder();
    state.watch(NS, CLUSTER, "a", listener);
    state.create(input("b"));
    state.create(input("a", { namespace: "ephemeral" }));
    state.create(input("a", { type: MACHINE }));
    expect(summary()).toEqual(["destroyed a@0"]);
  });

  it("stops delivering after unsubscribe", () => {
    const state = new CosiState();
    state.create(input("a"));
    const { listener, summary } = recorder();
    const off = state.watch(NS, CLUSTER, "a", listener);
    off();
    state.update(state.get(NS, CLUSTER, "a"));
    state.destroy(NS, CLUSTER, "a");
    expect(summary()).toEqual(["created a@1"]);
  });
});

describe("CosiState.watchKind", () => {
  it("with bootstrap: the matching resources in id order, then bootstrapped, then changes", () => {
    const state = new CosiState();
    state.create(input("c", { labels: { role: "worker" } }));
    state.create(input("a", { labels: { role: "worker" } }));
    state.create(input("b", { labels: { role: "controlplane" } }));
    state.create(input("z", { labels: { role: "worker" }, namespace: "ephemeral" }));
    const { events, listener, summary } = recorder();
    state.watchKind(NS, CLUSTER, { labelQueries: [[{ key: "role", op: "EQUAL", value: ["worker"] }]] }, true, listener);
    expect(summary()).toEqual(["created a@1", "created c@1", "bootstrapped @0"]);
    expect(events[2]!.resource.metadata).toMatchObject({ namespace: NS, type: CLUSTER, id: "", version: 0 });
    state.create(input("d", { labels: { role: "worker" } }));
    expect(summary().at(-1)).toBe("created d@1");
  });

  it("with bootstrap and nothing stored: only bootstrapped", () => {
    const state = new CosiState();
    const { listener, summary } = recorder();
    state.watchKind(NS, CLUSTER, {}, true, listener);
    expect(summary()).toEqual(["bootstrapped @0"]);
  });

  it("without bootstrap: nothing at first, then every change of the kind", () => {
    const state = new CosiState();
    state.create(input("a"));
    const { listener, summary } = recorder();
    state.watchKind(NS, CLUSTER, {}, false, listener);
    expect(summary()).toEqual([]);
    state.create(input("b"));
    state.update(state.get(NS, CLUSTER, "a"));
    state.teardown(NS, CLUSTER, "b");
    state.destroy(NS, CLUSTER, "b");
    state.create(input("x", { type: MACHINE }));
    state.create(input("y", { namespace: "ephemeral" }));
    expect(summary()).toEqual(["created b@1", "updated a@2", "updated b@2", "destroyed b@2"]);
  });

  it("with a label query: leaving the set arrives as destroyed, entering as created, others are skipped", () => {
    const state = new CosiState();
    state.create(input("m", { labels: { cluster: "demo" } }));
    state.create(input("n", { labels: {} }));
    const { events, listener, summary } = recorder();
    state.watchKind(NS, CLUSTER, { labelQueries: [[{ key: "cluster", op: "EQUAL", value: ["demo"] }]] }, false, listener);

    state.modify(NS, CLUSTER, "m", (r) => void (r.metadata.annotations.note = "still demo"));
    state.modify(NS, CLUSTER, "m", (r) => void (r.metadata.labels = {}));
    state.modify(NS, CLUSTER, "n", (r) => void (r.metadata.labels = { other: "x" }));
    state.modify(NS, CLUSTER, "n", (r) => void (r.metadata.labels = { cluster: "demo" }));
    state.create(input("o", { labels: { cluster: "prod" } }));
    state.destroy(NS, CLUSTER, "o");
    state.destroy(NS, CLUSTER, "m");
    state.destroy(NS, CLUSTER, "n");
    expect(summary()).toEqual(["updated m@2", "destroyed m@3", "created n@3", "destroyed n@3"]);

    // Still matching: passed through with the old state.
    expect(events[0]!.old?.metadata.version).toBe(1);
    // Left the set: the destroyed event carries the resource as it is now (cosi sends the new state).
    expect(events[1]!.resource.metadata.labels).toEqual({});
    expect(events[1]!.old).toBeUndefined();
    // Entered the set: created, without old.
    expect(events[2]!.resource.metadata.labels).toEqual({ cluster: "demo" });
    expect(events[2]!.old).toBeUndefined();
  });

  it("with an id regexp: only matching ids", () => {
    const state = new CosiState();
    const { listener, summary } = recorder();
    state.watchKind(NS, CLUSTER, { idRegexp: "^w-" }, false, listener);
    state.create(input("w-1"));
    state.create(input("cp-1"));
    expect(summary()).toEqual(["created w-1@1"]);
  });

  it("stops delivering after unsubscribe, while other watchers keep receiving", () => {
    const state = new CosiState();
    const first = recorder();
    const second = recorder();
    const off = state.watchKind(NS, CLUSTER, {}, false, first.listener);
    state.watchKind(NS, CLUSTER, {}, false, second.listener);
    state.create(input("a"));
    off();
    state.create(input("b"));
    expect(first.summary()).toEqual(["created a@1"]);
    expect(second.summary()).toEqual(["created a@1", "created b@1"]);
  });
});

describe("CosiState hands out copies", () => {
  it("mutating what create, get, find and list return does not change the store", () => {
    const state = new CosiState();
    const created = state.create(input("a", { labels: { l: "1" }, finalizers: ["f"], spec: { features: { disk_encryption: false }, tags: ["x"] } }));
    for (const r of [created, state.get(NS, CLUSTER, "a"), state.find(NS, CLUSTER, "a")!, state.list(NS, CLUSTER)[0]!]) {
      (r.spec.features as Record<string, unknown>).disk_encryption = true;
      (r.spec.tags as string[]).push("y");
      r.metadata.labels.l = "changed";
      r.metadata.finalizers.push("extra");
      r.metadata.version = 99;
      r.metadata.created.setTime(0);
    }
    const stored = state.get(NS, CLUSTER, "a");
    expect(stored.spec).toEqual({ features: { disk_encryption: false }, tags: ["x"] });
    expect(stored.metadata).toMatchObject({ version: 1, labels: { l: "1" }, finalizers: ["f"] });
    expect(stored.metadata.created.getTime()).not.toBe(0);
  });

  it("mutating the input after create does not change the store", () => {
    const state = new CosiState();
    const source = input("a", { labels: { l: "1" }, finalizers: ["f"], spec: { features: { disk_encryption: false } } });
    state.create(source);
    (source.spec.features as Record<string, unknown>).disk_encryption = true;
    source.metadata.labels.l = "changed";
    source.metadata.finalizers.push("extra");
    expect(state.get(NS, CLUSTER, "a")).toMatchObject({ spec: { features: { disk_encryption: false } }, metadata: { labels: { l: "1" }, finalizers: ["f"] } });
  });

  it("mutating a watch event does not change the store", () => {
    const state = new CosiState();
    state.create(input("a", { spec: { talos_version: "1.9.0" } }));
    state.watch(NS, CLUSTER, "a", (event) => {
      event.resource.spec.talos_version = "hacked";
      event.resource.metadata.labels.hacked = "1";
    });
    state.watchKind(NS, CLUSTER, {}, true, (event) => void (event.resource.spec.talos_version = "hacked too"));
    state.modify(NS, CLUSTER, "a", (r) => void (r.metadata.annotations.a = "1"));
    expect(state.get(NS, CLUSTER, "a")).toMatchObject({ spec: { talos_version: "1.9.0" }, metadata: { labels: {} } });
  });
});

describe("tombstone", () => {
  it("is an empty resource with an undefined version", () => {
    const t = tombstone("ephemeral", MACHINE, "gone");
    expect(t.metadata).toMatchObject({ namespace: "ephemeral", type: MACHINE, id: "gone", version: 0, owner: "", phase: "running", finalizers: [], labels: {}, annotations: {} });
    expect(t.spec).toEqual({});
  });
});
