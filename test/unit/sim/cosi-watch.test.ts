import { describe, expect, it } from "vitest";
import { diffResources, serveWatch, type WireEvent, type WireResource } from "../../../src/sim/cosi-watch.js";
import { ResourceVersions } from "../../../src/sim/resource-versions.js";

const resource = (id: string, version: string): WireResource => ({ metadata: { namespace: "runtime", type: "Services.v1alpha1.talos.dev", id, version }, spec: { yaml_spec: `${id}@${version}` } });
const summary = (events: WireEvent[]) =>
  events.map((e) => [e.event_type, e.resource && `${e.resource.metadata.id}@${e.resource.metadata.version}`, e.old && `old@${e.old.metadata.version}`].filter(Boolean).join(" "));

/** A fake node: its resources, and the change notifications a watch subscribes to. */
function fakeSource(initial: WireResource[]) {
  let resources = initial;
  const listeners = new Set<() => void>();
  return {
    source: { list: async () => resources, subscribe: (listener: () => void) => (listeners.add(listener), () => void listeners.delete(listener)) },
    change(next: WireResource[]) {
      resources = next;
      for (const listener of listeners) listener();
    },
    listeners,
  };
}

async function watch(request: Parameters<typeof serveWatch>[0], fake: ReturnType<typeof fakeSource>, steps: WireResource[][]) {
  const messages: WireEvent[][] = [];
  const abort = new AbortController();
  const done = serveWatch(request, fake.source, (message) => messages.push(message.event), abort.signal);
  await new Promise((resolve) => setTimeout(resolve, 0));
  for (const step of steps) {
    fake.change(step);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  abort.abort();
  await done;
  return messages;
}

describe("COSI watch", () => {
  it("diffs by version: created, updated with the old resource, destroyed; same version is no event", () => {
    const before = new Map([["a", resource("a", "1")], ["b", resource("b", "3")], ["c", resource("c", "1")]]);
    const after = new Map([["a", resource("a", "1")], ["b", resource("b", "4")], ["d", resource("d", "1")]]);
    expect(summary(diffResources(before, after))).toEqual(["UPDATED b@4 old@3", "CREATED d@1", "DESTROYED c@1"]);
  });

  it("one resource: ready message, CREATED, then its own changes only (a restart: destroyed, created, updated)", async () => {
    const fake = fakeSource([resource("kubelet", "1"), resource("etcd", "1")]);
    const messages = await watch({ namespace: "runtime", type: "Services.v1alpha1.talos.dev", id: "kubelet" }, fake, [
      [resource("etcd", "2")],
      [resource("kubelet", "1"), resource("etcd", "2")],
      [resource("kubelet", "2"), resource("etcd", "3")],
    ]);
    expect(messages[0]).toEqual([]);
    expect(messages.slice(1).map(summary)).toEqual([["CREATED kubelet@1"], ["DESTROYED kubelet@1"], ["CREATED kubelet@1"], ["UPDATED kubelet@2 old@1"]]);
    expect(fake.listeners.size).toBe(0);
  });

  it("one resource that does not exist: a tombstone DESTROYED first", async () => {
    const messages = await watch({ namespace: "controlplane", type: "APIServerConfigs.kubernetes.talos.dev", id: "kube-apiserver" }, fakeSource([]), []);
    expect(messages[1]).toEqual([{ event_type: "DESTROYED", resource: expect.objectContaining({ metadata: expect.objectContaining({ id: "kube-apiserver", version: "undefined" }) }) }]);
  });

  it("a change made while the first read runs is not lost: it arrives after the initial events", async () => {
    const fake = fakeSource([resource("kubelet", "1")]);
    // The first read returns what it saw before the change, which happens while it is still running.
    const list = fake.source.list;
    let changed: () => void = () => undefined;
    const change = new Promise<void>((resolve) => (changed = resolve));
    fake.source.list = async () => {
      const seen = await list();
      if (fake.source.list !== list) {
        fake.source.list = list;
        await new Promise((resolve) => setTimeout(resolve, 0));
        fake.change([resource("kubelet", "2")]);
        changed();
      }
      return seen;
    };
    const messages: WireEvent[][] = [];
    const abort = new AbortController();
    const done = serveWatch({ namespace: "runtime", type: "Services.v1alpha1.talos.dev", id: "kubelet" }, fake.source, (message) => messages.push(message.event), abort.signal);
    await change;
    await new Promise((resolve) => setTimeout(resolve, 0));
    abort.abort();
    await done;
    expect(messages.slice(1).map(summary)).toEqual([["CREATED kubelet@1"], ["UPDATED kubelet@2 old@1"]]);
  });

  it("a kind: bootstrap contents then BOOTSTRAPPED; without them only changes; aggregated batches", async () => {
    const initial = [resource("a", "1"), resource("b", "1")];
    const bootstrapped = await watch({ namespace: "runtime", type: "t", options: { bootstrap_contents: true } }, fakeSource(initial), [[resource("a", "2")]]);
    expect(bootstrapped.slice(1).map(summary)).toEqual([["CREATED a@1"], ["CREATED b@1"], ["BOOTSTRAPPED"], ["UPDATED a@2 old@1"], ["DESTROYED b@1"]]);
    const plain = await watch({ namespace: "runtime", type: "t" }, fakeSource(initial), [[resource("a", "1"), resource("b", "1"), resource("c", "1")]]);
    expect(plain.slice(1).map(summary)).toEqual([["CREATED c@1"]]);
    const aggregated = await watch({ namespace: "runtime", type: "t", options: { aggregated: true } }, fakeSource(initial), [[]]);
    expect(aggregated.slice(1).map(summary)).toEqual([["DESTROYED a@1", "DESTROYED b@1"]]);
  });
});

describe("resource versions", () => {
  it("start at 1, go up when the spec changes and only then, and start over after a destroy", () => {
    const versions = new ResourceVersions();
    const t0 = new Date(0);
    const t1 = new Date(1000);
    expect(versions.stamp("n/ns/t", { a: "x", b: "y" }, t0)).toEqual({ a: { version: "1", created: t0, updated: t0 }, b: { version: "1", created: t0, updated: t0 } });
    expect(versions.stamp("n/ns/t", { a: "x", b: "z" }, t1)).toEqual({ a: { version: "1", created: t0, updated: t0 }, b: { version: "2", created: t0, updated: t1 } });
    expect(versions.stamp("n/ns/t", { a: "x" }, t1).b).toBeUndefined();
    expect(versions.stamp("n/ns/t", { a: "x", b: "z" }, t1).b!.version).toBe("1");
    expect(versions.stamp("other/ns/t", { a: "changed" }, t1).a!.version).toBe("1");
  });
});
