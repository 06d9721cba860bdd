// The simulated Omni's API on loopback: the COSI State service (what omnictl's get, cluster
// template and every other command use) and the ManagementService calls for kubeconfig,
// talosconfig and omniconfig. TLS on loopback, like an `https://` Omni (clients trust the
// simulation's CA through SSL_CERT_FILE); every call must carry a valid service-account signature. Resources go out with proto_spec (typed decoding) and yaml_spec
// (`get -o yaml|json`), as cosi's server sends them.
import { randomBytes } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { stringify } from "yaml";
import { asSimError, CODE_NAMES, SimError, ts } from "../errors.js";
import type { EventLog } from "../events.js";
import { googleProtoDir, toEntries, type CosiApi, type LoadedApi } from "../protos.js";
import { definitionOf, RD_TYPE } from "../resources.js";
import type { OmniCodec, Spec } from "./codec.js";
import type { OmniResourceDefinition } from "./definitions.js";
import { T, type OmniModel } from "./model.js";
import { verifySignedCall, type ServiceAccount } from "./service-account.js";
import { talosRolesViaOmni, type OmniTalosProxy } from "./talos.js";
import type { LabelOp, LabelTerm, Phase, Query, StoredResource } from "./state.js";

export type OmniRole = "Reader" | "Operator" | "Admin";
export interface OmniAccount extends ServiceAccount {
  role: OmniRole;
}

const ROLE_RANK: Record<OmniRole, number> = { Reader: 1, Operator: 2, Admin: 3 };
/** Resource types users write (cluster templates, labels); everything else is controller-owned. */
const WRITABLE_TYPES = new Set<string>([T.cluster, T.machineSet, T.machineSetNode, T.configPatch, T.extensionsConfiguration, T.kubernetesManifestGroup, T.kernelArgs, T.machineLabels, "KubernetesHealthChecks.omni.sidero.dev"]);

interface WireMetadata {
  namespace: string;
  type: string;
  id: string;
  version: string;
  owner: string;
  phase: string;
  created?: { seconds: number; nanos: number } | null;
  updated?: { seconds: number; nanos: number } | null;
  finalizers: string[];
  labels: MapEntries;
  annotations: MapEntries;
}
interface WireResource {
  metadata: WireMetadata;
  spec?: { proto_spec: Buffer; yaml_spec: string } | null;
}

/** COSI's descriptors come from generated Go, where protobufjs sees map fields as repeated entries. */
type MapEntries = { key: string; value: string }[] | Record<string, string>;
const fromEntries = (entries: MapEntries | undefined): Record<string, string> =>
  Array.isArray(entries) ? Object.fromEntries(entries.map((e) => [e.key, e.value])) : { ...entries };

const fromTs = (t?: { seconds: number; nanos: number } | null) => (t ? new Date(t.seconds * 1000 + Math.floor(t.nanos / 1e6)) : new Date());

export interface OmniApiOptions {
  model: OmniModel;
  cosi: CosiApi;
  codec: OmniCodec;
  definitions: OmniResourceDefinition[];
  omniApiDir: string;
  accounts: OmniAccount[];
  log: EventLog;
  /** The Talos API of Omni's clusters, through this endpoint (calls marked `runtime: Talos`). */
  talos: { api: LoadedApi; proxy: OmniTalosProxy };
}

type AnyCall = grpc.ServerUnaryCall<any, any> | grpc.ServerWritableStream<any, any> | grpc.ServerReadableStream<any, any>;

export class OmniApiServer {
  private readonly server = new grpc.Server();
  private readonly definitions: Map<string, OmniResourceDefinition>;
  private readonly cancels = new Set<() => void>();
  url = "";

  constructor(private readonly options: OmniApiOptions) {
    this.definitions = new Map(options.definitions.map((d) => [d.type, d]));
    const management = grpc.loadPackageDefinition(
      protoLoader.loadSync("omni/management/management.proto", { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true, includeDirs: [options.omniApiDir, googleProtoDir()] }),
    ) as unknown as { management: { ManagementService: grpc.ServiceClientConstructor } };
    const state = (options.cosi.cosi as unknown as { resource: { State: grpc.ServiceClientConstructor } }).resource.State;
    const talos = options.talos.api as unknown as {
      machine: { MachineService: grpc.ServiceClientConstructor };
      cluster: { ClusterService: grpc.ServiceClientConstructor };
      cosi: { resource: { State: grpc.ServiceClientConstructor } };
    };
    // One COSI State service for both: talosctl marks its calls `runtime: Talos`, as Omni routes them.
    const talosState = talos.cosi.resource.State.service;
    const omniState = this.stateHandlers();
    const stateImpl = Object.fromEntries(
      Object.entries(omniState).map(([name, handler]) => {
        const viaTalos = this.talosHandler(talosState[name]!);
        return [name, ((call: AnyCall, ...rest: unknown[]) => (String(call.metadata.get("runtime")[0] ?? "") === "Talos" ? viaTalos : handler)(call as never, ...(rest as [never]))) as grpc.UntypedHandleCall];
      }),
    );
    this.server.addService(state.service, stateImpl);
    for (const service of [talos.machine.MachineService.service, talos.cluster.ClusterService.service]) {
      this.server.addService(service, Object.fromEntries(Object.entries(service).map(([name, method]) => [name, this.talosHandler(method)])));
    }
    this.server.addService(management.management.ManagementService.service, this.managementHandlers(management.management.ManagementService.service));
  }

  /**
   * A Talos API call through Omni: authenticated like any Omni call, routed to the cluster named in
   * `context`, its node names resolved, and answered by the cluster's Talos side with the role Omni
   * would inject.
   */
  private talosHandler(method: grpc.MethodDefinition<unknown, unknown>): grpc.UntypedHandleCall {
    return (async (call: AnyCall, callback?: (error: grpc.ServiceError | null | Partial<grpc.StatusObject>, value?: unknown) => void) => {
      let account: OmniAccount | undefined;
      try {
        account = await this.authorize(call, method.path, "Reader");
        const cluster = String(call.metadata.get("context")[0] ?? "");
        if (!cluster) throw new SimError(grpc.status.INVALID_ARGUMENT, "the Talos API through Omni needs a cluster: set `cluster` in the talosconfig context or pass --cluster");
        const side = await this.options.talos.proxy.clusterFor(cluster);
        if (!side) throw new SimError(grpc.status.UNAVAILABLE, `cluster "${cluster}" has no installed control-plane machine in Omni`);
        for (const key of ["nodes", "node"]) {
          const values = call.metadata.get(key).flatMap((value) => String(value).split(",")).map((value) => this.options.talos.proxy.resolveNode(value.trim()));
          call.metadata.remove(key);
          for (const value of values) call.metadata.add(key, value);
        }
        const handler = side.api.proxiedHandler(side.endpoint, method, talosRolesViaOmni(account.role, method.path)) as (...args: unknown[]) => unknown;
        return handler(call, callback);
      } catch (error) {
        const status = this.failed(method.path, account, error);
        if (typeof callback === "function") callback(status);
        else call.emit("error", status);
        return undefined;
      }
    }) as unknown as grpc.UntypedHandleCall;
  }

  /** Listens on loopback with TLS (a certificate from the simulation's CA), like an https:// Omni. */
  async start(tls: { certPem: string; keyPem: string }, host = "127.0.0.1", port = 0): Promise<string> {
    const credentials = grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) }], false);
    const bound = await new Promise<number>((resolve, reject) => this.server.bindAsync(`${host}:${port}`, credentials, (error, actual) => (error ? reject(error) : resolve(actual))));
    this.url = `https://${host}:${bound}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const cancel of this.cancels) cancel();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => (this.server.forceShutdown(), resolve()), 1_000);
      this.server.tryShutdown(() => (clearTimeout(timer), resolve()));
    });
  }

  // ----- calls: authentication, role, record ------------------------------------------------------

  private async authorize(call: AnyCall, method: string, needs: OmniRole): Promise<OmniAccount> {
    const identity = await verifySignedCall(this.options.accounts, call.metadata, method);
    const account = this.options.accounts.find((a) => a.identity === identity)!;
    if (ROLE_RANK[account.role] < ROLE_RANK[needs]) throw new SimError(grpc.status.PERMISSION_DENIED, `failed to validate: insufficient role: "${account.role}"`);
    return account;
  }

  /** Records a failed call and gives the status to answer with (a Go handler's plain error is Unknown). */
  private failed(method: string, account: OmniAccount | undefined, error: unknown, request?: unknown): { code: grpc.status; details: string } {
    const e = asSimError(error);
    this.record(method, account, e.code, describe(request));
    return { code: e.code, details: e.message };
  }

  private record(method: string, account: OmniAccount | undefined, code: number, detail?: Record<string, unknown>): void {
    this.options.log.record({ node: "omni", kind: "api-call", method, role: account?.role ?? "unauthenticated", code: CODE_NAMES[code], ...(detail ? { detail } : {}) });
  }

  private unary(method: string, needs: (request: any) => OmniRole, handler: (request: any, call: grpc.ServerUnaryCall<any, any>, account: OmniAccount) => unknown): grpc.handleUnaryCall<any, any> {
    return async (call, callback) => {
      let account: OmniAccount | undefined;
      try {
        account = await this.authorize(call, method, needs(call.request));
        const response = await handler(call.request, call, account);
        this.record(method, account, grpc.status.OK, describe(call.request));
        callback(null, response);
      } catch (error) {
        callback(this.failed(method, account, error, call.request));
      }
    };
  }

  /** A server-streaming read: authenticated, recorded, failures sent as the stream's status. */
  private stream(method: string, handler: (call: grpc.ServerWritableStream<any, any>) => void): grpc.handleServerStreamingCall<any, any> {
    return async (call) => {
      let account: OmniAccount | undefined;
      try {
        account = await this.authorize(call, method, "Reader");
        handler(call);
        this.record(method, account, grpc.status.OK, describe(call.request));
      } catch (error) {
        call.emit("error", this.failed(method, account, error, call.request));
      }
    };
  }

  // ----- COSI State -------------------------------------------------------------------------------

  private stateHandlers(): grpc.UntypedServiceImplementation {
    const { model } = this.options;
    const state = model.state;
    const S = "/cosi.resource.State/";
    const writeRole = (request: { namespace?: string; type?: string; resource?: WireResource; new_resource?: WireResource }) => {
      const type = request.type ?? request.resource?.metadata.type ?? request.new_resource?.metadata.type ?? "";
      if (!WRITABLE_TYPES.has(type)) throw new SimError(grpc.status.PERMISSION_DENIED, `resource type ${type} is managed by Omni and cannot be changed through the API`);
      return "Operator" as const;
    };
    return {
      Get: this.unary(`${S}Get`, () => "Reader", (req) => ({ resource: this.toWire(this.read(req.namespace, req.type, req.id)) })),
      List: this.stream(`${S}List`, (call) => {
        for (const resource of this.list(call.request.namespace, call.request.type, queryOf(call.request.options))) call.write({ resource: this.toWire(resource) });
        call.end();
      }),
      Create: this.unary(`${S}Create`, writeRole, (req) => ({ resource: this.toWire(state.create(this.fromWire(req.resource), req.options?.owner ?? "")) })),
      Update: this.unary(`${S}Update`, writeRole, (req) => {
        const phase = (req.options?.expected_phase || "running") as Phase;
        return { resource: this.toWire(state.update(this.fromWire(req.new_resource), { owner: req.options?.owner ?? "", expectedPhase: phase })) };
      }),
      Teardown: this.unary(`${S}Teardown`, writeRole, (req) => ({ destroy_ready: state.teardown(req.namespace, req.type, req.id, req.options?.owner ?? "") })),
      Destroy: this.unary(`${S}Destroy`, writeRole, (req) => (state.destroy(req.namespace, req.type, req.id, req.options?.owner ?? ""), {})),
      TeardownAndDestroy: this.unary(`${S}TeardownAndDestroy`, writeRole, async (req) => {
        const owner = req.options?.owner ?? "";
        if (!state.teardown(req.namespace, req.type, req.id, owner)) {
          await new Promise<void>((resolve) => {
            const off = state.watch(req.namespace, req.type, req.id, (event) => {
              if (event.type === "destroyed" || event.resource.metadata.finalizers.length === 0) queueMicrotask(() => (off(), resolve()));
            });
          });
        }
        if (state.find(req.namespace, req.type, req.id)) state.destroy(req.namespace, req.type, req.id, owner);
        return {};
      }),
      Watch: this.stream(`${S}Watch`, (call) => {
        const req = call.request;
        this.requireType(req.type);
        const options = req.options ?? {};
        if (req.id && (options.bootstrap_contents || options.label_query?.length)) throw new SimError(grpc.status.UNIMPLEMENTED, "bootstrap contents is not implemented for resource watch");
        // The empty message says the watch is established; events follow.
        call.write({ event: [] });
        const send = (event: { type: string; resource: StoredResource; old?: StoredResource }) => {
          if (event.type === "bootstrapped" && (req.api_version ?? 0) < 1) return;
          call.write({ event: [{ event_type: event.type.toUpperCase(), resource: this.toWire(event.resource), ...(event.old ? { old: this.toWire(event.old) } : {}) }] });
        };
        const off = req.id ? state.watch(req.namespace, req.type, req.id, send) : state.watchKind(req.namespace, req.type, queryOf(options), Boolean(options.bootstrap_contents), send);
        const cancel = () => {
          off();
          this.cancels.delete(cancel);
          call.end();
        };
        this.cancels.add(cancel);
        call.on("cancelled", () => (off(), this.cancels.delete(cancel)));
        call.on("close", () => (off(), this.cancels.delete(cancel)));
      }),
    };
  }

  private requireType(type: string): OmniResourceDefinition | undefined {
    if (type === RD_TYPE) return undefined;
    const definition = this.definitions.get(type);
    if (!definition) throw new SimError(grpc.status.NOT_FOUND, `resource type ${JSON.stringify(type)} is not registered`);
    return definition;
  }

  private read(namespace: string, type: string, id: string): StoredResource {
    if (type === RD_TYPE) {
      const found = this.resourceDefinitions().find((r) => r.metadata.id === id);
      if (!found) throw new SimError(grpc.status.NOT_FOUND, `resource ${type}(${namespace}/${id}@undefined) doesn't exist`);
      return found;
    }
    this.requireType(type);
    return this.options.model.state.get(namespace, type, id);
  }

  private list(namespace: string, type: string, query: Query): StoredResource[] {
    if (type === RD_TYPE) return this.resourceDefinitions();
    this.requireType(type);
    return this.options.model.state.list(namespace, type, query);
  }

  /** meta/ResourceDefinitions: how omnictl resolves `get clusters` to Clusters.omni.sidero.dev. */
  private resourceDefinitions(): StoredResource[] {
    const epoch = new Date(0);
    return [...this.definitions.values()].map((d) => ({
      metadata: { namespace: "meta", type: RD_TYPE, id: d.type.toLowerCase(), version: 1, owner: "", phase: "running", created: epoch, updated: epoch, finalizers: [], labels: {}, annotations: {} },
      spec: definitionOf(d) as unknown as Spec,
    }));
  }

  private toWire(resource: StoredResource): WireResource {
    const md = resource.metadata;
    const metadata: WireMetadata = {
      namespace: md.namespace,
      type: md.type,
      id: md.id,
      version: md.version ? String(md.version) : "undefined",
      owner: md.owner,
      phase: md.phase,
      created: ts(md.created),
      updated: ts(md.updated),
      finalizers: md.finalizers,
      labels: toEntries(md.labels),
      annotations: toEntries(md.annotations),
    };
    // Tombstones (a watched resource that does not exist, the bootstrapped marker) carry an empty spec.
    if (md.version === 0) return { metadata, spec: { proto_spec: Buffer.alloc(0), yaml_spec: "" } };
    if (md.type === RD_TYPE) {
      const d = resource.spec as unknown as ReturnType<typeof definitionOf>;
      return { metadata, spec: { proto_spec: this.options.cosi.encodeResourceDefinitionSpec(d), yaml_spec: stringify({ ...d, type: d.resourceType }) } };
    }
    const message = this.definitions.get(md.type)?.specMessage;
    const { codec } = this.options;
    return { metadata, spec: message ? { proto_spec: codec.encode(message, resource.spec), yaml_spec: codec.yaml(message, resource.spec) } : { proto_spec: Buffer.alloc(0), yaml_spec: stringify(resource.spec) } };
  }

  private fromWire(wire: WireResource | undefined): StoredResource {
    if (!wire?.metadata) throw new SimError(grpc.status.INVALID_ARGUMENT, "resource is missing");
    const md = wire.metadata;
    const definition = this.requireType(md.type);
    const message = definition?.specMessage;
    if (!message) throw new SimError(grpc.status.INVALID_ARGUMENT, `resource type ${md.type} has no protobuf spec`);
    let spec: Spec;
    try {
      spec = this.options.codec.decode(message, wire.spec?.proto_spec ?? Buffer.alloc(0));
    } catch (error) {
      throw new SimError(grpc.status.INVALID_ARGUMENT, `failed to unmarshal ${md.type} spec: ${(error as Error).message}`);
    }
    return {
      metadata: {
        namespace: md.namespace,
        type: md.type,
        id: md.id,
        version: /^\d+$/.test(md.version) ? Number(md.version) : 0,
        owner: md.owner,
        phase: md.phase === "tearingDown" ? "tearingDown" : "running",
        created: fromTs(md.created),
        updated: fromTs(md.updated),
        finalizers: [...(md.finalizers ?? [])],
        labels: fromEntries(md.labels),
        annotations: fromEntries(md.annotations),
      },
      spec,
    };
  }

  // ----- ManagementService ------------------------------------------------------------------------

  private managementHandlers(service: grpc.ServiceDefinition): grpc.UntypedServiceImplementation {
    const M = "/management.ManagementService/";
    const handlers: grpc.UntypedServiceImplementation = {
      Kubeconfig: this.unary(`${M}Kubeconfig`, (req) => (req.service_account ? "Operator" : "Reader"), (req, call) => this.kubeconfig(req, this.clusterOf(call))),
      Talosconfig: this.unary(`${M}Talosconfig`, (req) => (req.break_glass ? "Admin" : "Reader"), (req, call, account) => this.talosconfig(req, call.metadata.get("context")[0]?.toString(), account)),
      Omniconfig: this.unary(`${M}Omniconfig`, () => "Reader", (_req, _call, account) => ({ omniconfig: Buffer.from(this.omniconfig(account.identity)) })),
    };
    // Everything else omnictl could call is authenticated, then answers like an Omni without that feature.
    const unimplemented = (name: string) => () => {
      throw new SimError(grpc.status.UNIMPLEMENTED, `method ${name} is not implemented by the simulated Omni`);
    };
    for (const [name, method] of Object.entries(service)) {
      if (handlers[name]) continue;
      // (ManagementService has no client-streaming methods.)
      handlers[name] = method.responseStream ? this.stream(`${M}${name}`, unimplemented(name)) : this.unary(`${M}${name}`, () => "Reader", unimplemented(name));
    }
    return handlers;
  }

  private clusterOf(call: grpc.ServerUnaryCall<any, any>): string {
    const cluster = call.metadata.get("context")[0]?.toString();
    if (!cluster) throw new SimError(grpc.status.INVALID_ARGUMENT, "cluster context is required");
    if (!this.options.model.state.find("default", T.cluster, cluster)) throw new SimError(grpc.status.NOT_FOUND, `cluster "${cluster}" not found`);
    return cluster;
  }

  private kubeconfig(req: { service_account: boolean; service_account_user: string; service_account_groups: string[]; break_glass: boolean }, cluster: string) {
    if (req.break_glass && !this.options.model.scenario.omni.breakGlass) throw new SimError(grpc.status.PERMISSION_DENIED, "break-glass access is not enabled on this Omni instance");
    if (!req.service_account) throw new SimError(grpc.status.FAILED_PRECONDITION, "OIDC kubeconfigs need a browser login; the simulated Omni issues service-account kubeconfigs only");
    if (!req.service_account_user) throw new SimError(grpc.status.INVALID_ARGUMENT, "service account user is required");
    const instance = this.options.model.scenario.omni.instanceName;
    const name = `${instance}-${cluster}`;
    const user = `${name}-${req.service_account_user}`;
    const kubeconfig = stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name, cluster: { server: `${this.url}/k8s/${cluster}` } }],
      contexts: [{ name, context: { cluster: name, namespace: "default", user } }],
      "current-context": name,
      users: [{ name: user, user: { token: randomBytes(32).toString("base64url") } }],
    });
    return { kubeconfig: Buffer.from(kubeconfig) };
  }

  private talosconfig(req: { break_glass: boolean; raw: boolean }, cluster: string | undefined, account: OmniAccount) {
    if (req.break_glass && !this.options.model.scenario.omni.breakGlass) throw new SimError(grpc.status.PERMISSION_DENIED, "break-glass access is not enabled on this Omni instance");
    if (cluster && !this.options.model.state.find("default", T.cluster, cluster)) throw new SimError(grpc.status.NOT_FOUND, `cluster "${cluster}" not found`);
    return { talosconfig: Buffer.from(this.talosconfigFor(account.identity, cluster)) };
  }

  /** The talosconfig Omni hands out: Talos API access through this endpoint, SideroV1 auth. */
  talosconfigFor(identity: string, cluster?: string): string {
    const instance = this.options.model.scenario.omni.instanceName;
    const context = cluster ? `${instance}-${cluster}` : instance;
    return stringify({ context, contexts: { [context]: { endpoints: [this.url], ...(cluster ? { cluster } : {}), auth: { siderov1: { identity } } } } });
  }

  omniconfig(identity: string): string {
    const instance = this.options.model.scenario.omni.instanceName;
    return stringify({ context: instance, contexts: { [instance]: { url: this.url, auth: { siderov1: { identity } } } } });
  }
}

function queryOf(options: { label_query?: { terms?: { key: string; op: LabelOp; value: string[]; invert: boolean }[] }[]; id_query?: { regexp?: string } | null } | undefined): Query {
  const labelQueries: LabelTerm[][] = (options?.label_query ?? []).map((q) => (q.terms ?? []).map((t) => ({ key: t.key, op: t.op, value: t.value ?? [], invert: t.invert })));
  return { labelQueries, ...(options?.id_query?.regexp ? { idRegexp: options.id_query.regexp } : {}) };
}

/** What a call was about, for the event log (never specs: patches may hold secrets). */
function describe(request: any): Record<string, unknown> | undefined {
  const md = request?.resource?.metadata ?? request?.new_resource?.metadata;
  if (md) return { type: md.type, id: md.id };
  if (request?.type) return { type: request.type, ...(request.id ? { id: request.id } : {}) };
  return undefined;
}
