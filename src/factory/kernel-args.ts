// Rule kernel-arg-hosts: kernel arguments of a custom image that hand the node to a host — where it
// fetches its machine config, which Omni it joins, where its kernel logs and events go — must name
// a host the operator configured. Parameter names are those of the pinned Talos
// (pkg/machinery/constants): talos.config, talos.config.oauth.*, siderolink.api,
// talos.logging.kernel, talos.events.sink, talos.environment (proxies), em.events_url; any other
// talos.* / siderolink.* argument whose value carries a URL or host:port is held to the same rule.
// talos.config.inline / talos.config.early embed a whole machine config and are always refused.
import type { Config } from "../config-types.js";
import { omniEndpoint } from "../omni/auth.js";

export interface KernelArgFinding {
  arg: string;
  reason: string;
}

/** Values of talos.config that fetch nothing. */
const NO_FETCH_CONFIG = new Set(["none", "metal-iso"]);
const EMBEDDED_CONFIG = new Set(["talos.config.inline", "talos.config.early"]);
const HANDOVER_PREFIXES = ["talos.", "siderolink."];
const HANDOVER_NAMES = new Set(["em.events_url"]);

/** scheme://[userinfo@]host — every URL in a value, nested ones included (stricter is safer here). */
const URL_HOST = /[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/\s?#]*@)?(\[[0-9A-Fa-f:.]+\]|[^/\s?#:,;'"[\]]+)/g;
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):\d{1,5}$/;

const bare = (host: string) => host.replace(/^\[|\]$/g, "").toLowerCase();

/** talos.environment=HTTPS_PROXY=…: Go's proxy lookup reads a value without a scheme as http://value. */
const PROXY_VARIABLE = /^(?:https?|all)_proxy=/i;

/** The value to look for hosts in: a proxy variable's value made a URL, so a bare host counts too. */
function handoverValue(name: string, value: string): string {
  const proxy = name === "talos.environment" ? PROXY_VARIABLE.exec(value) : null;
  if (!proxy) return value;
  const target = value.slice(proxy[0].length);
  return target.includes("://") ? target : `http://${target}`;
}

/** The hosts a kernel argument's value points at: URLs anywhere in it, or a bare host:port. */
export function hostsIn(value: string): string[] {
  const hosts = [...value.matchAll(URL_HOST)].map((match) => bare(match[1]!));
  const hostPort = HOST_PORT.exec(value.trim());
  if (hostPort) hosts.push(bare(hostPort[1]!));
  return [...new Set(hosts)];
}

/**
 * The kernel arguments that would hand a node to a host the operator did not configure, with why.
 * `allowedHosts` are host names or addresses (no ports), compared case-insensitively.
 */
export function kernelArgHandovers(args: readonly string[], allowedHosts: readonly string[]): KernelArgFinding[] {
  const allowed = new Set(allowedHosts.map(bare));
  const findings: KernelArgFinding[] = [];
  for (const arg of args) {
    const eq = arg.indexOf("=");
    const name = (eq < 0 ? arg : arg.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? "" : arg.slice(eq + 1);
    if (EMBEDDED_CONFIG.has(name)) {
      findings.push({ arg: name, reason: `${name} embeds a machine config in the image that nobody reviewed; apply configs with the apply tool instead` });
      continue;
    }
    if (!HANDOVER_NAMES.has(name) && !HANDOVER_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    if (name === "talos.config" && NO_FETCH_CONFIG.has(value)) continue;
    const foreign = hostsIn(handoverValue(name, value)).filter((host) => !allowed.has(host));
    if (foreign.length) {
      findings.push({ arg: name, reason: `${name} points at ${foreign.join(", ")}, which the operator did not configure (allowed: ${[...allowed].join(", ") || "none"})` });
    }
  }
  return findings;
}

/** Hosts the operator configured: kernelArgHosts, and the Omni endpoint when one is configured. */
export async function configuredKernelArgHosts(config: Pick<Config, "kernelArgHosts" | "omniconfig">, env: NodeJS.ProcessEnv): Promise<string[]> {
  const omni = await omniEndpoint({ omniconfig: config.omniconfig, env }).then(
    (url) => [new URL(url).hostname],
    () => [],
  );
  return [...config.kernelArgHosts, ...omni];
}
