// The pinned CLI versions. They match scripts/build-clis: the Go module proxy reachable here
// serves talos v1.12.6 and the omni client module v1.9.3 (talos v1.12.11 and omni v1.10.x answer
// 403), so those are the versions built and tested.
import type { CliBinary } from "../server/tool-spec.js";

export const PINNED = { talosctl: "v1.12.6", omnictl: "v1.9.3" } as const satisfies Record<CliBinary, string>;

/** Supported range: the pinned minor (talosctl v1.12.x; omnictl v1.9.x–v1.10.x). */
const SUPPORTED: Record<CliBinary, RegExp> = {
  talosctl: /^v1\.12\.\d+$/,
  omnictl: /^v1\.(9|10)\.\d+$/,
};

export function isSupportedVersion(binary: CliBinary, version: string): boolean {
  return SUPPORTED[binary].test(version);
}
