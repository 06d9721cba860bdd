// A real kube-apiserver (with its etcd) for a test file: started before its tests, stopped after.
// Needs the binaries from scripts/build-k8s (npm test's pretest builds them).
import { afterAll, beforeAll } from "vitest";
import { KubeApiError } from "../../src/kubernetes/client.js";
import { startApiServer, type ApiServer, type ApiServerOptions } from "../../src/sim/kubernetes/apiserver.js";

/** Starts the API server in beforeAll and stops it in afterAll; call the returned function in tests. */
export function useApiServer(options: ApiServerOptions = {}): () => ApiServer {
  let server: ApiServer | undefined;
  beforeAll(async () => {
    server = await startApiServer(options);
  }, 180_000);
  afterAll(async () => server?.stop());
  return () => {
    if (!server) throw new Error("the API server did not start (see the beforeAll error)");
    return server;
  };
}

/** The HTTP status a request to the API ended with (200 for any success). */
export async function statusOf(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (error) {
    if (error instanceof KubeApiError) return error.status;
    throw error;
  }
}
