// Omni service-account keys: taken only from the server's environment or the operator's key file,
// never from a tool argument, and handed to omnictl through the child's environment. Without a
// usable key omnictl falls back to a browser login and would hang, so a missing or malformed key
// is refused before anything runs.
import { readFile } from "node:fs/promises";
import { yaml } from "../lazy-yaml.js";
import { ToolError } from "../server/errors.js";

export const SERVICE_ACCOUNT_ENV_NAMES = ["OMNI_SERVICE_ACCOUNT_KEY", "SIDERO_SERVICE_ACCOUNT_KEY"] as const;

const HOW_TO_FIX =
  "create one with `omnictl serviceaccount create <name>` and start talos-mcp with OMNI_SERVICE_ACCOUNT_KEY set, or set omniServiceAccountKeyFile in the config";

/** Shape check only (base64 of JSON with a `pgp_key`); omnictl checks the key itself. */
export function serviceAccountKeyProblem(key: string): string | undefined {
  const trimmed = key.trim();
  if (trimmed === "") return "is empty";
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return "is not base64";
  try {
    const decoded = JSON.parse(Buffer.from(trimmed, "base64").toString("utf8")) as { pgp_key?: unknown };
    if (typeof decoded?.pgp_key !== "string" || !decoded.pgp_key.includes("PGP PRIVATE KEY")) return "has no armored PGP private key (pgp_key)";
  } catch {
    return "does not decode to the JSON omnictl expects";
  }
  return undefined;
}

/**
 * With a service-account key in its environment omnictl ignores the omniconfig entirely and takes
 * the Omni URL only from OMNI_ENDPOINT (client/pkg/omnictl/internal/access), so the URL of the
 * omniconfig's current context is handed on that way.
 */
export async function omniEndpoint(source: { omniconfig?: string; env: NodeJS.ProcessEnv }): Promise<string> {
  if (source.env.OMNI_ENDPOINT) return source.env.OMNI_ENDPOINT;
  const next = "set omniconfig in the talos-mcp config to an omniconfig whose current context has the Omni URL, or start talos-mcp with OMNI_ENDPOINT";
  if (!source.omniconfig) throw new ToolError("No Omni URL is configured (neither OMNI_ENDPOINT nor omniconfig).", { field: "omniconfig", next });
  const text = await readFile(source.omniconfig, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new ToolError(`The omniconfig cannot be read (${error.code ?? error.message}).`, { field: "omniconfig", next });
  });
  const config = (yaml().parse(text) ?? {}) as { context?: string; contexts?: Record<string, { url?: unknown }> };
  const url = config.contexts?.[config.context ?? ""]?.url;
  if (typeof url !== "string" || !/^https?:\/\//.test(url)) throw new ToolError(`The omniconfig's current context (${config.context ?? "none"}) has no http(s) url.`, { field: "omniconfig", next });
  return url;
}

/** The environment omnictl needs for a headless call; throws a ToolError naming the fix. */
export async function omniAuthEnv(source: { keyFile?: string; omniconfig?: string; caFile?: string; env: NodeJS.ProcessEnv }): Promise<Record<string, string>> {
  let key: string | undefined;
  let origin: string;
  const fromEnv = SERVICE_ACCOUNT_ENV_NAMES.find((name) => source.env[name]);
  if (fromEnv) {
    key = source.env[fromEnv];
    origin = `environment variable ${fromEnv}`;
  } else if (source.keyFile) {
    origin = `omniServiceAccountKeyFile (${source.keyFile})`;
    key = await readFile(source.keyFile, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new ToolError(`The Omni service-account key file cannot be read (${error.code ?? error.message}).`, { field: "omniServiceAccountKeyFile", next: HOW_TO_FIX });
    });
  } else {
    throw new ToolError("No Omni service-account key is configured; without one omnictl (and talosctl with an Omni-issued talosconfig) would wait for a browser login, so nothing was run.", { next: HOW_TO_FIX });
  }
  const problem = serviceAccountKeyProblem(key!);
  if (problem) throw new ToolError(`The Omni service-account key from ${origin} ${problem}.`, { next: HOW_TO_FIX });
  // A private CA (self-hosted Omni) is handed to the Go CLIs the way Go reads one on Linux.
  return { OMNI_SERVICE_ACCOUNT_KEY: key!.trim(), OMNI_ENDPOINT: await omniEndpoint(source), ...(source.caFile ? { SSL_CERT_FILE: source.caFile } : {}) };
}
