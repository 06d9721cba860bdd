// The third test of rule omni-reconcile: do the nodes of a talosctl write appear in Omni's machine
// list? Asked only when an Omni is configured (a service-account key and a URL); Omni's
// MachineStatus resources carry each machine's UUID, its SideroLink address, the addresses its
// interfaces report (the ones a talosconfig would name) and its hostname.
import type { ToolContext } from "../server/tool-spec.js";
import { parseJsonStream } from "../talos/outputs.js";
import type { OmniMachines } from "./managed.js";
import { callOmnictl, omniEnvFor } from "./run.js";

const stripPrefix = (address: string) => address.replace(/\/\d+$/, "");

/** Reads ids and addresses from `omnictl get machinestatus -o json` output. */
export function machinesFromJson(stdout: string): OmniMachines {
  const ids: string[] = [];
  const addresses: string[] = [];
  const hostnames: string[] = [];
  for (const item of parseJsonStream(stdout, "omnictl get machinestatus") as { metadata?: { id?: string }; spec?: { managementaddress?: string; network?: { hostname?: string; addresses?: string[] } | null } }[]) {
    if (item.metadata?.id) ids.push(item.metadata.id);
    if (item.spec?.network?.hostname) hostnames.push(item.spec.network.hostname);
    if (item.spec?.managementaddress) addresses.push(stripPrefix(item.spec.managementaddress));
    for (const address of item.spec?.network?.addresses ?? []) addresses.push(stripPrefix(address));
  }
  return { ids, addresses, hostnames };
}

export type OmniMachineLookup = { machines: OmniMachines } | { unavailable: string };

/** Omni's machines, or why they could not be read; undefined when no Omni is configured. */
export async function omniMachineList(ctx: ToolContext): Promise<OmniMachineLookup | undefined> {
  const configured = await omniEnvFor(ctx).then(
    () => true,
    () => false,
  );
  if (!configured) return undefined;
  const result = await callOmnictl(ctx, ["get", "machinestatus", "--output=json"], { timeoutMs: 20_000 });
  if (result.exitCode !== 0) return { unavailable: result.stderr.trim().split("\n").pop() || `omnictl exited with ${result.exitCode}` };
  try {
    return { machines: machinesFromJson(result.stdout) };
  } catch (error) {
    return { unavailable: (error as Error).message };
  }
}
