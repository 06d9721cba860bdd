// Where a schematic's artifacts live on a factory (reference §7): the installer image served by
// its OCI frontend, and the ISO / disk image / PXE / kernel paths under /image and /pxe.

export const PLATFORMS = ["metal", "aws", "gcp", "azure", "digital-ocean", "hcloud", "nocloud", "openstack", "oracle", "vmware", "equinixMetal", "exoscale", "scaleway", "upcloud", "vultr"] as const;
export type Platform = (typeof PLATFORMS)[number];

// Disk image formats that are not the default raw.xz.
const DISK_SUFFIX: Partial<Record<Platform, string>> = { gcp: "raw.tar.gz", azure: "vhd.xz", vmware: "ova" };

export interface MediaRequest {
  factoryUrl: string;
  id: string;
  version: string;
  platform: Platform;
  arch: "amd64" | "arm64";
  secureboot: boolean;
}

export function mediaFor(request: MediaRequest) {
  const factory = new URL(request.factoryUrl);
  const origin = `${factory.origin}${factory.pathname.replace(/\/+$/, "")}`;
  const sb = request.secureboot ? "-secureboot" : "";
  const base = `${origin}/image/${request.id}/${request.version}`;
  const target = `${request.platform}-${request.arch}${sb}`;
  return {
    installerImage: `${factory.host}/${request.platform}-installer${sb}/${request.id}:${request.version}`,
    urls: {
      iso: `${base}/${target}.iso`,
      diskImage: `${base}/${target}.${DISK_SUFFIX[request.platform] ?? "raw.xz"}`,
      pxe: `${origin}/pxe/${request.id}/${request.version}/${target}`,
      kernel: `${base}/kernel-${request.arch}`,
      initramfs: `${base}/initramfs-${request.arch}.xz`,
    },
  };
}
