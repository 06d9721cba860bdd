// The state objects' client (the official @kubernetes/client-node, with our timeout, error and
// token handling) against loopback servers that answer the way an API server can fail: a Status
// object, a body that is not one, a 401 without a body, and no answer at all. The real API server
// is in test/contract/state-kubernetes.test.ts.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateCa, issueServerCert, type CertificateAuthority, type IssuedCert } from "../../../src/sim/pki.js";
import { KubeApiError, kubeApiError } from "../../../src/kubernetes/api-error.js";
import { rotatingTokenFile } from "../../../src/kubernetes/kubeconfig.js";
import { openStateObjects } from "../../../src/state/kube-objects.js";

const servers: Server[] = [];
let ca: CertificateAuthority;
let serving: IssuedCert;
beforeAll(async () => {
  ca = await generateCa("kubernetes", "ECDSA-P256");
  serving = await issueServerCert(ca, "127.0.0.1", "kube-apiserver", { ips: ["127.0.0.1"] });
});
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** An HTTPS stand-in for an API server (its certificate from the kubeconfig's CA); answers every request with `answer`, recording it. */
async function apiServer(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ url: string; requests: { method: string; url: string; authorization?: string; body: string }[] }> {
  const requests: { method: string; url: string; authorization?: string; body: string }[] = [];
  const server = createServer({ cert: serving.certPem, key: serving.keyPem }, (request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      requests.push({ method: request.method ?? "", url: request.url ?? "", authorization: request.headers.authorization, body });
      answer(request, response);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const json = (status: number, body: unknown) => (_request: IncomingMessage, response: ServerResponse) => {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
};

function kubeconfigFile(server: string, context: { namespace?: string } = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), "talos-mcp-kubeconfig-")), "config");
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server, "certificate-authority-data": Buffer.from(ca.certPem).toString("base64") } }],
      users: [{ name: "u", user: { token: "static-token" } }],
      contexts: [{ name: "ctx", context: { cluster: "c", user: "u", ...context } }],
      "current-context": "ctx",
    }),
  );
  return file;
}

describe("kubeApiError: a failure answer as status, reason and the API's message", () => {
  it("a Status object, as JSON text or parsed", () => {
    const status = { kind: "Status", reason: "AlreadyExists", message: 'secrets "x" already exists', code: 409 };
    for (const body of [JSON.stringify(status), status]) {
      const error = kubeApiError(409, "create secret x", body);
      expect(error).toBeInstanceOf(KubeApiError);
      expect(error).toMatchObject({ status: 409, reason: "AlreadyExists", message: 'create secret x: 409 AlreadyExists secrets "x" already exists' });
    }
  });

  it("anything else keeps its text; nothing at all keeps the status", () => {
    expect(kubeApiError(502, "get lease l", "  bad\n gateway ")).toMatchObject({ status: 502, reason: "", message: "get lease l: 502 bad gateway" });
    expect(kubeApiError(500, "get lease l", undefined).message).toBe("get lease l: 500");
    expect(kubeApiError(500, "get lease l", { reason: 7, message: ["not text"] }).message).toBe("get lease l: 500");
  });
});

describe("rotatingTokenFile", () => {
  it("re-reads the file only after 10 s, trimmed", () => {
    const file = join(mkdtempSync(join(tmpdir(), "talos-mcp-token-")), "token");
    writeFileSync(file, "first\n");
    let now = 0;
    const token = rotatingTokenFile(file, () => now);
    expect(token()).toBe("first");
    writeFileSync(file, "second");
    now = 10_000;
    expect(token()).toBe("first");
    now = 10_001;
    expect(token()).toBe("second");
  });
});

describe("openStateObjects", () => {
  it("a kubeconfig: its context's namespace, else 'default', unless one is configured", async () => {
    const api = await apiServer(json(200, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "m", resourceVersion: "7" }, data: { k: "v" } }));
    expect(openStateObjects({ kubeconfig: kubeconfigFile(api.url, { namespace: "ops" }), env: {}, timeoutMs: 2_000 }).namespace).toBe("ops");
    expect(openStateObjects({ kubeconfig: kubeconfigFile(api.url), env: {}, timeoutMs: 2_000 }).namespace).toBe("default");
    const objects = openStateObjects({ kubeconfig: kubeconfigFile(api.url, { namespace: "ops" }), namespace: "talos-mcp", env: {}, timeoutMs: 2_000 });
    expect(objects).toMatchObject({ server: api.url, namespace: "talos-mcp" });
    expect(await objects.configMaps.read("m")).toMatchObject({ metadata: { name: "m", resourceVersion: "7" }, data: { k: "v" } });
    expect(api.requests).toEqual([{ method: "GET", url: "/api/v1/namespaces/talos-mcp/configmaps/m", authorization: "Bearer static-token", body: "" }]);
  });

  it("a kubeconfig that cannot be used names the file and the fix", () => {
    const missing = join(tmpdir(), "talos-mcp-no-such-dir", "config");
    expect(() => openStateObjects({ kubeconfig: missing, env: {}, timeoutMs: 1_000 })).toThrow(new RegExp(`state.kubeconfig ${missing}: ENOENT.*; give a kubeconfig with a current-context`));
    const file = join(mkdtempSync(join(tmpdir(), "talos-mcp-kubeconfig-")), "config");
    writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [], users: [], contexts: [], "current-context": "gone" }));
    expect(() => openStateObjects({ kubeconfig: file, env: {}, timeoutMs: 1_000 })).toThrow(/state.kubeconfig .*: no cluster for the current context 'gone'; give a kubeconfig with a current-context/);
  });

  it("in a pod: the API server from KUBERNETES_SERVICE_HOST/PORT, the namespace from the mount (its token: the contract test)", () => {
    const mount = mkdtempSync(join(tmpdir(), "talos-mcp-sa-"));
    writeFileSync(join(mount, "token"), "pod-token");
    writeFileSync(join(mount, "ca.crt"), "");
    writeFileSync(join(mount, "namespace"), "pods-ns\n");
    const inPod = (host: string) => openStateObjects({ env: { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: "6443" }, serviceAccountDir: mount, timeoutMs: 2_000 });
    expect(inPod("10.96.0.1")).toMatchObject({ server: "https://10.96.0.1:6443", namespace: "pods-ns" });
    expect(inPod("fd00::1").server).toBe("https://[fd00::1]:6443");
    expect(openStateObjects({ env: { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "6443" }, serviceAccountDir: mount, namespace: "mine", timeoutMs: 2_000 }).namespace).toBe("mine");
  });

  it("answers: absent is undefined, a conflict is a KubeApiError 409, a 401 says Unauthorized, a list is its items", async () => {
    const conflict = await apiServer(json(409, { kind: "Status", reason: "Conflict", message: "the object has been modified", code: 409 }));
    const objects = openStateObjects({ kubeconfig: kubeconfigFile(conflict.url), namespace: "ns", env: {}, timeoutMs: 2_000 });
    const error = await objects.leases.replace({ metadata: { name: "l", resourceVersion: "1" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({ status: 409, reason: "Conflict", message: "update lease l: 409 Conflict the object has been modified" });
    expect(conflict.requests[0]).toMatchObject({ method: "PUT", url: "/apis/coordination.k8s.io/v1/namespaces/ns/leases/l" });
    expect(JSON.parse(conflict.requests[0]!.body)).toMatchObject({ metadata: { name: "l", resourceVersion: "1" } });

    const absent = await apiServer(json(404, { kind: "Status", reason: "NotFound", message: "not found", code: 404 }));
    const there = openStateObjects({ kubeconfig: kubeconfigFile(absent.url), namespace: "ns", env: {}, timeoutMs: 2_000 });
    expect(await there.secrets.read("s")).toBeUndefined();
    await expect(there.secrets.delete("s")).resolves.toBeUndefined();
    await expect(there.leases.create({ metadata: { name: "l" } })).rejects.toMatchObject({ status: 404 });

    const unauthorized = await apiServer((_request, response) => response.writeHead(401).end());
    await expect(openStateObjects({ kubeconfig: kubeconfigFile(unauthorized.url), namespace: "ns", env: {}, timeoutMs: 2_000 }).configMaps.read("m")).rejects.toMatchObject({ status: 401, message: "get configmap m: 401 Unauthorized" });

    const list = await apiServer(json(200, { apiVersion: "v1", kind: "SecretList", metadata: { resourceVersion: "3" }, items: [{ metadata: { name: "a" } }, { metadata: { name: "b" } }] }));
    const listed = await openStateObjects({ kubeconfig: kubeconfigFile(list.url), namespace: "ns", env: {}, timeoutMs: 2_000 }).secrets.list("talos-mcp.io/plan");
    expect(listed.map((secret) => secret.metadata?.name)).toEqual(["a", "b"]);
    expect(list.requests[0]!.url).toBe("/api/v1/namespaces/ns/secrets?labelSelector=talos-mcp.io%2Fplan");
  });

  it("an API that does not answer fails the request after the timeout; a closed client refuses to send", async () => {
    const silent = await apiServer(() => undefined);
    const objects = openStateObjects({ kubeconfig: kubeconfigFile(silent.url), namespace: "ns", env: {}, timeoutMs: 300 });
    await expect(objects.leases.read("l")).rejects.toThrow(`get lease l: no answer from ${silent.url} within 0.3 s`);
    objects.close();
    const before = silent.requests.length;
    await expect(objects.configMaps.read("m")).rejects.toThrow("get configmap m: the state backend's API client is closed");
    expect(silent.requests.length).toBe(before);
  });
});
