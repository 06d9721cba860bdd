// Reads a talosconfig (reference §3) without ever returning key material: contexts, endpoints,
// nodes, the client certificate's roles (Subject O) and expiry, and whether it is an Omni one.
import { nodeCrypto } from "../lazy-crypto.js";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { yaml } from "../lazy-yaml.js";

export interface TalosContextInfo {
  name: string;
  endpoints: string[];
  nodes: string[];
  roles: string[];
  certNotAfter?: string;
  cluster?: string;
  auth: "mtls" | "siderov1" | "basic" | "none";
  omni: boolean;
}

export interface TalosconfigInfo {
  path: string;
  current?: string;
  contexts: TalosContextInfo[];
}

/** talosctl's order: flag → $TALOSCONFIG → $TALOS_HOME/config → ~/.talos/config. Never creates it. */
export function resolveTalosconfigPath(flag?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag) return flag;
  if (env.TALOSCONFIG) return env.TALOSCONFIG;
  if (env.TALOS_HOME) return join(env.TALOS_HOME, "config");
  const home = env.HOME || homedir();
  return home ? join(home, ".talos", "config") : undefined;
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

function certificateFacts(crt: unknown): { roles: string[]; notAfter?: string } {
  if (typeof crt !== "string" || crt === "") return { roles: [] };
  const { X509Certificate } = nodeCrypto();
  const cert = new X509Certificate(Buffer.from(crt, "base64"));
  const roles = cert.subject
    .split("\n")
    .filter((line) => line.startsWith("O="))
    .map((line) => line.slice(2));
  return { roles, notAfter: new Date(cert.validTo).toISOString() };
}

/** An Omni endpoint is an https URL (Talos endpoints are host[:port]). */
export function isOmniEndpoint(endpoint: string): boolean {
  return /^https?:\/\//.test(endpoint);
}

export async function readTalosconfig(path: string): Promise<TalosconfigInfo> {
  let doc: { context?: string; contexts?: Record<string, Record<string, unknown>> };
  try {
    const text = await readFile(path, "utf8"); // first: a missing talosconfig needs no yaml
    doc = (yaml().parse(text) ?? {}) as typeof doc;
  } catch (error) {
    throw new Error(`talosconfig ${path}: ${(error as Error).message}`);
  }
  const contexts = Object.entries(doc.contexts ?? {}).map(([name, ctx]): TalosContextInfo => {
    let facts: { roles: string[]; notAfter?: string };
    try {
      facts = certificateFacts(ctx.crt);
    } catch (error) {
      throw new Error(`talosconfig ${path}: context ${name}: field crt is not a base64 PEM certificate (${(error as Error).message})`);
    }
    const auth = (ctx.auth ?? {}) as Record<string, unknown>;
    const kind: TalosContextInfo["auth"] = auth.siderov1 ? "siderov1" : auth.basic ? "basic" : ctx.crt ? "mtls" : "none";
    const endpoints = list(ctx.endpoints);
    return {
      name,
      endpoints,
      nodes: list(ctx.nodes),
      roles: facts.roles,
      certNotAfter: facts.notAfter,
      cluster: typeof ctx.cluster === "string" && ctx.cluster !== "" ? ctx.cluster : undefined,
      auth: kind,
      omni: kind === "siderov1" || endpoints.some(isOmniEndpoint),
    };
  });
  return { path, current: typeof doc.context === "string" ? doc.context : undefined, contexts };
}
