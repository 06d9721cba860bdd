// System extensions of a simulated node: what its schematic (Image Factory) asked for, what the
// installer image it last booted from actually carried, and the ExtensionStatus layers Talos
// reports for them (one per extension, then the factory's "schematic" layer).
import { EMPTY_SCHEMATIC_ID, schematicId } from "../factory/schematic.js";

/** Metadata of well-known official extensions; versions are illustrative for Talos v1.12. */
const CATALOG: Record<string, { version: string; description: string }> = {
  "siderolabs/iscsi-tools": { version: "v0.2.0", description: "This system extension provides iscsi-tools." },
  "siderolabs/util-linux-tools": { version: "2.41.2", description: "This system extension provides util-linux tools." },
  "siderolabs/qemu-guest-agent": { version: "10.1.2", description: "This system extension provides the QEMU Guest Agent service." },
  "siderolabs/intel-ucode": { version: "20250812", description: "This system extension provides Intel microcode binaries." },
  "siderolabs/amd-ucode": { version: "20251021", description: "This system extension provides AMD microcode binaries." },
  "siderolabs/tailscale": { version: "1.90.6", description: "This system extension provides Tailscale." },
  "siderolabs/drbd": { version: "9.2.15-v1.12.6", description: "This system extension provides DRBD kernel modules." },
  "siderolabs/zfs": { version: "2.3.4-v1.12.6", description: "This system extension provides ZFS kernel modules and tools." },
};

/** The schematic id of an image carrying exactly these official extensions. */
export function schematicFor(extensions: string[]): string {
  return extensions.length === 0 ? EMPTY_SCHEMATIC_ID : schematicId({ customization: { systemExtensions: { officialExtensions: extensions } } });
}

export interface ExtensionLayer {
  image: string;
  metadata: { name: string; version: string; author: string; description: string; compatibility: { talos: { version: string } } };
}

/**
 * ExtensionStatus specs by id ("0", "1", …) for a node booted from `schematic` with `extensions`
 * (no schematic: a plain ghcr.io installer, no extensions at all).
 */
export function extensionLayers(extensions: string[], schematic: string | undefined, talosVersion: string): Record<string, ExtensionLayer> {
  if (!schematic) return {};
  const minor = /^v\d+\.\d+/.exec(talosVersion)?.[0] ?? talosVersion;
  const layers: ExtensionLayer["metadata"][] = extensions.map((name) => {
    const known = CATALOG[name];
    return {
      name: name.split("/")[1]!,
      version: known?.version ?? talosVersion,
      author: "Sidero Labs",
      description: known?.description ?? `This system extension provides ${name.split("/")[1]}.`,
      compatibility: { talos: { version: `>= ${minor}.0` } },
    };
  });
  layers.push({ name: "schematic", version: schematic, author: "Image Factory", description: "This extension holds the schematic ID of the image.", compatibility: { talos: { version: "" } } });
  return Object.fromEntries(layers.map((metadata, index) => [String(index), { image: `${index}.sqsh`, metadata }]));
}

/**
 * The schematic an installer image carries: Image Factory images name it
 * (factory.talos.dev/<installer|metal-installer|…>/<id>:<tag>); other installers carry none.
 */
export function schematicOfImage(image: string): string | undefined {
  return /^[^/]+\/[a-z0-9-]*installer[a-z0-9-]*\/([0-9a-f]{64}):/.exec(image)?.[1];
}

/**
 * The extensions an image with schematic `id` carries, when it is made of extensions the simulator
 * knows (any subset of the scenario's); undefined for a schematic it cannot resolve offline.
 */
export function extensionsOfSchematic(id: string, known: string[]): string[] | undefined {
  for (let mask = 0; mask < 1 << known.length; mask += 1) {
    const subset = known.filter((_, index) => mask & (1 << index));
    if (schematicFor(subset) === id) return subset;
  }
  return undefined;
}

/**
 * What a node runs after installing or upgrading from `image`: a factory image brings the
 * extensions of its schematic (when the simulator can resolve it from the scenario's), any other
 * installer image none — the way extensions get lost in an upgrade.
 */
export function bootedFrom(image: string, known: string[]): { schematic?: string; extensions: string[] } {
  const schematic = schematicOfImage(image);
  return { schematic, extensions: schematic ? (extensionsOfSchematic(schematic, known) ?? []) : [] };
}
