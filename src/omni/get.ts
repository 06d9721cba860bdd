// What omni-get reads. omnictl's `get -o json` output (one indented object per resource, back to
// back) is split by parseJsonStream in src/talos/outputs.ts, which talosctl's output shares.
/** The resource types omni-get offers, mapped to the names omnictl resolves. */
export const OMNI_GET_TYPES = {
  clusters: "clusters",
  machines: "machinestatuses",
  machinesets: "machinesets",
  clusterstatus: "clusterstatuses",
} as const;
export type OmniGetType = keyof typeof OMNI_GET_TYPES;
