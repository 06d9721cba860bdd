// Image Factory over HTTP (undici): the official extensions of a Talos version (cached), and
// posting a schematic. Self-hosted factories are configured with --factory-url.
import { EnvHttpProxyAgent, fetch } from "undici";

export interface FactoryExtension {
  name: string;
  ref?: string;
  digest?: string;
  description?: string;
}

export class FactoryClient {
  private readonly dispatcher = new EnvHttpProxyAgent({ connectTimeout: 5_000 });
  private readonly extensions = new Map<string, Promise<FactoryExtension[]>>();

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 20_000,
  ) {}

  private async request(path: string, init: { method?: string; body?: string; contentType?: string } = {}): Promise<{ status: number; text: string }> {
    const response = await fetch(`${this.baseUrl.replace(/\/$/, "")}${path}`, {
      method: init.method ?? "GET",
      body: init.body,
      headers: init.contentType ? { "content-type": init.contentType } : undefined,
      signal: AbortSignal.timeout(this.timeoutMs),
      dispatcher: this.dispatcher,
    });
    return { status: response.status, text: await response.text() };
  }

  officialExtensions(version: string): Promise<FactoryExtension[]> {
    let cached = this.extensions.get(version);
    if (!cached) {
      cached = this.request(`/version/${encodeURIComponent(version)}/extensions/official`).then(({ status, text }) => {
        if (status === 404) throw new Error(`Image Factory does not know Talos ${version}`);
        if (status !== 200) throw new Error(`Image Factory answered HTTP ${status} for the extension list`);
        return JSON.parse(text) as FactoryExtension[];
      });
      cached.catch(() => this.extensions.delete(version));
      this.extensions.set(version, cached);
    }
    return cached;
  }

  async createSchematic(yaml: string): Promise<string> {
    const { status, text } = await this.request("/schematics", { method: "POST", body: yaml, contentType: "application/yaml" });
    if (status !== 201 && status !== 200) throw new Error(`Image Factory refused the schematic (HTTP ${status}): ${text.slice(0, 300)}`);
    const id = (JSON.parse(text) as { id?: string }).id;
    if (!id || !/^[0-9a-f]{64}$/.test(id)) throw new Error("Image Factory returned no schematic id");
    return id;
  }
}

const clients = new Map<string, FactoryClient>();
export function factoryClient(baseUrl: string): FactoryClient {
  let client = clients.get(baseUrl);
  if (!client) {
    client = new FactoryClient(baseUrl);
    clients.set(baseUrl, client);
  }
  return client;
}
