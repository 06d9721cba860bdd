// A small Kubernetes API client over undici: JSON requests, patches and watches, authenticated by a
// client certificate or a bearer token and verified against the cluster's CA. The simulator uses
// it — its kubelets and controllers, which play the parts of a Talos node's kubelet and the
// cluster's controllers against a real kube-apiserver, and the apiserver harness — and so do the
// tests. The server's own state backend uses the official client (src/state/kube-objects.ts).
import { Agent, request } from "undici";
import { KubeApiError, kubeApiError } from "./api-error.js";
import { credentialsFromKubeconfig, type KubeCredentials } from "./kubeconfig.js";

export { KubeApiError } from "./api-error.js";

export type { KubeCredentials } from "./kubeconfig.js";

export type PatchType = "merge" | "strategic" | "json";
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
};

export interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

/** The smallest shape every Kubernetes object has. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface KubeList<T> {
  metadata: { resourceVersion: string };
  items: T[];
}

type Query = Record<string, string | number | boolean | undefined>;

export interface KubeClientOptions {
  /** Gives up on a request (not a watch) that has not answered after this long, ms (default: undici's). */
  timeoutMs?: number;
}

export class KubeClient {
  private readonly agent: Agent;

  constructor(
    readonly credentials: KubeCredentials,
    private readonly options: KubeClientOptions = {},
  ) {
    this.agent = new Agent({
      connect: { ca: credentials.caPem, cert: credentials.certPem, key: credentials.keyPem, ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}) },
      keepAliveTimeout: 10_000,
    });
  }

  static fromKubeconfig(text: string, source?: string): KubeClient {
    return new KubeClient(credentialsFromKubeconfig(text, source));
  }

  private url(path: string, query: Query = {}): string {
    const url = new URL(path, this.credentials.server);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    return url.toString();
  }

  private headers(contentType?: string): Record<string, string> {
    const { token } = this.credentials;
    return {
      accept: "application/json",
      ...(contentType ? { "content-type": contentType } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    };
  }

  /** Any request; answers the status and the body as text (for /readyz, /version and the like). */
  async raw(method: string, path: string, options: { body?: unknown; contentType?: string; query?: Query; signal?: AbortSignal } = {}): Promise<{ status: number; text: string }> {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const response = await request(this.url(path, options.query), {
      method: method as "GET",
      dispatcher: this.agent,
      headers: this.headers(body === undefined ? undefined : (options.contentType ?? "application/json")),
      body,
      signal: options.signal,
      ...(this.options.timeoutMs ? { headersTimeout: this.options.timeoutMs, bodyTimeout: this.options.timeoutMs } : {}),
    });
    return { status: response.statusCode, text: await response.body.text() };
  }

  /** A JSON request; a non-2xx answer throws KubeApiError with the API's own message. */
  async request<T>(method: string, path: string, options: { body?: unknown; contentType?: string; query?: Query } = {}): Promise<T> {
    const { status, text } = await this.raw(method, path, options);
    if (status < 200 || status > 299) throw kubeApiError(status, `${method} ${path}`, text);
    return JSON.parse(text) as T;
  }

  get<T = KubeObject>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", path, { query });
  }

  list<T = KubeObject>(path: string, query?: Query): Promise<KubeList<T>> {
    return this.request<KubeList<T>>("GET", path, { query });
  }

  create<T = KubeObject>(path: string, object: unknown): Promise<T> {
    return this.request<T>("POST", path, { body: object });
  }

  replace<T = KubeObject>(path: string, object: unknown): Promise<T> {
    return this.request<T>("PUT", path, { body: object });
  }

  patch<T = KubeObject>(path: string, patch: unknown, type: PatchType = "merge"): Promise<T> {
    return this.request<T>("PATCH", path, { body: patch, contentType: PATCH_CONTENT_TYPE[type] });
  }

  delete<T = KubeObject>(path: string, options?: { gracePeriodSeconds?: number }): Promise<T> {
    return this.request<T>("DELETE", path, { body: options ? { kind: "DeleteOptions", apiVersion: "v1", ...options } : undefined });
  }

  /**
   * Watches a collection from `resourceVersion` until `signal` aborts or the server ends the
   * watch (the caller lists again and resumes from the list's resourceVersion).
   */
  async *watch<T = KubeObject>(path: string, resourceVersion: string, signal: AbortSignal): AsyncGenerator<WatchEvent<T>> {
    const response = await request(this.url(path, { watch: 1, resourceVersion, allowWatchBookmarks: false }), { method: "GET", dispatcher: this.agent, headers: this.headers(), signal });
    if (response.statusCode !== 200) {
      const text = await response.body.text();
      throw new KubeApiError(response.statusCode, "", `watch ${path}: ${response.statusCode} ${text.trim()}`);
    }
    let pending = "";
    try {
      for await (const chunk of response.body) {
        pending += chunk.toString();
        let newline: number;
        while ((newline = pending.indexOf("\n")) >= 0) {
          const line = pending.slice(0, newline).trim();
          pending = pending.slice(newline + 1);
          if (line) yield JSON.parse(line) as WatchEvent<T>;
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
