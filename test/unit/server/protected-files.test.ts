// Rule protected-files as a pure decision: what a file is (by content, then by name) and whether
// new bytes may replace it. Real formats: a bundle from the pinned talosctl's layout, a bbolt file
// from the simulator's writer, an Omni service-account key of the shape omnictl reads.
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { boltDatabase } from "../../../src/sim/bbolt.js";
import { classifyContent, classifyFile, neverReplaced, replacementVerdict } from "../../../src/server/protected-files.js";
import { fakeServiceAccountKey } from "../../fixtures/fake-keys.js";

const secrets = stringify({ cluster: { id: "abc", secret: "s" }, secrets: { bootstraptoken: "t.x", secretboxencryptionsecret: "e" }, trustdinfo: { token: "t" }, certs: { etcd: { crt: "c", key: "k" }, os: { crt: "c", key: "k" } } });
const talosconfig = (ca: string, endpoints = ["10.0.0.2"]) => stringify({ context: "demo", contexts: { demo: { endpoints, ca, crt: "c", key: "k" } } });
const kubeconfig = (server: string, ca = "Q0E=") =>
  stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: "demo", cluster: { server, "certificate-authority-data": ca } }], users: [{ name: "admin", user: { token: "x" } }], contexts: [] });
const omniconfig = (url: string) => stringify({ context: "omni", contexts: { omni: { url, auth: { siderov1: { identity: "me" } } } } });
const serviceAccountKey = fakeServiceAccountKey("automation", "x");
const ledger = JSON.stringify({ nodes: { "10.0.0.2": { role: "controlplane", appliedAt: "" } }, bootstraps: [] });
const machineConfig = stringify({ version: "v1alpha1", machine: { type: "worker", ca: { crt: "c", key: "k" } }, cluster: { clusterName: "demo" } });
const snapshot = boltDatabase({ key: [] });
const bytes = (text: string | Buffer) => (typeof text === "string" ? Buffer.from(text) : text);

describe("classifying workspace files", () => {
  it("recognises protected files by content, whatever their name", () => {
    expect(classifyContent(bytes(secrets))).toMatchObject({ kind: "secrets bundle", by: "content" });
    expect(classifyContent(bytes(talosconfig("Q0E=")))).toMatchObject({ kind: "talosconfig" });
    expect(classifyContent(bytes(kubeconfig("https://10.0.0.2:6443")))).toMatchObject({ kind: "kubeconfig" });
    expect(classifyContent(bytes(omniconfig("https://omni.example")))).toMatchObject({ kind: "Omni credential" });
    expect(classifyContent(bytes(serviceAccountKey))).toMatchObject({ kind: "Omni credential" });
    expect(classifyContent(bytes(ledger))).toMatchObject({ kind: "server state" });
    expect(classifyContent(snapshot)).toMatchObject({ kind: "etcd snapshot" });
    expect(classifyFile("demo/x.yaml", bytes(secrets))).toMatchObject({ kind: "secrets bundle", by: "content" });
  });

  it("falls back to the name when the content says nothing; ordinary and empty files are not protected", () => {
    for (const [name, kind] of [
      ["demo/secrets.yaml", "secrets bundle"],
      ["demo/talosconfig", "talosconfig"],
      ["demo/kubeconfig", "kubeconfig"],
      ["omni/omniconfig", "Omni credential"],
      ["backups/demo.snapshot", "etcd snapshot"],
      ["demo/cluster-state.json", "server state"],
    ] as const) {
      expect(classifyFile(name, bytes("garbage: [")), name).toEqual({ kind, by: "name" });
    }
    expect(classifyFile("demo/cp.yaml", bytes(machineConfig))).toBeUndefined();
    expect(classifyFile("omni/cluster.yaml", bytes("kind: Cluster\nname: demo\n"))).toBeUndefined();
    expect(classifyFile("demo/secrets.yaml", bytes(""))).toBeUndefined();
  });
});

describe("replacing a workspace file", () => {
  it("allows ordinary files to be replaced by anything", () => {
    expect(replacementVerdict("demo/cp-1.yaml", bytes(machineConfig), bytes(machineConfig.replace("worker", "controlplane")))).toEqual({ allow: true });
    expect(replacementVerdict("omni/cluster.yaml", bytes("kind: Cluster\n"), bytes("kind: Cluster\nname: x\n"))).toEqual({ allow: true });
  });

  it("never replaces a secrets bundle, a snapshot, server state or a service-account key — not even with their own kind", () => {
    for (const [path, existing] of [
      ["demo/secrets.yaml", secrets],
      ["demo/renamed.yaml", secrets],
      ["backups/x.snapshot", snapshot],
      ["backups/renamed.bin", snapshot],
      ["demo/cluster-state.json", ledger],
      ["omni/key", serviceAccountKey],
    ] as const) {
      for (const incoming of [machineConfig, secrets, ledger]) {
        const verdict = replacementVerdict(path, bytes(existing), bytes(incoming));
        expect(verdict.allow, `${path} <- ${incoming.slice(0, 20)}`).toBe(false);
      }
      expect(neverReplaced(classifyFile(path, bytes(existing))!), path).toBe(true);
    }
    expect(replacementVerdict("demo/secrets.yaml", bytes(secrets), bytes(machineConfig))).toEqual({
      allow: false,
      reason: "it holds a secrets bundle, and replacing it with a different kind of file would lose it",
    });
  });

  it("refreshes a credential only with one of the same kind for the same cluster", () => {
    expect(replacementVerdict("demo/talosconfig", bytes(talosconfig("Q0E=")), bytes(talosconfig("Q0E=", ["10.0.0.3"])))).toEqual({ allow: true });
    expect(replacementVerdict("demo/kubeconfig", bytes(kubeconfig("https://10.0.0.2:6443")), bytes(kubeconfig("https://10.0.0.2:6443")))).toEqual({ allow: true });
    expect(replacementVerdict("omni/config", bytes(omniconfig("https://omni.example")), bytes(omniconfig("https://omni.example")))).toEqual({ allow: true });
    expect(replacementVerdict("demo/talosconfig", bytes(talosconfig("Q0E=")), bytes(talosconfig("T1RIRVI=")))).toMatchObject({ allow: false, reason: /talosconfig of another cluster/ });
    expect(replacementVerdict("demo/kubeconfig", bytes(kubeconfig("https://10.0.0.2:6443")), bytes(kubeconfig("https://evil.example:6443")))).toMatchObject({ allow: false });
    expect(replacementVerdict("demo/kubeconfig", bytes(kubeconfig("https://10.0.0.2:6443")), bytes(machineConfig))).toMatchObject({ allow: false, reason: /different kind of file/ });
    expect(replacementVerdict("demo/talosconfig", bytes(talosconfig("Q0E=")), bytes(kubeconfig("https://10.0.0.2:6443")))).toMatchObject({ allow: false, reason: /with a kubeconfig/ });
    // Known only by name: nothing says which cluster it was for, so it is kept.
    expect(replacementVerdict("demo/kubeconfig", bytes("not yaml: ["), bytes(kubeconfig("https://10.0.0.2:6443")))).toMatchObject({ allow: false, reason: /by its name/ });
  });
});
