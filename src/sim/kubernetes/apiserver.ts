// A real kube-apiserver with its etcd on loopback, for tests and for the simulated cluster's
// Kubernetes API (scripts/build-k8s builds the pinned binaries). Start: free ports, a temporary
// directory, a CA for the serving and client certificates (ECDSA P-256, like Talos's cluster CA),
// an RSA service-account key pair, a token-auth file, RBAC and Node authorization with the
// NodeRestriction admission plugin; it returns once /readyz answers. Stop: both processes end and
// the directory is removed. If the test or simulator process dies first, execa's cleanup kills them.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { requireKubernetesBinary } from "../../backends/kubernetes-binaries.js";
import { freePort, isAddressInUse } from "../loopback.js";
import { generateCa, issueClientCert, issueServerCert, type CertificateAuthority } from "../pki.js";
import { KubeClient } from "../../kubernetes/client.js";
import { renderKubeconfig, type KubeCredentials } from "../../kubernetes/kubeconfig.js";
import { SERVICE_CIDR } from "./manifests.js";

/** The API server's address on Talos's default service network (SERVICE_CIDR). */
const KUBERNETES_SERVICE_IP = "10.96.0.1";
const IN_CLUSTER_NAMES = ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"];
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 3_000;
const PORT_ATTEMPTS = 3;

export interface TokenUser {
  name: string;
  groups?: string[];
}

export interface ApiServerOptions {
  /** The address to serve on (default 127.0.0.1). */
  host?: string;
  /** The port to serve on (default: a free one, retried if someone takes it first). */
  port?: number;
  /** Signs the serving and client certificates (default: a new ECDSA P-256 CA). */
  ca?: CertificateAuthority;
  /** Users who authenticate with a bearer token; each gets a random one (see ApiServer.tokens). */
  tokenUsers?: TokenUser[];
  /** The cluster's name in kubeconfigs (default "kubernetes"). */
  clusterName?: string;
  /** Where the temporary directory is made (default: the system's temporary directory). */
  parentDir?: string;
}

export interface ApiServer {
  /** https://host:port */
  url: string;
  host: string;
  port: number;
  ca: CertificateAuthority;
  /** The admin's kubeconfig (client certificate CN=admin, O=system:masters), also in kubeconfigFile. */
  kubeconfig: string;
  kubeconfigFile: string;
  admin: KubeClient;
  /** The bearer token of each token user, by name. */
  tokens: Readonly<Record<string, string>>;
  /** Client-certificate credentials for `user` in `groups` (e.g. system:node:cp-1 in system:nodes). */
  credentialsFor(user: string, groups: string[]): Promise<KubeCredentials>;
  /** The temporary directory: certificates, etcd's data and both logs (etcd.log, kube-apiserver.log). */
  dir: string;
  /** Process ids of etcd and kube-apiserver. */
  pids: number[];
  stop(): Promise<void>;
}

/** A child process whose output goes to a log file; `exit` is set once it has ended. */
interface Child {
  name: string;
  log: string;
  process: PromiseLike<unknown> & { pid?: number; kill(signal: NodeJS.Signals): boolean };
  exit?: number | string;
}

function spawnLogged(name: string, binary: string, args: string[], dir: string): Child {
  const log = join(dir, `${name}.log`);
  const output = { file: log, append: true } as const;
  const process_ = execa(binary, args, {
    stdin: "ignore",
    stdout: output,
    stderr: output,
    reject: false,
    cleanup: true,
    forceKillAfterDelay: STOP_GRACE_MS,
    extendEnv: false,
    env: { PATH: process.env.PATH ?? "", HOME: dir },
  });
  const child: Child = { name, log, process: process_ };
  void process_.then((result) => (child.exit = result.exitCode ?? result.signal ?? "unknown"));
  return child;
}

async function logTail(child: Child, lines = 15): Promise<string> {
  const text = await readFile(child.log, "utf8").catch(() => "");
  return text.trim().split("\n").slice(-lines).join("\n");
}

async function stopChild(child: Child): Promise<void> {
  if (child.exit === undefined) child.process.kill("SIGTERM");
  await child.process;
}

function tokenFile(users: TokenUser[], tokens: Record<string, string>): string {
  // token,user,uid,"group1,group2" (the format of --token-auth-file)
  return users.map((user) => `${tokens[user.name]},${user.name},${user.name},"${(user.groups ?? []).join(",")}"`).join("\n") + "\n";
}

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const [apiServerBinary, etcdBinary] = await Promise.all([requireKubernetesBinary("kube-apiserver"), requireKubernetesBinary("etcd")]);
  const host = options.host ?? "127.0.0.1";
  const clusterName = options.clusterName ?? "kubernetes";
  const dir = await mkdtemp(join(options.parentDir ?? tmpdir(), "talos-mcp-kube-"));
  const children: Child[] = [];
  const stopAll = async () => {
    for (const child of children.splice(0).reverse()) await stopChild(child);
  };
  try {
    const ca = options.ca ?? (await generateCa("kubernetes", "ECDSA-P256"));
    const serving = await issueServerCert(ca, host, "kube-apiserver", { ips: [KUBERNETES_SERVICE_IP, "127.0.0.1"], dns: IN_CLUSTER_NAMES });
    const admin = await issueClientCert(ca, ["system:masters"], "admin");
    const serviceAccount = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
    const tokenUsers = options.tokenUsers ?? [];
    const tokens = Object.fromEntries(tokenUsers.map((user) => [user.name, randomBytes(24).toString("hex")]));
    const files = {
      ca: join(dir, "ca.crt"),
      cert: join(dir, "apiserver.crt"),
      key: join(dir, "apiserver.key"),
      saPub: join(dir, "sa.pub"),
      saKey: join(dir, "sa.key"),
      tokens: join(dir, "tokens.csv"),
      kubeconfig: join(dir, "admin.kubeconfig"),
    };
    const contents: [string, string][] = [
      [files.ca, ca.certPem],
      [files.cert, serving.certPem],
      [files.key, serving.keyPem],
      [files.saPub, serviceAccount.publicKey],
      [files.saKey, serviceAccount.privateKey],
      [files.tokens, tokenFile(tokenUsers, tokens)],
    ];
    for (const [file, text] of contents) await writeFile(file, text, { mode: 0o600 });

    for (let attempt = 1; ; attempt++) {
      const [etcdPort, peerPort, port] = await Promise.all([freePort("127.0.0.1"), freePort("127.0.0.1"), options.port ?? freePort(host)]);
      const url = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
      const etcdUrl = `http://127.0.0.1:${etcdPort}`;
      const peerUrl = `http://127.0.0.1:${peerPort}`;
      const etcdData = join(dir, `etcd-${attempt}`);
      await mkdir(etcdData, { mode: 0o700 });
      children.push(
        spawnLogged("etcd", etcdBinary, [
          "--name=sim",
          `--data-dir=${etcdData}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=sim=${peerUrl}`,
          // A throwaway store: skipping fsync keeps a busy test machine fast.
          "--unsafe-no-fsync",
          "--log-level=warn",
        ], dir),
      );
      children.push(
        spawnLogged("kube-apiserver", apiServerBinary, [
          `--etcd-servers=${etcdUrl}`,
          `--bind-address=${host}`,
          `--advertise-address=${host}`,
          `--secure-port=${port}`,
          `--tls-cert-file=${files.cert}`,
          `--tls-private-key-file=${files.key}`,
          `--client-ca-file=${files.ca}`,
          `--token-auth-file=${files.tokens}`,
          "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
          `--service-account-key-file=${files.saPub}`,
          `--service-account-signing-key-file=${files.saKey}`,
          `--service-cluster-ip-range=${SERVICE_CIDR}`,
          "--authorization-mode=RBAC,Node",
          "--enable-admission-plugins=NodeRestriction",
          // Talos runs privileged system pods (kube-proxy); so does the simulated cluster.
          "--allow-privileged=true",
          "--profiling=false",
        ], dir),
      );
      const credentials: KubeCredentials = { server: url, caPem: ca.certPem, certPem: admin.certPem, keyPem: admin.keyPem };
      const client = new KubeClient(credentials);
      try {
        await waitReady(client, children, READY_TIMEOUT_MS);
      } catch (error) {
        await client.close();
        await stopAll();
        // Someone took a port between choosing and binding it: choose again.
        if (isAddressInUse(error) && attempt < PORT_ATTEMPTS && options.port === undefined) continue;
        throw error;
      }
      const kubeconfig = renderKubeconfig(credentials, { cluster: clusterName });
      await writeFile(files.kubeconfig, kubeconfig, { mode: 0o600 });
      return {
        url,
        host,
        port,
        ca,
        kubeconfig,
        kubeconfigFile: files.kubeconfig,
        admin: client,
        tokens,
        dir,
        pids: children.map((child) => child.process.pid ?? -1),
        async credentialsFor(user, groups) {
          const cert = await issueClientCert(ca, groups, user);
          return { server: url, caPem: ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem };
        },
        async stop() {
          await client.close();
          await stopAll();
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (error) {
    await stopAll();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Polls /readyz until it answers 200; fails with the log of a process that ended, or on timeout. */
async function waitReady(client: KubeClient, children: Child[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    const ended = children.find((child) => child.exit !== undefined);
    if (ended) throw new Error(`${ended.name} exited (${ended.exit}) before the API server was ready:\n${await logTail(ended)}`);
    try {
      const answer = await client.raw("GET", "/readyz");
      if (answer.status === 200) return;
      last = `${answer.status}: ${answer.text.trim().split("\n").filter((line) => line.includes("failed")).join("; ") || answer.text.trim()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) {
      const tails = await Promise.all(children.map(async (child) => `--- ${child.name}:\n${await logTail(child)}`));
      throw new Error(`kube-apiserver was not ready after ${Math.round(timeoutMs / 1000)} s (last /readyz: ${last})\n${tails.join("\n")}`);
    }
    await sleep(250);
  }
}
