// The Talos API of the simulated nodes, over real gRPC + TLS on loopback. Each node listens on its
// own address:50000 and, like apid, fans a request out to the nodes named in the `nodes` metadata
// (injecting each reply's metadata.hostname, turning per-node failures into metadata.error), or
// forwards it to the one node named in `node`. Handlers are a table: method → what a node does.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import * as grpc from "@grpc/grpc-js";
import { parseAllDocuments } from "yaml";
import type { SimCluster, SimNode } from "./cluster.js";
import { asSimError, CODE_NAMES, goErrorText, SimError, ts } from "./errors.js";
import { generateCa, issueClientCert, issueServerCert, loadCa, unb64 } from "./pki.js";
import { toEntries, type LoadedApi } from "./protos.js";
import { authorized, canReadSensitive, MAINTENANCE_METHODS } from "./rbac.js";
import { serveWatch, type WatchRequest } from "./cosi-watch.js";
import { renderKubeconfig } from "../kubernetes/kubeconfig.js";
import type { Stamp } from "./resource-versions.js";
import { definitionOf, KINDS, NAMESPACES, RD_TYPE, stampedResources, yamlSpec } from "./resources.js";
import { bootedFrom } from "./extensions.js";
import { containerdNamespace, readStreamHandlers, readUnaryHandlers, requireControlPlane, requireEtcd } from "./machine-reads.js";
import { serviceLog, serviceStates } from "./services.js";
import { configuredImage, KUBERNETES_COMPONENTS } from "./resources/k8s.js";
import { containersOf } from "./workloads.js";

export const TALOS_API_PORT = 50000;
const NS_TYPE = "Namespaces.meta.cosi.dev";
const NAMESPACE_DESCRIPTIONS: Record<string, string> = {
  meta: "Metadata namespace which contains resource and namespace definitions.",
  runtime: "Talos v1alpha1 subsystems glue resources.",
  cluster: "Cluster configuration and discovery resources.",
  "cluster-raw": "Cluster unmerged raw resources.",
  config: "Talos node configuration.",
  etcd: "etcd resources.",
  files: "Files and file-like resources.",
  hardware: "Hardware resources.",
  k8s: "Kubernetes all node types resources.",
  controlplane: "Kubernetes control plane resources.",
  kubespan: "KubeSpan resources.",
  network: "Networking resources.",
  "network-config": "Networking configuration resources.",
  cri: "CRI Seccomp resources.",
  secrets: "Resources with secret material.",
  perf: "Stats resources.",
};
const SHUTDOWN_GRACE_MS = 1_000;

interface CallContext {
  method: string;
  roles: string[];
  /** True when the caller presented no client certificate (maintenance mode). */
  insecure: boolean;
  /** Facts a handler adds to the call's event (e.g. the sha256 of a snapshot it served). */
  detail?: Record<string, unknown>;
}

type UnaryHandler = (node: SimNode, request: any, call: CallContext) => Promise<Record<string, unknown>> | Record<string, unknown>;
type StreamHandler = (node: SimNode, request: any, call: CallContext, send: (message: Record<string, unknown>) => void, signal: AbortSignal) => Promise<void> | void;

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

const delay = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Minimal ustar archive of one file, gzipped (talosctl kubeconfig expects a .tar.gz). */
function tarGz(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write("0000600\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(`${content.length.toString(8).padStart(11, "0")}\0`, 124);
  header.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, "0")}\0`, 136);
  header.write("        ", 148);
  header.write("0", 156);
  header.write("ustar\0", 257);
  header.write("00", 263);
  const checksum = [...header].reduce((sum, byte) => sum + byte, 0);
  header.write(`${checksum.toString(8).padStart(6, "0")}\0 `, 148);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return gzipSync(Buffer.concat([header, content, padding, Buffer.alloc(1024)]));
}

function configFacts(text: string) {
  const doc = parseAllDocuments(text)
    .map((d) => d.toJS() as any)
    .find((d) => d?.machine);
  if (!doc) throw new SimError(grpc.status.INVALID_ARGUMENT, "failed to parse config: no v1alpha1 machine config document");
  const type = doc.machine.type === "init" ? "controlplane" : doc.machine.type;
  if (type !== "controlplane" && type !== "worker") throw new SimError(grpc.status.INVALID_ARGUMENT, `unknown machine type "${doc.machine.type}"`);
  if (!doc.machine.ca?.crt) throw new SimError(grpc.status.INVALID_ARGUMENT, "issuing CA or some accepted CAs are required (.machine.ca, machine.acceptedCAs)");
  return {
    role: type as "controlplane" | "worker",
    clusterName: String(doc.cluster?.clusterName ?? ""),
    endpoint: String(doc.cluster?.controlPlane?.endpoint ?? ""),
    installDisk: String(doc.machine.install?.disk ?? "/dev/sda"),
    installImage: String(doc.machine.install?.image ?? ""),
    caCrt: unb64(doc.machine.ca.crt),
    caKey: doc.machine.ca.key ? unb64(doc.machine.ca.key) : undefined,
    /** Kubernetes component images the config sets (unset ones are absent). */
    images: Object.fromEntries(KUBERNETES_COMPONENTS.flatMap((component) => {
      const image = configuredImage(doc, component);
      return image === undefined ? [] : [[component, image]];
    })) as Record<string, string>,
    /** The Kubernetes CA (cluster.ca): it signs the admin kubeconfig. Worker configs carry no key. */
    kubernetesCa: doc.cluster?.ca?.crt && doc.cluster?.ca?.key ? { crt: unb64(doc.cluster.ca.crt), key: unb64(doc.cluster.ca.key) } : undefined,
  };
}

/**
 * What a node in maintenance mode installs from a machine config: its role, cluster, disk and CA
 * (a worker's config carries only the CA certificate). Also what harness setup uses to put nodes
 * in a configured state without going through the API.
 */
export async function installFacts(text: string, knownExtensions: string[]): Promise<Parameters<SimCluster["install"]>[1]> {
  const facts = configFacts(text);
  if (!facts.caKey && facts.role === "controlplane") throw new SimError(grpc.status.INVALID_ARGUMENT, "control plane config must include the machine CA key");
  const ca = facts.caKey ? await loadCa(facts.caCrt, facts.caKey) : await loadCa(facts.caCrt, (await generateCa()).keyPem);
  // The installed system boots from the config's installer image (its extensions, if a factory one).
  return { role: facts.role, clusterName: facts.clusterName, installDisk: facts.installDisk, ca, config: text, ...bootedFrom(facts.installImage, knownExtensions) };
}

function diffLines(before: string, after: string): string {
  const a = before.split("\n");
  const b = after.split("\n");
  const removed = a.filter((line) => !b.includes(line)).map((line) => `-${line}`);
  const added = b.filter((line) => !a.includes(line)).map((line) => `+${line}`);
  return removed.length + added.length === 0 ? "No changes." : ["--- a", "+++ b", ...removed, ...added].join("\n");
}

export class SimApi {
  private servers = new Map<string, grpc.Server>();
  /** Set by stopAll: a restart still in flight (apply, reset) must not bind again. */
  private stopped = false;
  private pendingRecovery = new Map<string, Buffer>();
  private readonly nodeHandlers: Record<string, UnaryHandler>;
  private readonly streamHandlers: Record<string, StreamHandler>;

  constructor(
    private readonly cluster: SimCluster,
    private readonly api: LoadedApi,
  ) {
    this.nodeHandlers = this.unaryTable();
    this.streamHandlers = this.streamTable();
    cluster.onIdentityChange = (node) => this.restart(node);
  }

  // ----- lifecycle of the per-node servers -------------------------------------------------------

  async startAll(): Promise<void> {
    for (const node of this.cluster.nodes) await this.start(node);
  }

  async stopAll(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.servers.keys()].map((address) => this.stop(address)));
  }

  private async stop(address: string): Promise<void> {
    const server = this.servers.get(address);
    if (!server) return;
    this.servers.delete(address);
    // Let answers in flight finish, but never wait on a client that keeps its connection open.
    await new Promise<void>((resolve) => {
      const grace = setTimeout(resolve, SHUTDOWN_GRACE_MS);
      server.tryShutdown(() => (clearTimeout(grace), resolve()));
    });
    server.forceShutdown();
  }

  private async restart(node: SimNode): Promise<void> {
    // Nodes only reached through a proxy (the simulated Omni) have no server of their own.
    if (!this.servers.has(node.address)) return;
    await this.stop(node.address);
    await this.start(node);
  }

  private async credentials(node: SimNode): Promise<grpc.ServerCredentials> {
    if (node.stage === "maintenance" || !node.ca) {
      const throwaway = await generateCa("talos-maintenance");
      const cert = await issueServerCert(throwaway, node.address, node.name);
      // Maintenance mode: TLS without client certificates, like Talos's maintenance API.
      return grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(cert.certPem), private_key: Buffer.from(cert.keyPem) }], false);
    }
    const cert = await issueServerCert(node.ca, node.address, node.name);
    return grpc.ServerCredentials.createSsl(Buffer.from(node.ca.certPem), [{ cert_chain: Buffer.from(cert.certPem), private_key: Buffer.from(cert.keyPem) }], true);
  }

  private async start(node: SimNode): Promise<void> {
    if (node.faults.unreachable) return;
    const server = new grpc.Server();
    const machine = (this.api.machine as any).MachineService.service as grpc.ServiceDefinition;
    const cluster = (this.api.cluster as any).ClusterService.service as grpc.ServiceDefinition;
    const state = (this.api.cosi as any).resource.State.service as grpc.ServiceDefinition;
    const time = (this.api.time as any).TimeService.service as grpc.ServiceDefinition;
    for (const definition of [machine, cluster, state, time]) {
      const impl: grpc.UntypedServiceImplementation = {};
      for (const [name, method] of Object.entries(definition)) impl[name] = this.implement(node, method);
      server.addService(definition, impl);
    }
    const credentials = await this.credentials(node);
    if (this.stopped) return;
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`${node.address}:${TALOS_API_PORT}`, credentials, (error) => (error ? reject(error) : resolve())),
    );
    if (this.stopped) return void server.forceShutdown();
    this.servers.set(node.address, server);
  }

  // ----- dispatch ---------------------------------------------------------------------------------

  /** Roles of calls forwarded by a proxy (the simulated Omni), which authenticated them itself. */
  private readonly proxiedRoles = new WeakMap<object, string[]>();
  /** Calls that reached each flapping node so far: the first answers, then every second one fails. */
  private readonly flapCounts = new WeakMap<SimNode, number>();

  private flapsDown(node: SimNode): boolean {
    if (!node.faults.flapping) return false;
    const count = (this.flapCounts.get(node) ?? 0) + 1;
    this.flapCounts.set(node, count);
    return count % 2 === 0;
  }

  /**
   * The handler for `method` as `endpoint` answers it, for a proxy that serves the Talos API itself:
   * the proxy authenticates the caller and decides the Talos roles, as Omni's Talos backend does.
   */
  proxiedHandler(endpoint: SimNode, method: grpc.MethodDefinition<unknown, unknown>, roles: string[]): grpc.UntypedHandleCall {
    const handler = this.implement(endpoint, method) as (...args: unknown[]) => unknown;
    return ((call: object, ...rest: unknown[]) => {
      this.proxiedRoles.set(call, roles);
      return handler(call, ...rest);
    }) as grpc.UntypedHandleCall;
  }

  private callContext(call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown> | grpc.ServerReadableStream<unknown, unknown>, method: string): CallContext {
    const proxied = this.proxiedRoles.get(call);
    if (proxied) return { method, roles: proxied, insecure: false };
    const cert = call.getAuthContext()?.sslPeerCertificate;
    const organization = cert?.subject?.O;
    const roles = organization === undefined ? [] : Array.isArray(organization) ? organization : [organization];
    return { method, roles, insecure: !cert || Object.keys(cert).length === 0 };
  }

  private authorize(endpoint: SimNode, call: CallContext): void {
    if (endpoint.stage === "maintenance") {
      if (!MAINTENANCE_METHODS.has(call.method)) throw new SimError(grpc.status.UNIMPLEMENTED, "API is not implemented in maintenance mode");
      return;
    }
    if (!authorized(call.method, call.roles)) throw new SimError(grpc.status.PERMISSION_DENIED, "not authorized");
  }

  /** Targets from metadata: fan-out (`nodes`), one-to-one (`node`), or the endpoint itself. */
  private targets(endpoint: SimNode, metadata: grpc.Metadata): { nodes: string[]; fanOut: boolean } {
    const many = metadata.get("nodes").flatMap((value) => String(value).split(",").map((item) => item.trim()).filter(Boolean));
    if (many.length > 0) return { nodes: many, fanOut: true };
    // `talosctl get --insecure` sends an empty `node`: the endpoint answers itself.
    const one = metadata.get("node").map(String).filter(Boolean);
    if (one.length > 0) return { nodes: [one[0]!], fanOut: false };
    return { nodes: [endpoint.address], fanOut: false };
  }

  /**
   * The node a proxied call reaches, or why it cannot be reached from `endpoint`. Injected faults
   * on the way (unreachable, slow) are recorded as "fault" events so a harness can tell them apart.
   */
  private async reach(endpoint: SimNode, target: string, call: CallContext, signal?: AbortSignal): Promise<SimNode> {
    const node = this.cluster.byAddress(target);
    const down = node !== undefined && (node.faults.unreachable === true || this.flapsDown(node));
    if (node && down) this.cluster.record({ node: node.name, kind: "fault", method: call.method, detail: { unreachable: true } });
    if (node?.faults.slowMs) {
      this.cluster.record({ node: node.name, kind: "fault", method: call.method, detail: { slowMs: node.faults.slowMs } });
      await delay(node.faults.slowMs, signal);
    }
    if (!node || down) {
      throw new SimError(grpc.status.UNAVAILABLE, `connection error: desc = "transport: Error while dialing: dial tcp ${target}:${TALOS_API_PORT}: connect: connection refused"`);
    }
    // The second address is on eth1: with that link down, apid cannot reach the node through it.
    if (target === node.secondaryAddress && node.faults.linkDown) {
      throw new SimError(grpc.status.UNAVAILABLE, `connection error: desc = "transport: Error while dialing: dial tcp ${target}:${TALOS_API_PORT}: connect: no route to host"`);
    }
    if (node !== endpoint && (node.stage === "maintenance" || node.ca?.certPem !== endpoint.ca?.certPem)) {
      throw new SimError(grpc.status.UNAVAILABLE, `connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority"`);
    }
    return node;
  }

  private record(node: SimNode, call: CallContext, code: string): void {
    this.cluster.record({ node: node.name, kind: "api-call", method: call.method, role: call.roles.join(",") || (call.insecure ? "insecure" : ""), code, ...(call.detail ? { detail: call.detail } : {}) });
  }

  private implement(endpoint: SimNode, method: grpc.MethodDefinition<unknown, unknown>): grpc.UntypedHandleCall {
    const path = method.path;
    const name = path.split("/").pop()!;
    if (path.startsWith("/cosi.resource.State/")) return this.cosiHandler(endpoint, path, name);
    if (method.requestStream && !method.responseStream) return this.clientStreamHandler(endpoint, path, name);
    if (method.responseStream) return this.serverStreamHandler(endpoint, path, name);
    return this.unaryHandler(endpoint, path, name);
  }

  private unaryHandler(endpoint: SimNode, path: string, name: string): grpc.handleUnaryCall<any, any> {
    return async (call, callback) => {
      const ctx = this.callContext(call, path);
      try {
        this.authorize(endpoint, ctx);
        const handler = this.nodeHandlers[name];
        if (!handler) throw new SimError(grpc.status.UNIMPLEMENTED, `method ${name} is not implemented by the simulator`);
        const { nodes, fanOut } = this.targets(endpoint, call.metadata);
        const messages: Record<string, unknown>[] = [];
        for (const target of nodes) {
          let node: SimNode | undefined;
          try {
            node = await this.reach(endpoint, target, ctx);
            const message = await handler(node, call.request, ctx);
            this.record(node, ctx, "OK");
            messages.push(fanOut ? { ...message, metadata: { hostname: target } } : message);
          } catch (error) {
            if (!(error instanceof SimError)) throw error;
            this.record(node ?? endpoint, ctx, CODE_NAMES[error.code]!);
            if (!fanOut) throw error;
            messages.push({ metadata: { hostname: target, error: goErrorText(error), status: { code: error.code, message: error.message } } });
          }
        }
        callback(null, { messages });
      } catch (error) {
        if (error instanceof SimError) {
          if (error.code === grpc.status.PERMISSION_DENIED || error.code === grpc.status.UNIMPLEMENTED) this.record(endpoint, ctx, CODE_NAMES[error.code]!);
          callback({ code: error.code, details: error.message });
        } else callback({ code: grpc.status.INTERNAL, details: (error as Error).message });
      }
    };
  }

  private serverStreamHandler(endpoint: SimNode, path: string, name: string): grpc.handleServerStreamingCall<any, any> {
    return async (call) => {
      const ctx = this.callContext(call, path);
      const abort = new AbortController();
      call.on("cancelled", () => abort.abort());
      try {
        this.authorize(endpoint, ctx);
        const handler = this.streamHandlers[name];
        if (!handler) throw new SimError(grpc.status.UNIMPLEMENTED, `method ${name} is not implemented by the simulator`);
        const { nodes, fanOut } = this.targets(endpoint, call.metadata);
        for (const target of nodes) {
          let node: SimNode | undefined;
          try {
            node = await this.reach(endpoint, target, ctx, abort.signal);
            await handler(node, call.request, ctx, (message) => call.write(fanOut ? { ...message, metadata: { hostname: target } } : message), abort.signal);
            this.record(node, ctx, "OK");
          } catch (error) {
            if (!(error instanceof SimError)) throw error;
            this.record(node ?? endpoint, ctx, CODE_NAMES[error.code]!);
            if (!fanOut) throw error;
            call.write({ metadata: { hostname: target, error: goErrorText(error), status: { code: error.code, message: error.message } } });
          }
        }
        call.end();
      } catch (error) {
        const e = asSimError(error, grpc.status.INTERNAL);
        call.emit("error", { code: e.code, details: e.message });
      }
    };
  }

  private clientStreamHandler(endpoint: SimNode, path: string, name: string): grpc.handleClientStreamingCall<any, any> {
    return (call, callback) => {
      const ctx = this.callContext(call, path);
      const chunks: Buffer[] = [];
      call.on("data", (data: { bytes?: Buffer }) => data.bytes && chunks.push(Buffer.from(data.bytes)));
      call.on("end", async () => {
        try {
          this.authorize(endpoint, ctx);
          if (name !== "EtcdRecover") throw new SimError(grpc.status.UNIMPLEMENTED, `method ${name} is not implemented by the simulator`);
          const { nodes } = this.targets(endpoint, call.metadata);
          const node = await this.reach(endpoint, nodes[0]!, ctx);
          requireControlPlane(node, "etcd recover");
          const snapshot = Buffer.concat(chunks);
          this.pendingRecovery.set(node.address, snapshot);
          ctx.detail = { bytes: snapshot.length, sha256: sha256(snapshot) };
          this.record(node, ctx, "OK");
          callback(null, { messages: [{ metadata: { hostname: node.address } }] });
        } catch (error) {
          const e = asSimError(error, grpc.status.INTERNAL);
          callback({ code: e.code, details: e.message });
        }
      });
    };
  }

  // ----- COSI state -------------------------------------------------------------------------------

  /** A resource as the State API sends it; `stamp` gives its version (registries are always at 1). */
  private cosiResource(namespace: string, type: string, id: string, yaml: string, proto: Buffer, stamp: Stamp = { version: "1", created: new Date(), updated: new Date() }, annotations: Record<string, string> = {}) {
    return {
      metadata: { namespace, type, id, version: stamp.version, owner: "", phase: "running", created: ts(stamp.created), updated: ts(stamp.updated), finalizers: [], annotations: toEntries(annotations) },
      spec: { yaml_spec: yaml, proto_spec: proto },
    };
  }

  /** Encoded specs of the meta namespace, made once: every `talosctl get` starts by listing them. */
  private metaSpecs?: Map<string, { id: string; yaml: string; proto: Buffer }[]>;

  /** The meta namespace: what types and namespaces exist (Talos's registries). */
  private listMeta(type: string) {
    if (!this.metaSpecs) {
      const namespaceSpec = this.api.root.lookupType("cosi.resource.meta.NamespaceSpec");
      const definitions = [{ type: RD_TYPE, namespace: "meta" }, { type: NS_TYPE, namespace: "meta" }, ...KINDS].map((kind) => {
        const definition = definitionOf(kind);
        return { id: definition.resourceType.toLowerCase(), yaml: yamlSpec({ ...definition, type: definition.resourceType }), proto: this.api.encodeResourceDefinitionSpec(definition) };
      });
      const namespaces = NAMESPACES.map((name) => {
        const spec = { description: NAMESPACE_DESCRIPTIONS[name] ?? "" };
        return { id: name, yaml: yamlSpec(spec), proto: Buffer.from(namespaceSpec.encode(namespaceSpec.fromObject(spec)).finish()) };
      });
      this.metaSpecs = new Map([[RD_TYPE, definitions], [NS_TYPE, namespaces]]);
    }
    return this.metaSpecs.get(type)!.map((spec) => this.cosiResource("meta", type, spec.id, spec.yaml, spec.proto));
  }

  /**
   * A node's resources of one type, as Talos's COSI server answers: its access policy refuses
   * unknown types and namespaces (PermissionDenied "… is not supported") and Sensitive types
   * below os:admin; every resource carries its spec as YAML and as the real protobuf message.
   */
  private async listCosi(node: SimNode, namespace: string, type: string, roles: string[]) {
    if (type === RD_TYPE || type === NS_TYPE) return namespace === "meta" || !namespace ? this.listMeta(type) : [];
    const kind = KINDS.find((candidate) => candidate.type === type);
    if (!kind) throw new SimError(grpc.status.PERMISSION_DENIED, `resource type "${type}" is not supported`);
    if (kind.sensitive && !canReadSensitive(roles)) throw new SimError(grpc.status.PERMISSION_DENIED, "not authorized");
    if (namespace && !NAMESPACES.includes(namespace)) throw new SimError(grpc.status.PERMISSION_DENIED, `namespace "${namespace}" is not supported`);
    if (namespace && namespace !== kind.namespace) return [];
    const resources = await stampedResources(kind, node, this.cluster);
    return resources.map(({ id, spec, yaml, stamp }) => this.cosiResource(kind.namespace, kind.type, id, yaml, this.api.specs.encode(spec, kind.proto), stamp, kind.annotations));
  }

  private cosiHandler(endpoint: SimNode, path: string, name: string): grpc.UntypedHandleCall {
    // COSI calls go to one node (talosctl sends `nodes` with one entry, or `node`); a failure is
    // the call's status, recorded like any other answer.
    const serve = async (call: grpc.ServerUnaryCall<any, any> | grpc.ServerWritableStream<any, any>, answer: (node: SimNode, ctx: CallContext) => Promise<void>) => {
      const ctx = this.callContext(call, path);
      let node = endpoint;
      try {
        this.authorize(endpoint, ctx);
        node = await this.reach(endpoint, this.targets(endpoint, call.metadata).nodes[0]!, ctx);
        await answer(node, ctx);
        this.record(node, ctx, "OK");
        return undefined;
      } catch (error) {
        const e = asSimError(error, grpc.status.INTERNAL);
        this.record(node, ctx, CODE_NAMES[e.code]!);
        return { code: e.code, details: e.message };
      }
    };
    if (name === "Get") {
      return (async (call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) => {
        let resource: unknown;
        const failure = await serve(call, async (node, ctx) => {
          resource = (await this.listCosi(node, call.request.namespace, call.request.type, ctx.roles)).find((r) => r.metadata.id === call.request.id);
          if (!resource) throw new SimError(grpc.status.NOT_FOUND, `resource ${call.request.type}(${call.request.namespace}/${call.request.id}@undefined) doesn't exist`);
        });
        if (failure) callback(failure);
        else callback(null, { resource });
      }) as grpc.handleUnaryCall<any, any>;
    }
    if (name === "Watch") {
      return (async (call: grpc.ServerWritableStream<any, any>) => {
        const abort = new AbortController();
        call.on("cancelled", () => abort.abort());
        const { namespace, type } = call.request;
        // proto3 `optional string id`: present (even empty) for a watch of one resource.
        const request: WatchRequest = { namespace, type, id: call.request._id === "id" ? call.request.id : undefined, options: call.request.options };
        let watched: { node: SimNode; roles: string[] } | undefined;
        // The first read checks the type, namespace and access as List does; failures end the call.
        const failure = await serve(call, async (node, ctx) => {
          await this.listCosi(node, namespace, type, ctx.roles);
          watched = { node, roles: ctx.roles };
        });
        if (failure || !watched) return void call.emit("error", failure);
        const { node, roles } = watched;
        const source = { list: () => this.listCosi(node, namespace, type, roles), subscribe: (onChange: () => void) => this.cluster.onStateChange(onChange) };
        await serveWatch(request, source, (message) => call.write(message), abort.signal);
        call.end();
      }) as grpc.handleServerStreamingCall<any, any>;
    }
    if (name === "List") {
      return (async (call: grpc.ServerWritableStream<any, any>) => {
        const failure = await serve(call, async (node, ctx) => {
          for (const resource of await this.listCosi(node, call.request.namespace, call.request.type, ctx.roles)) call.write({ resource });
        });
        if (failure) call.emit("error", failure);
        else call.end();
      }) as grpc.handleServerStreamingCall<any, any>;
    }
    return ((call: any, callback: any) => {
      const details = `method ${name} is not implemented by the simulator`;
      if (typeof callback === "function") callback({ code: grpc.status.UNIMPLEMENTED, details });
      else call.emit("error", { code: grpc.status.UNIMPLEMENTED, details });
    }) as grpc.UntypedHandleCall;
  }

  // ----- what a node does -------------------------------------------------------------------------

  /** Healthy members of `node`'s etcd cluster, excluding `without`. */
  private healthyMembers(node: SimNode, without?: SimNode): SimNode[] {
    return this.cluster.etcdMembersOf(node.etcdCluster).filter((m) => m !== without && m.etcd === "running");
  }

  private unaryTable(): Record<string, UnaryHandler> {
    const cluster = this.cluster;
    return {
      ...readUnaryHandlers(cluster),
      Version: (node) => ({
        version: { tag: node.talosVersion, sha: "simulated", built: "", go_version: "go1.26", os: "linux", arch: "amd64" },
        platform: { name: "metal", mode: "metal" },
        features: { rbac: true },
      }),
      ApplyConfiguration: async (node, request: { data: Buffer; mode: string; dry_run: boolean }, call) => {
        const text = Buffer.from(request.data).toString("utf8");
        const facts = configFacts(text);
        if (node.stage === "maintenance") {
          if (!call.insecure) throw new SimError(grpc.status.FAILED_PRECONDITION, "the node is in maintenance mode: use --insecure");
          const install = await installFacts(text, cluster.scenario.extensions);
          // Answer first, then "reboot" into the installed system (the server restarts with its new identity).
          cluster.later(200, () => void cluster.install(node, install));
          return { mode: "REBOOT", mode_details: "Applied configuration with a reboot", warnings: [] };
        }
        if (facts.caCrt !== node.ca?.certPem) throw new SimError(grpc.status.INVALID_ARGUMENT, "the machine CA in the new config differs from the node's: use talosctl rotate-ca to change CAs");
        const modeDetails = request.mode === "STAGED" ? "Staged configuration to be applied after the next reboot" : request.mode === "REBOOT" ? "Applied configuration with a reboot" : "Applied configuration without a reboot";
        if (request.dry_run) return { mode: request.mode, mode_details: `Dry run summary:\n${modeDetails} (skipped in dry-run).\n\nConfig diff:\n\n${diffLines(node.config ?? "", text)}`, warnings: [] };
        // What changed for Kubernetes (upgrade-k8s patches images node by node) goes in the record.
        const before = node.config ? configFacts(node.config).images : {};
        const images = Object.fromEntries(Object.entries(facts.images).filter(([component, image]) => before[component] !== image));
        node.config = text;
        cluster.changeState(node, { configApplied: true, mode: request.mode, ...(Object.keys(images).length > 0 ? { images } : {}) });
        // machined restarts the kubelet when its spec changes (a new image); the static pods follow
        // their config resources (the simulated kubelet replaces their mirror pods).
        if (images.kubelet && node.stage === "running") cluster.restartService(node, "kubelet");
        return { mode: request.mode, mode_details: modeDetails, warnings: [] };
      },
      // upgrade-k8s pre-pulls the new images on every node (CRI namespace for the control plane's
      // static pods, system namespace for the kubelet).
      ImagePull: (node, request: { namespace: string; reference: string }) => {
        const reference = request.reference.trim();
        const namespace = containerdNamespace(request.namespace);
        if (!/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(reference)) throw new SimError(grpc.status.INVALID_ARGUMENT, `failed to parse image reference "${request.reference}"`);
        node.pulledImages[namespace] = [...new Set([...(node.pulledImages[namespace] ?? []), reference])];
        cluster.changeState(node, { imagePulled: reference, namespace });
        return {};
      },
      Bootstrap: (node, request: { recover_etcd: boolean }) => {
        if (node.stage === "maintenance") throw new SimError(grpc.status.FAILED_PRECONDITION, "bootstrap is not available yet");
        if (node.role !== "controlplane") throw new SimError(grpc.status.FAILED_PRECONDITION, "bootstrap can only be performed on a control plane node");
        if (node.faults.timeNotSynced) throw new SimError(grpc.status.FAILED_PRECONDITION, "time is not in sync yet");
        if (node.etcdCluster) throw new SimError(grpc.status.ALREADY_EXISTS, "etcd data directory is not empty");
        if (request.recover_etcd) {
          const snapshot = this.pendingRecovery.get(node.address);
          if (!snapshot) throw new SimError(grpc.status.FAILED_PRECONDITION, "no snapshot uploaded for recovery");
          this.pendingRecovery.delete(node.address);
          cluster.bootstrap(node, `${snapshot.length} bytes`);
        } else cluster.bootstrap(node);
        cluster.settleWorkers();
        return {};
      },
      ServiceList: (node) => ({
        services: serviceStates(node).map((service) => ({
          id: service.id,
          state: service.state,
          events: { events: service.events.map((event) => ({ msg: event.msg, state: event.state, ts: ts(event.at) })) },
          health: { unknown: service.health === "?", healthy: service.health === "OK", last_message: service.healthMessage, last_change: ts(service.events.at(-1)?.at ?? node.bootedAt) },
        })),
      }),
      EtcdMemberList: (node) => {
        requireEtcd(node, "member list");
        return {
          members: cluster.etcdMembersOf(node.etcdCluster).map((member) => ({
            id: parseInt(member.etcdMemberId!, 16),
            hostname: member.name,
            peer_urls: [`https://${member.address}:2380`],
            client_urls: [`https://${member.address}:2379`],
            is_learner: false,
          })),
        };
      },
      EtcdStatus: (node) => {
        requireEtcd(node, "etcd status");
        const members = cluster.etcdMembersOf(node.etcdCluster);
        const leader = members.find((m) => m.etcd === "running") ?? node;
        return {
          member_status: {
            member_id: parseInt(node.etcdMemberId!, 16),
            protocol_version: "3.6.0",
            storage_version: "3.6.0",
            db_size: 16_384 * cluster.etcdRevision,
            db_size_in_use: 12_288 * cluster.etcdRevision,
            leader: parseInt(leader.etcdMemberId!, 16),
            raft_index: 100 + cluster.etcdRevision,
            raft_term: 2,
            raft_applied_index: 100 + cluster.etcdRevision,
            errors: [],
            is_learner: false,
          },
        };
      },
      Reboot: (node) => {
        node.bootedAt = new Date();
        cluster.kernelLog(node, "rebooting (requested through the API)");
        cluster.changeState(node, { rebooted: true });
        return { actor_id: `reboot-${node.name}` };
      },
      Reset: (node, request: { graceful: boolean }) => {
        // Real Talos acknowledges first and runs the reset sequence afterwards. A graceful reset of
        // a control plane leaves etcd with "require leader": without quorum that step fails and the
        // node stays as it was; with quorum it leaves, even if the rest then loses quorum.
        const members = cluster.etcdMembersOf(node.etcdCluster);
        const leaveFails = request.graceful && node.role === "controlplane" && members.length > 0 && this.healthyMembers(node).length <= members.length / 2;
        cluster.later(200, () => {
          if (!leaveFails) return void cluster.reset(node);
          cluster.kernelLog(node, "reset sequence failed: leaveEtcd: failed to leave cluster: etcdserver: no leader");
          cluster.changeState(node, { resetFailed: "failed to leave cluster: etcdserver: no leader" });
        });
        return { actor_id: `reset-${node.name}` };
      },
      Upgrade: (node, request: { image: string; force: boolean; stage: boolean }) => {
        const tag = /:(v\d+\.\d+\.\d+[^@]*)$/.exec(request.image)?.[1];
        if (!tag) throw new SimError(grpc.status.INVALID_ARGUMENT, `error validating installer image "${request.image}": no version tag`);
        // machined's pre-upgrade etcd validation (control planes, unless --force): a plain error,
        // so the status code is Unknown.
        if (node.role === "controlplane" && !request.force) {
          const members = cluster.etcdMembersOf(node.etcdCluster);
          const refuse = (reason: string) => new SimError(grpc.status.UNKNOWN, `error validating etcd for upgrade: ${reason}`);
          if (members.length === 2) throw refuse("etcd member count(2) is insufficient to maintain quorum if upgrade commences");
          const unhealthy = members.find((m) => m.etcd !== "running");
          if (unhealthy) throw refuse(`etcd member ${unhealthy.etcdMemberId!.padStart(16, "0")} is not healthy; all members must be healthy to perform an upgrade: context deadline exceeded`);
        }
        const from = node.talosVersion;
        if (!request.stage) {
          node.talosVersion = tag;
          node.bootedAt = new Date();
          Object.assign(node, bootedFrom(request.image, cluster.scenario.extensions));
        }
        cluster.kernelLog(node, `upgrade from ${from} to ${tag} ${request.stage ? "staged" : "complete"} (${request.image})`);
        cluster.changeState(node, { upgraded: !request.stage, staged: request.stage, from, to: tag, image: request.image });
        return { ack: "Upgrade request received", actor_id: `upgrade-${node.name}` };
      },
    };
  }

  private streamTable(): Record<string, StreamHandler> {
    const cluster = this.cluster;
    const data = (text: string | Buffer) => ({ bytes: Buffer.isBuffer(text) ? text : Buffer.from(text) });
    const reads = Object.entries(readStreamHandlers(cluster)).map(([name, read]): [string, StreamHandler] => [name, (node, request, _call, send) => read(node, request, send)]);
    return {
      ...Object.fromEntries(reads),
      Dmesg: (node, _request, _call, send) => {
        const lines = [...node.dmesg];
        if (node.role === "controlplane" && node.etcd === "waiting") {
          const ips = cluster.peersOf(node).filter((p) => p.role === "controlplane").map((p) => `"${p.address}"`);
          lines.push(
            `user: warning: [${new Date().toISOString()}]: [talos] etcd is waiting to join the cluster, if this node is the first node in the cluster, please run \`talosctl bootstrap\` against one of the following IPs:`,
            `user: warning: [${new Date().toISOString()}]: [talos] [${ips.join(" ")}]`,
          );
        }
        send(data(`${lines.join("\n")}\n`));
      },
      // machined's Logs: service logs (system namespace, or the kubelet) come from its log
      // manager, everything else from the CRI container's log file. Both fail with plain errors.
      Logs: (node, request: { namespace: string; id: string; tail_lines: number }, _call, send) => {
        let lines: string[];
        if (request.namespace === "system" || request.id === "kubelet") {
          const service = serviceStates(node).find((s) => s.id === request.id);
          if (!service) throw new SimError(grpc.status.UNKNOWN, `log "${request.id}" was not registered`);
          lines = serviceLog(node, service);
        } else {
          const container = containersOf(node, cluster, "k8s.io").find((c) => c.id === request.id || c.id.replace(/:[0-9a-f]{12}$/, "") === request.id);
          if (!container) throw new SimError(grpc.status.UNKNOWN, `container "${request.id}" not found`);
          const stamp = node.bootedAt.toISOString();
          lines = [`${stamp} stderr F I0000 00:00:00.000000       1 server.go:152] "Starting" container="${container.name}" image="${container.image}"`, `${stamp} stderr F I0000 00:00:00.000000       1 server.go:203] "Serving" node="${node.name}"`];
        }
        const tail = request.tail_lines > 0 ? lines.slice(-request.tail_lines) : lines;
        send(data(`${tail.join("\n")}\n`));
      },
      Kubeconfig: async (node, _request, _call, send) => {
        requireControlPlane(node, "kubeconfig");
        if (!node.config) throw new SimError(grpc.status.UNIMPLEMENTED, "API is not implemented in maintenance mode");
        // As machined does: an admin client certificate from the cluster's Kubernetes CA, for the
        // control plane endpoint (in a Kubernetes scenario, where the real kube-apiserver listens).
        const facts = configFacts(node.config);
        if (!facts.kubernetesCa) throw new SimError(grpc.status.UNKNOWN, "failed to generate kubeconfig: the Kubernetes CA (cluster.ca) is missing from the machine config");
        const ca = await loadCa(facts.kubernetesCa.crt, facts.kubernetesCa.key);
        const admin = await issueClientCert(ca, ["system:masters"], "admin");
        const kubeconfig = renderKubeconfig({ server: facts.endpoint || `https://${node.address}:6443`, caPem: ca.certPem, certPem: admin.certPem, keyPem: admin.keyPem }, { cluster: node.clusterName ?? facts.clusterName });
        send(data(tarGz("kubeconfig", Buffer.from(kubeconfig))));
      },
      EtcdSnapshot: (node, _request, call, send) => {
        requireEtcd(node, "etcd snapshot");
        const snapshot = cluster.snapshotOf(node);
        // What was served, so a harness can check a saved snapshot is this one, byte for byte.
        call.detail = { bytes: snapshot.length, sha256: sha256(snapshot) };
        for (let offset = 0; offset < snapshot.length; offset += 1024) send(data(snapshot.subarray(offset, offset + 1024)));
      },
      HealthCheck: async (node, request: { wait_timeout?: { seconds?: number } }, _call, send, signal) => {
        const deadline = Date.now() + Math.max(1, Number(request.wait_timeout?.seconds ?? 60)) * 1000;
        const peers = () => cluster.peersOf(node);
        const checks: [string, () => string | undefined][] = [
          ["etcd to be healthy", () => (peers().filter((p) => p.role === "controlplane").every((p) => p.etcd === "running") ? undefined : `etcd is not healthy on ${peers().filter((p) => p.role === "controlplane" && p.etcd !== "running").map((p) => p.address).join(", ")}`)],
          ["etcd members to be consistent across nodes", () => (new Set(peers().filter((p) => p.etcdCluster).map((p) => p.etcdCluster)).size <= 1 ? undefined : "etcd members are inconsistent: more than one etcd cluster")],
          ["etcd members to be control plane nodes", () => undefined],
          ["apid to be ready", () => undefined],
          ["all nodes memory sizes", () => undefined],
          ["all nodes disk sizes", () => undefined],
          ["kubelet to be healthy", () => {
            const unhealthy = peers().filter((p) => p.stage !== "running" || serviceStates(p).find((s) => s.id === "kubelet")?.health !== "OK");
            return unhealthy.length === 0 ? undefined : `service "kubelet" not in expected state "Running": ${unhealthy.map((p) => p.address).join(", ")}`;
          }],
          ["all nodes to finish boot sequence", () => (peers().every((p) => p.stage === "running") ? undefined : "some nodes are still booting")],
          ["all k8s nodes to report", () => undefined],
          ["all control plane static pods to be running", () => undefined],
          ["all control plane components to be ready", () => undefined],
          ["kube-proxy to report ready", () => undefined],
          ["coredns to report ready", () => undefined],
          ["all k8s nodes to report ready", () => undefined],
        ];
        if (node.stage === "maintenance") throw new SimError(grpc.status.UNIMPLEMENTED, "API is not implemented in maintenance mode");
        send({ message: `discovered nodes: ["${peers().map((p) => p.address).join('" "')}"]` });
        for (const [label, check] of checks) {
          send({ message: `waiting for ${label}: ...` });
          for (;;) {
            cluster.settleWorkers();
            const problem = check();
            if (!problem) break;
            if (signal.aborted) return;
            if (Date.now() > deadline) throw new SimError(grpc.status.DEADLINE_EXCEEDED, `waiting for ${label}: ${problem}: context deadline exceeded`);
            await delay(500, signal);
          }
          send({ message: `waiting for ${label}: OK` });
        }
      },
    };
  }
}
