// Image Factory over HTTP (undici, proxy settings from the environment): the official extensions
// of a Talos version and posting a schematic. The extension list of a released version does not
// change, so it is cached on disk under the state dir (one file per factory and version).
import { nodeCrypto } from "../lazy-crypto.js";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { EnvHttpProxyAgent } from "undici";
import { limitResponse, ResponseTooLarge } from "../net/limit-response.js";
import { writeFileAtomic } from "../fs/atomic.js";

export const DEFAULT_FACTORY_URL = "https://factory.talos.dev";

export interface FactoryExtension {
  name: string;
  ref?: string;
  digest?: string;
  author?: string;
  description?: string;
}

export interface FactoryClientOptions {
  baseUrl: string;
  /** Directory for the extension-list cache; no disk cache when unset. */
  cacheDir?: string;
  timeoutMs?: number;
  connectTimeoutMs?: number;
}

/** The factory answered something other than what the documented API promises. */
export class FactoryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "FactoryError";
  }
}

/** Far above a real extension list or schematic answer (tens of kilobytes). */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

export class FactoryClient {
  /** undici is loaded at the first request, not when the image-schematic tool is declared. */
  private dispatcher?: EnvHttpProxyAgent;
  private readonly memory = new Map<string, Promise<FactoryExtension[]>>();
  readonly baseUrl: string;

  constructor(private readonly options: FactoryClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
  }

  private async request(path: string, init: { method?: string; body?: string; signal?: AbortSignal } = {}): Promise<{ status: number; text: string }> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 20_000);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const { EnvHttpProxyAgent, fetch } = await import("undici");
    this.dispatcher ??= new EnvHttpProxyAgent({ connectTimeout: this.options.connectTimeoutMs ?? 5_000 });
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method: init.method ?? "GET",
        body: init.body,
        headers: init.body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/yaml" },
        signal,
        dispatcher: this.dispatcher,
      });
      return { status: response.status, text: await limitResponse(response as unknown as Response, MAX_ANSWER_BYTES, `Image Factory at ${this.baseUrl}`).text() };
    } catch (error) {
      const reason = timeout.aborted ? `no answer within ${this.options.timeoutMs ?? 20_000} ms` : (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      if (error instanceof ResponseTooLarge) throw new FactoryError(error.message);
      throw new FactoryError(`Image Factory at ${this.baseUrl} is unreachable: ${reason}`);
    }
  }

  private cacheFile(version: string): string | undefined {
    if (!this.options.cacheDir) return undefined;
    const factory = nodeCrypto().createHash("sha256").update(this.baseUrl).digest("hex").slice(0, 12);
    return join(this.options.cacheDir, `extensions-${factory}-${version.replace(/[^A-Za-z0-9.-]/g, "_")}.json`);
  }

  /** Official extensions for a Talos version (`GET /version/:v/extensions/official`). */
  officialExtensions(version: string, signal?: AbortSignal): Promise<FactoryExtension[]> {
    let pending = this.memory.get(version);
    if (!pending) {
      pending = this.loadExtensions(version, signal);
      pending.catch(() => this.memory.delete(version));
      this.memory.set(version, pending);
    }
    return pending;
  }

  private async loadExtensions(version: string, signal?: AbortSignal): Promise<FactoryExtension[]> {
    const file = this.cacheFile(version);
    if (file) {
      const cached = await readFile(file, "utf8").then((text) => parseExtensionList(text), () => undefined);
      if (cached) return cached;
    }
    const { status, text } = await this.request(`/version/${encodeURIComponent(version)}/extensions/official`, { signal });
    if (status === 404) throw new FactoryError(`Image Factory does not know Talos ${version}`, status);
    if (status !== 200) throw new FactoryError(`Image Factory answered HTTP ${status} for the extension list of ${version}`, status);
    const list = parseExtensionList(text);
    if (!list) throw new FactoryError(`Image Factory sent an extension list for ${version} that is not [{name, …}]`);
    if (file) await writeFileAtomic(file, JSON.stringify(list), 0o644);
    return list;
  }

  /** `POST /schematics`: returns the id the factory assigned. */
  async createSchematic(yaml: string, signal?: AbortSignal): Promise<string> {
    const { status, text } = await this.request("/schematics", { method: "POST", body: yaml, signal });
    if (status !== 201 && status !== 200) throw new FactoryError(`Image Factory refused the schematic (HTTP ${status}): ${text.trim().slice(0, 300)}`, status);
    let id: unknown;
    try {
      id = (JSON.parse(text) as { id?: unknown }).id;
    } catch {
      throw new FactoryError("Image Factory answered the schematic with something that is not JSON");
    }
    if (typeof id !== "string" || !/^[0-9a-f]{64}$/.test(id)) throw new FactoryError("Image Factory returned no schematic id");
    return id;
  }
}

function parseExtensionList(text: string): FactoryExtension[] | undefined {
  try {
    const list = JSON.parse(text) as unknown;
    if (!Array.isArray(list) || !list.every((e) => typeof e === "object" && e !== null && typeof (e as FactoryExtension).name === "string")) return undefined;
    return list as FactoryExtension[];
  } catch {
    return undefined;
  }
}

// One client per factory and cache dir, so the in-memory list is shared across calls and sessions.
const clients = new Map<string, FactoryClient>();
export function factoryClient(baseUrl: string, cacheDir?: string): FactoryClient {
  const key = `${baseUrl}\0${cacheDir ?? ""}`;
  let client = clients.get(key);
  if (!client) {
    client = new FactoryClient({ baseUrl, cacheDir });
    clients.set(key, client);
  }
  return client;
}
