// The simulated Omni: one API endpoint on loopback that the unmodified omnictl drives with a
// service-account key the simulation generates. `talos-mcp sim up --scenario omni-fresh` runs it
// standalone; `talos-mcp serve --sim omni-running` runs it in-process.
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { PINNED } from "../../backends/versions.js";
import { EventLog, type SimEvent } from "../events.js";
import { generateCa, issueServerCert } from "../pki.js";
import { loadCosiApi, loadTalosApi, protoRoot } from "../protos.js";
import { untilNoPending, type SimHandle } from "../index.js";
import { OmniCodec } from "./codec.js";
import { loadOmniDefinitions } from "./definitions.js";
import { OmniModel, T } from "./model.js";
import type { OmniScenario } from "./scenario.js";
import { OmniApiServer, type OmniAccount } from "./server.js";
import { createServiceAccount } from "./service-account.js";
import { OmniTalosProxy } from "./talos.js";

export interface OmniSimInfo {
  url: string;
  /** omniconfig whose context points at the simulated Omni. */
  omniconfig: string;
  /** File holding the admin service-account key (base64 JSON, as `omnictl serviceaccount create` prints). */
  serviceAccountKeyFile: string;
  /** The same for a Reader account, to evaluate read-only agents. */
  readerServiceAccountKeyFile: string;
  /** PEM of the CA that signed the Omni endpoint's certificate. */
  caFile: string;
  /** Environment for omnictl (and talosctl through Omni): OMNI_ENDPOINT, OMNI_SERVICE_ACCOUNT_KEY, SSL_CERT_FILE. */
  env: Record<string, string>;
  machines: { id: string; name: string; talosVersion: string; labels: Record<string, string>; cluster?: string }[];
  clusters: string[];
  /** Machines that start coming up from now on wait for the returned release (see OmniModel.holdReadiness). */
  holdReadiness(): () => void;
}

type OmniApi = { omniApiDir: string; codec: OmniCodec; cosi: ReturnType<typeof loadCosiApi>; definitions: ReturnType<typeof loadOmniDefinitions> };
/** Parsed once per process and directory, like the Talos API: it is the same for every simulated Omni. */
const loadedOmniApis = new Map<string, OmniApi>();

/** Loads the pinned Omni API (specs, COSI state, resource definitions) from the linked module sources. */
function loadOmniApi(dir = protoRoot()): OmniApi {
  let api = loadedOmniApis.get(dir);
  if (!api) {
    const omniApiDir = join(dir, `omni-client-${PINNED.omnictl}`);
    api = {
      omniApiDir,
      codec: new OmniCodec(omniApiDir),
      cosi: loadCosiApi(join(dir, `cosi-runtime-for-omni-${PINNED.omnictl}`)),
      definitions: loadOmniDefinitions(join(dir, `omni-resources-${PINNED.omnictl}`)),
    };
    loadedOmniApis.set(dir, api);
  }
  return api;
}

export async function startOmniSimulation(options: { scenario: OmniScenario; dir: string }): Promise<SimHandle & { omni: OmniSimInfo }> {
  const { scenario } = options;
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const eventsFile = join(dir, "events.jsonl");
  await writeFile(eventsFile, "", { mode: 0o600 });
  const log = new EventLog(eventsFile);
  const api = loadOmniApi();
  const model = new OmniModel(scenario);
  const accounts: OmniAccount[] = [
    { ...(await createServiceAccount("talos-mcp-sim")), role: "Admin" },
    { ...(await createServiceAccount("talos-mcp-sim-reader")), role: "Reader" },
  ];
  const talosApi = loadTalosApi();
  const talosProxy = new OmniTalosProxy(model, talosApi, log);
  const server = new OmniApiServer({ model, log, accounts, ...api, talos: { api: talosApi, proxy: talosProxy } });
  // Omni is served over TLS; clients trust this run's CA through SSL_CERT_FILE.
  const ca = await generateCa("omni-sim");
  const url = await server.start(await issueServerCert(ca, "127.0.0.1", "localhost"));

  const write = (name: string, text: string) => writeFile(join(dir, name), text, { mode: 0o600 }).then(() => join(dir, name));
  const caFile = await write("omni-ca.pem", ca.certPem);
  const serviceAccountKeyFile = await write("omni-service-account.key", `${accounts[0]!.encodedKey}\n`);
  const readerServiceAccountKeyFile = await write("omni-service-account-reader.key", `${accounts[1]!.encodedKey}\n`);
  const omniconfig = await write("omniconfig", server.omniconfig(accounts[0]!.identity));
  // What `omnictl talosconfig` gives for the scenario's first cluster (the instance's without one).
  const talosconfig = await write("talosconfig", server.talosconfigFor(accounts[0]!.identity, scenario.omni.clusters[0]?.name));
  log.record({ node: "-", kind: "state-change", detail: { started: scenario.name, omni: url } });

  const machines = () =>
    model.machines.map((m) => {
      const cluster = model.state.find("default", T.machineStatus, m.id)?.spec.cluster as string | undefined;
      return { id: m.id, name: m.name, talosVersion: m.talosVersion, labels: m.labels, ...(cluster ? { cluster } : {}) };
    });
  return {
    talosconfig,
    endpoints: [url],
    // Omni machines are addressed by UUID; their role follows the cluster they are in.
    nodes: model.machines.map((m) => ({ name: m.name, address: m.id, role: scenario.omni.clusters.some((c) => c.controlPlanes.includes(m.name)) ? "controlplane" : "worker" })),
    scenario: scenario.name,
    eventsFile,
    events: (): SimEvent[] => [...log.events],
    onEvent: (listener) => log.onRecord(listener),
    state: () => ({ nodes: [], clusters: model.describe() }),
    settled: (timeoutMs) => untilNoPending(() => model.pendingTransitions, timeoutMs),
    omni: {
      url,
      omniconfig,
      serviceAccountKeyFile,
      readerServiceAccountKeyFile,
      caFile,
      env: { OMNI_ENDPOINT: url, OMNI_SERVICE_ACCOUNT_KEY: accounts[0]!.encodedKey, SSL_CERT_FILE: caFile },
      get machines() {
        return machines();
      },
      get clusters() {
        return model.state.list("default", T.cluster).map((c) => c.metadata.id);
      },
      holdReadiness: () => model.holdReadiness(),
    },
    async stop() {
      model.stop();
      await server.stop();
      await talosProxy.stop();
    },
  };
}
