// Bearer tokens from a Secret, for replicas: each replica copies the Secret's `tokens.yaml` into a
// file in its state directory, checked every 2 s, and the HTTP transport's TokenFile re-reads that
// file when it changes — so a revoked token is refused, and its sessions closed, by every replica
// within seconds (a mounted Secret takes the kubelet's sync period, about a minute). The Secret is
// read with the state backend's credentials (the chart's Role: get on secrets in its namespace).
import { writeFileAtomic } from "../fs/atomic.js";
import type { StateObjects } from "./kube-objects.js";
import { parseTokensFile } from "../transports/tokens.js";

export const TOKENS_SECRET_KEY = "tokens.yaml";
const CHECK_EVERY_MS = 2_000;

export interface TokensMirror {
  /** The file the HTTP transport reads. */
  file: string;
  stop(): void;
}

async function readTokensSecret(objects: StateObjects, name: string): Promise<string> {
  const { namespace } = objects;
  const secret = await objects.secrets.read(name);
  if (!secret) throw new Error(`the tokens Secret ${namespace}/${name} does not exist: create it with key ${TOKENS_SECRET_KEY}`);
  const data = secret.data?.[TOKENS_SECRET_KEY];
  if (data === undefined) throw new Error(`the tokens Secret ${namespace}/${name} has no key ${TOKENS_SECRET_KEY}`);
  return Buffer.from(data, "base64").toString("utf8");
}

/**
 * Copies the Secret now (a missing or invalid Secret fails start-up), then keeps the copy current.
 * While the API cannot be reached the last copy stays in force (changes are refused anyway).
 */
export async function mirrorTokensSecret(options: {
  /** The state backend's objects: its namespace, its credentials. */
  objects: StateObjects;
  name: string;
  file: string;
  everyMs?: number;
  onProblem: (message: string) => void;
}): Promise<TokensMirror> {
  const { objects, name, file } = options;
  const { namespace } = objects;
  let last = await readTokensSecret(objects, name);
  parseTokensFile(last, `Secret ${namespace}/${name}`);
  await writeFileAtomic(file, last, 0o600);
  let reported = false;
  const check = async () => {
    const text = await readTokensSecret(objects, name).catch((error: Error) => {
      throw new Error(`cannot read the tokens Secret ${namespace}/${name} (${error.message}); the last copy stays in force`);
    });
    if (text === last) return;
    // An invalid Secret is copied too: the transport then refuses every token until it is fixed.
    await writeFileAtomic(file, text, 0o600).catch((error: Error) => {
      throw new Error(`cannot write the copy of the tokens Secret ${namespace}/${name} to ${file} (${error.message}); the last copy stays in force until it can`);
    });
    // Only a copy that was written counts: a failed one is written again at the next check.
    last = text;
  };
  const timer = setInterval(() => {
    void check().then(
      () => void (reported = false),
      (error: Error) => {
        if (!reported) options.onProblem(error.message);
        reported = true;
      },
    );
  }, options.everyMs ?? CHECK_EVERY_MS);
  timer.unref();
  return { file, stop: () => clearInterval(timer) };
}
