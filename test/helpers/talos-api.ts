// A gRPC client of a simulated node's COSI State API with the credentials of a sim talosconfig
// (tests only): for checks that would take hundreds of talosctl runs, e.g. every type on every node.
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { parse as parseYaml } from "yaml";
import { loadTalosApi } from "../../src/sim/protos.js";
import { TALOS_API_PORT } from "../../src/sim/server.js";

export interface CosiResource {
  metadata: { namespace: string; type: string; id: string };
  spec: { yaml_spec: string; proto_spec: Buffer };
}

export interface CosiClient {
  /** Lists `type` in `namespace` on `node` (apid routes by the `nodes` metadata, as talosctl sends it). */
  list(node: string, namespace: string, type: string): Promise<CosiResource[]>;
  close(): void;
}

export function cosiClient(talosconfig: string, endpoint: string): CosiClient {
  const config = parseYaml(readFileSync(talosconfig, "utf8")) as { context: string; contexts: Record<string, { ca: string; crt: string; key: string }> };
  const context = config.contexts[config.context]!;
  const b = (text: string) => Buffer.from(text, "base64");
  const credentials = grpc.credentials.createSsl(b(context.ca), b(context.key), b(context.crt), { checkServerIdentity: () => undefined });
  const State = (loadTalosApi().cosi as any).resource.State as grpc.ServiceClientConstructor;
  const client = new State(`${endpoint}:${TALOS_API_PORT}`, credentials) as any;
  return {
    list: (node, namespace, type) =>
      new Promise((resolve, reject) => {
        const metadata = new grpc.Metadata();
        metadata.set("nodes", node);
        const items: CosiResource[] = [];
        const stream = client.List({ namespace, type, options: {} }, metadata);
        stream.on("data", (message: { resource: CosiResource }) => items.push(message.resource));
        stream.on("error", reject);
        stream.on("end", () => resolve(items));
      }),
    close: () => client.close(),
  };
}
