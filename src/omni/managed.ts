// Rule omni-reconcile: is this cluster managed by Omni? A talosconfig context signed with SideroV1
// (Omni's auth), an endpoint that is an Omni URL or Omni host, or nodes that Omni lists as its
// machines. Talos endpoints are bare hosts (host or host:port); Omni-generated talosconfigs carry
// the Omni API URL instead, so a URL endpoint alone marks the context as Omni's.
export interface ContextFacts {
  auth: string;
  endpoints: string[];
  omni: boolean;
  nodes?: string[];
}

export interface OmniMachines {
  addresses: string[];
  ids: string[];
  hostnames: string[];
}

function omniEndpointReason(endpoint: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) return `its endpoint ${endpoint} is an Omni API URL`;
  const host = endpoint.replace(/:\d+$/, "").toLowerCase();
  if (host.split(".").includes("omni")) return `its endpoint ${endpoint} is an Omni host`;
  return undefined;
}

export function omniManagedReason(context: ContextFacts, omniMachines?: OmniMachines): string | undefined {
  if (context.auth.toLowerCase() === "siderov1") return "its talosconfig context uses Omni's SideroV1 auth";
  for (const endpoint of context.endpoints) {
    const reason = omniEndpointReason(endpoint.trim());
    if (reason) return reason;
  }
  if (context.omni) return "its talosconfig context points at Omni";
  const known = new Set([...(omniMachines?.addresses ?? []), ...(omniMachines?.ids ?? []), ...(omniMachines?.hostnames ?? [])].map((value) => value.toLowerCase()));
  const listed = (context.nodes ?? []).filter((node) => known.has(node.toLowerCase()));
  if (listed.length) return `Omni lists ${listed.join(", ")} among its machines`;
  return undefined;
}
