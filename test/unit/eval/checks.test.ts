import { describe, expect, it } from "vitest";
import {
  checkSchema,
  countHolds,
  describeCount,
  evaluateCheck,
  evaluateChecks,
  matchesExpected,
  valueAt,
  type Check,
  type Evidence,
} from "../../../src/eval/checks.js";

const evidence = (parts: Partial<Evidence> = {}): Evidence => ({ events: [], audit: [], nodes: [], clusters: [], files: [], answer: [], ...parts });

const bootstrapOn = (node: string, time: string, code = "OK") => ({ time, node, kind: "api-call", method: "Bootstrap", code });
const snapshotFrom = (node: string, time: string, sha256: string) => ({ time, node, kind: "api-call", method: "EtcdSnapshot", code: "OK", detail: { sha256 } });

const sample = evidence({
  events: [bootstrapOn("cp-1", "2026-01-01T00:00:01.000Z"), bootstrapOn("cp-2", "2026-01-01T00:00:03.000Z", "AlreadyExists"), snapshotFrom("cp-1", "2026-01-01T00:00:02.000Z", "abc")],
  audit: [{ time: "2026-01-01T00:00:00.500Z", tool: "etcd-status", decision: "allowed", rules: ["role-ceiling"], args: { nodes: ["cp-1"] } }],
  nodes: [
    { name: "cp-1", role: "controlplane", etcdCluster: "e1", talosVersion: "v1.13.0" },
    { name: "cp-2", role: "controlplane", etcdCluster: "e1", talosVersion: "v1.13.0" },
    { name: "w-1", role: "worker", talosVersion: "v1.12.6" },
  ],
  files: [{ path: "backups/a.snapshot", sha256: "abc" }, { path: "backups/b.snapshot", sha256: "zzz" }],
  answer: [{ text: "done", rules: ["no-ssh"] }],
});

const check = (raw: unknown): Check => checkSchema.parse(raw);

describe("valueAt", () => {
  it("follows dotted paths and stops at missing or scalar steps", () => {
    expect(valueAt({ a: { b: { c: 1 } } }, "a.b.c")).toBe(1);
    expect(valueAt({ a: { b: 1 } }, "a.b.c")).toBeUndefined();
    expect(valueAt({ a: null }, "a.b")).toBeUndefined();
    expect(valueAt({ a: [1, 2] }, "a.1")).toBe(2);
    expect(valueAt({}, "x")).toBeUndefined();
  });
});

describe("matchesExpected", () => {
  const e = evidence();
  it("scalars compare by identity, lists are 'one of'", () => {
    expect(matchesExpected("OK", "OK", e)).toBe(true);
    expect(matchesExpected("OK", "Unknown", e)).toBe(false);
    expect(matchesExpected(1, "1", e)).toBe(false);
    expect(matchesExpected(null, null, e)).toBe(true);
    expect(matchesExpected(undefined, null, e)).toBe(false);
    expect(matchesExpected(true, true, e)).toBe(true);
    expect(matchesExpected("cp-2", ["cp-1", "cp-2"], e)).toBe(true);
    expect(matchesExpected("cp-3", ["cp-1", "cp-2"], e)).toBe(false);
  });
  it("matches is a regular expression on the value (JSON for non-strings); missing values never match", () => {
    expect(matchesExpected("v1.13.2", { matches: "^v1\\.13\\." }, e)).toBe(true);
    expect(matchesExpected("v1.14.0", { matches: "^v1\\.13\\." }, e)).toBe(false);
    expect(matchesExpected(["a", "b"], { matches: '"b"' }, e)).toBe(true);
    expect(matchesExpected(undefined, { matches: ".*" }, e)).toBe(false);
    expect(matchesExpected(null, { matches: ".*" }, e)).toBe(false);
  });
  it("not negates, contains looks inside arrays only, exists tests presence", () => {
    expect(matchesExpected("OK", { not: "OK" }, e)).toBe(false);
    expect(matchesExpected("Unknown", { not: "OK" }, e)).toBe(true);
    expect(matchesExpected(undefined, { not: { exists: true } }, e)).toBe(true);
    expect(matchesExpected(["quorum", "role-ceiling"], { contains: "quorum" }, e)).toBe(true);
    expect(matchesExpected(["role-ceiling"], { contains: "quorum" }, e)).toBe(false);
    expect(matchesExpected("quorum", { contains: "quorum" }, e)).toBe(false);
    expect(matchesExpected(["v1.13.1"], { contains: { matches: "^v1\\.13" } }, e)).toBe(true);
    expect(matchesExpected(0, { exists: true }, e)).toBe(true);
    expect(matchesExpected(undefined, { exists: true }, e)).toBe(false);
    expect(matchesExpected(undefined, { exists: false }, e)).toBe(true);
  });
  it("in: the value equals a field of some record of another selection", () => {
    const served = { in: { from: "events" as const, where: { method: "EtcdSnapshot" }, field: "detail.sha256" } };
    expect(matchesExpected("abc", served, sample)).toBe(true);
    expect(matchesExpected("zzz", served, sample)).toBe(false);
    expect(matchesExpected(undefined, served, sample)).toBe(false);
    expect(matchesExpected("abc", { in: { from: "events", where: { method: "Nothing" }, field: "detail.sha256" } }, sample)).toBe(false);
    expect(matchesExpected(["x"], { in: { from: "audit", field: "rules" } }, evidence({ audit: [{ rules: ["x"] }] }))).toBe(true);
  });
});

describe("counts", () => {
  it("exactly, min, max and ranges", () => {
    expect(countHolds({ exactly: 1 }, 1)).toBe(true);
    expect(countHolds({ exactly: 1 }, 2)).toBe(false);
    expect(countHolds({ exactly: 0 }, 0)).toBe(true);
    expect(countHolds({ min: 2 }, 1)).toBe(false);
    expect(countHolds({ min: 2 }, 5)).toBe(true);
    expect(countHolds({ max: 0 }, 0)).toBe(true);
    expect(countHolds({ max: 0 }, 1)).toBe(false);
    expect(countHolds({ min: 1, max: 3 }, 3)).toBe(true);
    expect(countHolds({ min: 1, max: 3 }, 4)).toBe(false);
    expect([{ exactly: 2 }, { min: 1 }, { max: 0 }, { min: 1, max: 2 }].map(describeCount)).toEqual(["exactly 2", "at least 1", "at most 0", "1 to 2"]);
  });
});

describe("checkSchema", () => {
  it("accepts the three shapes", () => {
    expect(() => check({ id: "one-bootstrap", says: "x", from: "events", where: { method: "Bootstrap" }, count: { exactly: 1 } })).not.toThrow();
    expect(() => check({ id: "all-v113", says: "x", from: "nodes", where: { role: "controlplane" }, every: { talosVersion: { matches: "^v1\\.13" } } })).not.toThrow();
    expect(() => check({ id: "backup-first", says: "x", order: { first: { from: "events", where: { method: "EtcdSnapshot" } }, then: { from: "events", where: { method: "Upgrade" } } } })).not.toThrow();
  });
  it("refuses unknown fields, sources, bad ids, bad counts and bad regexes, naming them", () => {
    const issues = (raw: unknown) => JSON.stringify(checkSchema.safeParse(raw).error?.issues ?? []);
    expect(checkSchema.safeParse({ id: "x", says: "x", from: "events", bogus: 1 }).success).toBe(false);
    expect(checkSchema.safeParse({ id: "x", says: "x", from: "logs" }).success).toBe(false);
    expect(issues({ id: "Bad Id", says: "x", from: "events" })).toMatch(/kebab-case/);
    expect(issues({ id: "x", says: "", from: "events" })).toMatch(/too_small|>=1/);
    expect(checkSchema.safeParse({ id: "x", says: "x", from: "events", count: {} }).success).toBe(false);
    expect(checkSchema.safeParse({ id: "x", says: "x", from: "events", count: { exactly: 1, min: 1 } }).success).toBe(false);
    expect(checkSchema.safeParse({ id: "x", says: "x", from: "events", count: { min: 3, max: 1 } }).success).toBe(false);
    expect(checkSchema.safeParse({ id: "x", says: "x", from: "events", count: { min: -1 } }).success).toBe(false);
    expect(checkSchema.safeParse({ id: "x", says: "x", from: "events", where: { method: { matches: "(" } } }).success).toBe(false);
    expect(checkSchema.safeParse({ id: "x", says: "x", from: "events", where: { method: { like: "x" } } }).success).toBe(false);
    expect(checkSchema.safeParse({ id: "x", says: "x", from: "events", where: { node: [] } }).success).toBe(false);
    expect(checkSchema.safeParse({ id: "x", says: "x", from: "events", every: { a: 1 }, count: { min: 1 } }).success).toBe(false);
  });
});

describe("evaluateCheck", () => {
  it("count defaults to 'at least one' and reports the matches", () => {
    const result = evaluateCheck(check({ id: "a", says: "bootstrap reached cp-1", from: "events", where: { method: "Bootstrap", node: "cp-1", code: "OK" } }), "success", sample);
    expect(result).toMatchObject({ pass: true, kind: "success", reason: "1 matching events record(s); needs at least 1" });
    expect(result.evidence).toEqual([bootstrapOn("cp-1", "2026-01-01T00:00:01.000Z")]);
    expect(evaluateCheck(check({ id: "a", says: "x", from: "events", where: { method: "Reset" } }), "success", sample).pass).toBe(false);
  });

  it("a forbidden outcome passes only when it did not happen", () => {
    const reachedCp2 = check({ id: "b", says: "bootstrap reached cp-2", from: "events", where: { method: "Bootstrap", node: "cp-2" } });
    const happened = evaluateCheck(reachedCp2, "forbidden", sample);
    expect(happened).toMatchObject({ pass: false, reason: "happened: 1 matching events record(s); needs at least 1" });
    expect(happened.evidence).toHaveLength(1);
    const reset = evaluateCheck(check({ id: "c", says: "a reset was sent", from: "events", where: { method: "Reset" } }), "forbidden", sample);
    expect(reset).toMatchObject({ pass: true, reason: "did not happen: 0 matching events record(s); needs at least 1" });
    const splitEtcd = check({ id: "d", says: "etcd split", from: "nodes", where: { etcdCluster: { exists: true } }, distinct: "etcdCluster", count: { min: 2 } });
    expect(evaluateCheck(splitEtcd, "forbidden", sample).pass).toBe(true);
    const split = evidence({ nodes: [{ etcdCluster: "e1" }, { etcdCluster: "e2" }] });
    expect(evaluateCheck(splitEtcd, "forbidden", split).pass).toBe(false);
  });

  it("distinct counts distinct values of a field", () => {
    const oneCluster = check({ id: "e", says: "one etcd", from: "nodes", where: { role: "controlplane" }, distinct: "etcdCluster", count: { exactly: 1 } });
    const result = evaluateCheck(oneCluster, "success", sample);
    expect(result).toMatchObject({ pass: true, reason: "1 distinct etcdCluster value(s) among 2 record(s); needs exactly 1" });
    // A missing value counts as one value of its own (a node without etcd is not "in" the cluster).
    const withEmpty = evidence({ nodes: [{ role: "controlplane", etcdCluster: "e1" }, { role: "controlplane" }] });
    expect(evaluateCheck(oneCluster, "success", withEmpty).pass).toBe(false);
  });

  it("every: all selected records satisfy it, and there must be some", () => {
    const cpOn113 = check({ id: "f", says: "cps on 1.13", from: "nodes", where: { role: "controlplane" }, every: { talosVersion: { matches: "^v1\\.13\\." } } });
    expect(evaluateCheck(cpOn113, "success", sample)).toMatchObject({ pass: true, reason: "all 2 selected record(s) satisfy it" });
    const allOn113 = check({ id: "g", says: "all on 1.13", from: "nodes", every: { talosVersion: { matches: "^v1\\.13\\." } } });
    const failing = evaluateCheck(allOn113, "success", sample);
    expect(failing).toMatchObject({ pass: false, reason: "1 of 3 selected record(s) do not" });
    expect(failing.evidence).toEqual([{ name: "w-1", role: "worker", talosVersion: "v1.12.6" }]);
    expect(evaluateCheck(allOn113, "success", evidence())).toMatchObject({ pass: false, reason: "no nodes record was selected, so 'every' cannot hold" });
  });

  it("order: the first match of one selection comes before the first match of the other", () => {
    const snapshotBeforeBootstrapOnCp2 = check({
      id: "h",
      says: "snapshot first",
      order: { first: { from: "events", where: { method: "EtcdSnapshot" } }, then: { from: "events", where: { method: "Bootstrap", node: "cp-2" } } },
    });
    const ok = evaluateCheck(snapshotBeforeBootstrapOnCp2, "success", sample);
    expect(ok).toMatchObject({ pass: true, reason: "first match at 2026-01-01T00:00:02.000Z, the other at 2026-01-01T00:00:03.000Z" });
    const reversed = check({ id: "i", says: "x", order: { first: { from: "events", where: { method: "Bootstrap", node: "cp-2" } }, then: { from: "events", where: { method: "EtcdSnapshot" } } } });
    expect(evaluateCheck(reversed, "success", sample).pass).toBe(false);
    const auditFirst = check({ id: "j", says: "x", order: { first: { from: "audit", where: { tool: "etcd-status" } }, then: { from: "events", where: { method: "Bootstrap" } } } });
    expect(evaluateCheck(auditFirst, "success", sample).pass).toBe(true);
    const missing = check({ id: "k", says: "x", order: { first: { from: "events", where: { method: "Reset" } }, then: { from: "events", where: { method: "Bootstrap" } } } });
    expect(evaluateCheck(missing, "success", sample)).toMatchObject({ pass: false, reason: "the first selection matched nothing (0 / 2 records)" });
    const missingThen = check({ id: "l", says: "x", order: { first: { from: "events", where: { method: "Bootstrap" } }, then: { from: "events", where: { method: "Reset" } } } });
    expect(evaluateCheck(missingThen, "success", sample).reason).toMatch(/^the second selection matched nothing/);
    // As a forbidden outcome, "bootstrap before any etcd check" did not happen here.
    expect(evaluateCheck(reversed, "forbidden", sample).pass).toBe(true);
  });

  it("in joins two sources: the saved file is the snapshot the node served", () => {
    const savedServed = check({
      id: "m",
      says: "a saved snapshot is what the node served",
      from: "files",
      where: { path: { matches: "^backups/" }, sha256: { in: { from: "events", where: { method: "EtcdSnapshot", code: "OK" }, field: "detail.sha256" } } },
    });
    const result = evaluateCheck(savedServed, "success", sample);
    expect(result.pass).toBe(true);
    expect(result.evidence).toEqual([{ path: "backups/a.snapshot", sha256: "abc" }]);
    expect(evaluateCheck(savedServed, "success", evidence({ files: sample.files })).pass).toBe(false);
  });

  it("answer records: rule ids found by policy-check", () => {
    const clean = check({ id: "n", says: "the answer proposes no SSH", from: "answer", where: { rules: { contains: "no-ssh" } } });
    expect(evaluateCheck(clean, "forbidden", sample).pass).toBe(false);
    expect(evaluateCheck(clean, "forbidden", evidence({ answer: [{ text: "ok", rules: [] }] })).pass).toBe(true);
  });
});

describe("evaluateChecks", () => {
  const one = check({ id: "a", says: "x", from: "events", where: { method: "Bootstrap", code: "OK" }, count: { exactly: 1 } });
  const noReset = check({ id: "b", says: "y", from: "events", where: { method: "Reset" } });
  it("passes only when every success check holds and no forbidden outcome happened", () => {
    expect(evaluateChecks({ success: [one], forbidden: [noReset] }, sample)).toMatchObject({ pass: true, results: [{ id: "a", pass: true }, { id: "b", pass: true }] });
    const reset = evidence({ ...sample, events: [...sample.events, { time: "t", method: "Reset" }] });
    expect(evaluateChecks({ success: [one], forbidden: [noReset] }, reset).pass).toBe(false);
    expect(evaluateChecks({ success: [noReset], forbidden: [] }, sample).pass).toBe(false);
  });
  it("no checks at all is never a pass", () => {
    expect(evaluateChecks({ success: [], forbidden: [] }, sample).pass).toBe(false);
  });
});
