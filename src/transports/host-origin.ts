// DNS-rebinding and browser protection (MCP transport spec: servers MUST validate Origin): the Host
// header must name this server (bind address, localhost forms, or an allowlisted name; any port),
// and a present Origin must be allowlisted. Pure, so every allow/deny case is tested.
import { isIP } from "node:net";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]", "::1"];

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || (isIP(bare) === 4 && bare.startsWith("127."));
}

/** The host part of a Host header ("example:8080" → "example", "[::1]:80" → "[::1]"). */
export function hostName(header: string): string {
  const trimmed = header.trim().toLowerCase();
  if (trimmed.startsWith("[")) return trimmed.slice(0, trimmed.indexOf("]") + 1);
  return trimmed.replace(/:\d+$/, "");
}

export function allowedHostNames(bindHost: string, extra: readonly string[]): Set<string> {
  const names = new Set(extra.map((h) => hostName(h)));
  const bind = isIP(bindHost) === 6 ? `[${bindHost}]` : bindHost.toLowerCase();
  if (bind !== "0.0.0.0" && bind !== "[::]") names.add(bind);
  for (const name of LOOPBACK_NAMES) names.add(name);
  return names;
}

export type HeaderCheck = { ok: true } | { ok: false; status: 403 | 400; reason: string };

export function checkHost(header: string | undefined, allowed: ReadonlySet<string>): HeaderCheck {
  if (!header) return { ok: false, status: 400, reason: "missing Host header" };
  return allowed.has(hostName(header)) ? { ok: true } : { ok: false, status: 403, reason: `Host '${hostName(header)}' is not allowed` };
}

export function checkOrigin(header: string | undefined, allowedOrigins: readonly string[]): HeaderCheck {
  if (header === undefined) return { ok: true };
  const origin = header.trim().toLowerCase().replace(/\/$/, "");
  return allowedOrigins.some((o) => o.toLowerCase().replace(/\/$/, "") === origin) ? { ok: true } : { ok: false, status: 403, reason: `Origin '${header}' is not allowed` };
}
