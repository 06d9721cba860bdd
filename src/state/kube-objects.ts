// The Kubernetes objects behind the kubernetes state backend and the tokens mirror — Leases,
// ConfigMaps and Secrets in one namespace — through the official client, @kubernetes/client-node.
// Its 1.x line: the 2.x line needs Node >= 22.19 (undici 8), above this server's engines (>= 20.19).
// What this module adds to the client, each for a reason:
//   - every request gives up after a timeout: an API that stopped answering must fail a change
//     (StateUnavailable), not hang it;
//   - a failure answer becomes a KubeApiError (status, reason, the API's message), the one error
//     type the backend decides on (404 absent, 409 someone else wrote first);
//   - a pod's service-account token is re-read as the kubelet rotates it (the client's own
//     token-file provider caches one token per process for a minute, whichever file it came from);
//   - a kubeconfig or pod mount that cannot be used is refused at start with what to fix.
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  ServerConfiguration,
  createConfiguration,
  type RequestContext,
  type ResponseContext,
  type V1ConfigMap,
  type V1Lease,
  type V1Secret,
} from "@kubernetes/client-node";
import { kubeApiError, KubeApiError } from "../kubernetes/api-error.js";
import { inClusterCredentials, rotatingTokenFile, SERVICE_ACCOUNT_DIR } from "../kubernetes/kubeconfig.js";

/** Read, create and replace of one kind in the namespace; a read of an absent object answers undefined. */
export interface NamespacedObjects<T> {
  read(name: string): Promise<T | undefined>;
  create(object: T): Promise<T>;
  /** Replaces the object named in its metadata, checked against the resourceVersion it carries. */
  replace(object: T): Promise<T>;
}

export interface StateObjects {
  /** The API server's URL, for messages. */
  readonly server: string;
  readonly namespace: string;
  readonly leases: NamespacedObjects<V1Lease>;
  readonly configMaps: NamespacedObjects<V1ConfigMap>;
  /** Create-once: a plan, decision or use Secret is never replaced (the first writer wins). */
  readonly secrets: Omit<NamespacedObjects<V1Secret>, "replace"> & {
    list(labelSelector: string): Promise<V1Secret[]>;
    /** Deletes it; an object that is already gone is not an error. */
    delete(name: string): Promise<void>;
  };
  /** Refuses every later request (a closed backend must not act on the API). */
  close(): void;
}

export interface StateObjectsOptions {
  /** A request that has not answered after this long fails, ms. */
  timeoutMs: number;
  /** The pod's service-account token file, re-read as it rotates (in-cluster). */
  tokenFile?: string;
}

/** The state objects in `namespace` of the cluster `config`'s current context points at. */
export function stateObjects(config: KubeConfig, namespace: string, options: StateObjectsOptions): StateObjects {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error(`no cluster for the current context '${config.getCurrentContext()}'`);
  const token = options.tokenFile ? rotatingTokenFile(options.tokenFile) : undefined;
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: config },
    promiseMiddleware: [
      {
        pre: async (context: RequestContext) => {
          if (token) context.setHeaderParam("Authorization", `Bearer ${token()}`);
          context.setSignal(AbortSignal.timeout(options.timeoutMs));
          return context;
        },
        post: async (response: ResponseContext) => response,
      },
    ],
  });
  const coordination = new CoordinationV1Api(configuration);
  const core = new CoreV1Api(configuration);
  let closed = false;

  const call = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    if (closed) throw new Error(`${what}: the state backend's API client is closed`);
    try {
      return await request();
    } catch (error) {
      // The generated client throws 401 without the body.
      if (error instanceof ApiException) throw kubeApiError(error.code, what, error.body ?? (error.code === 401 ? "Unauthorized" : ""));
      if ((error as Error)?.name === "AbortError") throw new Error(`${what}: no answer from ${cluster.server} within ${options.timeoutMs / 1000} s`);
      throw error;
    }
  };
  const absentAsUndefined = async <T>(read: Promise<T>): Promise<T | undefined> => {
    try {
      return await read;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  };
  const nameOf = (object: { metadata?: { name?: string } }) => object.metadata?.name ?? "";

  return {
    server: cluster.server,
    namespace,
    leases: {
      read: (name) => absentAsUndefined(call(`get lease ${name}`, () => coordination.readNamespacedLease({ name, namespace }))),
      create: (body) => call(`create lease ${nameOf(body)}`, () => coordination.createNamespacedLease({ namespace, body })),
      replace: (body) => call(`update lease ${nameOf(body)}`, () => coordination.replaceNamespacedLease({ name: nameOf(body), namespace, body })),
    },
    configMaps: {
      read: (name) => absentAsUndefined(call(`get configmap ${name}`, () => core.readNamespacedConfigMap({ name, namespace }))),
      create: (body) => call(`create configmap ${nameOf(body)}`, () => core.createNamespacedConfigMap({ namespace, body })),
      replace: (body) => call(`update configmap ${nameOf(body)}`, () => core.replaceNamespacedConfigMap({ name: nameOf(body), namespace, body })),
    },
    secrets: {
      read: (name) => absentAsUndefined(call(`get secret ${name}`, () => core.readNamespacedSecret({ name, namespace }))),
      create: (body) => call(`create secret ${nameOf(body)}`, () => core.createNamespacedSecret({ namespace, body })),
      list: async (labelSelector) => (await call(`list secrets -l ${labelSelector}`, () => core.listNamespacedSecret({ namespace, labelSelector }))).items,
      delete: async (name) => {
        await absentAsUndefined(call(`delete secret ${name}`, () => core.deleteNamespacedSecret({ name, namespace })));
      },
    },
    close: () => void (closed = true),
  };
}

/** Where the state objects live: a kubeconfig file, else the pod this process runs in. */
export interface StateObjectsSource {
  kubeconfig?: string;
  /** The namespace; default: the kubeconfig context's (else "default"), or the pod's. */
  namespace?: string;
  env: NodeJS.ProcessEnv;
  /** The pod's service-account mount (tests point it elsewhere). */
  serviceAccountDir?: string;
  timeoutMs: number;
}

export function openStateObjects(source: StateObjectsSource): StateObjects {
  const config = new KubeConfig();
  if (source.kubeconfig) {
    try {
      config.loadFromFile(source.kubeconfig);
      const namespace = source.namespace ?? config.getContextObject(config.getCurrentContext())?.namespace ?? "default";
      return stateObjects(config, namespace, { timeoutMs: source.timeoutMs });
    } catch (error) {
      throw new Error(`state.kubeconfig ${source.kubeconfig}: ${(error as Error).message}; give a kubeconfig with a current-context (kubectl config view --raw --minify)`);
    }
  }
  const pod = inClusterCredentials(source.env, source.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  config.loadFromClusterAndUser({ name: "in-cluster", server: pod.server, caData: Buffer.from(pod.caPem).toString("base64"), skipTLSVerify: false }, { name: "service-account" });
  return stateObjects(config, source.namespace ?? pod.namespace, { timeoutMs: source.timeoutMs, tokenFile: pod.tokenFile });
}
