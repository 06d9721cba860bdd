// gRPC clients of a simulated node's API with the credentials of a sim talosconfig (tests only):
// the COSI State API, for checks that would take hundreds of talosctl runs (every type on every
// node), and single MachineService calls talosctl never makes.
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

/** TLS credentials of the talosconfig's current context. */
function credentialsOf(talosconfig: string): grpc.ChannelCredentials {
  const config = parseYaml(readFileSync(talosconfig, "utf8")) as { context: string; contexts: Record<string, { ca: string; crt: string; key: string }> };
  const context = config.contexts[config.context]!;
  const b = (text: string) => Buffer.from(text, "base64");
  return grpc.credentials.createSsl(b(context.ca), b(context.key), b(context.crt), { checkServerIdentity: () => undefined });
}

/**
 * One MachineService call to `endpoint`, for requests talosctl never sends: a unary call's answer,
 * or a streaming call's messages.
 */
export function machineCall(talosconfig: string, endpoint: string, method: string, request: Record<string, unknown>): Promise<unknown> {
  const Machine = (loadTalosApi().machine as any).MachineService as grpc.ServiceClientConstructor;
  const client = new Machine(`${endpoint}:${TALOS_API_PORT}`, credentialsOf(talosconfig)) as any;
  const answer = new Promise((resolve, reject) => {
    if (!client[method].responseStream) return client[method](request, (error: Error | null, reply: unknown) => (error ? reject(error) : resolve(reply)));
    const messages: unknown[] = [];
    client[method](request).on("data", (message: unknown) => messages.push(message)).on("error", reject).on("end", () => resolve(messages));
  });
  return answer.finally(() => client.close());
}

export function cosiClient(talosconfig: string, endpoint: string): CosiClient {
  const State = (loadTalosApi().cosi as any).resource.State as grpc.ServiceClientConstructor;
  const client = new State(`${endpoint}:${TALOS_API_PORT}`, credentialsOf(talosconfig)) as any;
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
