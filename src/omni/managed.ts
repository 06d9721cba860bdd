// Rule omni-reconcile: is this cluster managed by Omni? A talosconfig context signed with SideroV1
// (Omni's auth), an endpoint that is an Omni URL, or nodes that Omni lists as its machines.
export interface ContextFacts {
  auth: string;
  endpoints: string[];
  omni: boolean;
  nodes?: string[];
}

export interface OmniMachines {
  addresses: string[];
  ids: string[];
}

export function omniManagedReason(context: ContextFacts, omniMachines?: OmniMachines): string | undefined {
  if (context.auth === "siderov1") return "its talosconfig context uses Omni's SideroV1 auth";
  const omniEndpoint = context.endpoints.find((endpoint) => /^https?:\/\//.test(endpoint));
  if (omniEndpoint) return `its endpoint ${omniEndpoint} is an Omni API URL`;
  if (context.omni) return "its talosconfig context points at Omni";
  const listed = (context.nodes ?? []).filter((node) => omniMachines?.addresses.includes(node) || omniMachines?.ids.includes(node));
  if (listed.length) return `Omni lists ${listed.join(", ")} among its machines`;
  return undefined;
}
