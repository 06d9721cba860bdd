// Omni service-account keys: taken only from the server's environment or the operator's key file,
// never from a tool argument, and handed to omnictl through the child's environment. Without a
// usable key omnictl falls back to a browser login and would hang, so a missing or malformed key
// is refused before anything runs.
import { readFile } from "node:fs/promises";
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

/** The environment omnictl needs for a headless call; throws a ToolError naming the fix. */
export async function omniAuthEnv(source: { keyFile?: string; env: NodeJS.ProcessEnv }): Promise<Record<string, string>> {
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
    throw new ToolError("No Omni service-account key is configured, so omnictl would try a browser login; refusing instead of hanging.", { next: HOW_TO_FIX });
  }
  const problem = serviceAccountKeyProblem(key!);
  if (problem) throw new ToolError(`The Omni service-account key from ${origin} ${problem}.`, { next: HOW_TO_FIX });
  return { OMNI_SERVICE_ACCOUNT_KEY: key!.trim() };
}
