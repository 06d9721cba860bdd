// image-schematic: a custom Talos image through Image Factory — system extensions (checked against
// the factory's official list for that version), kernel args, overlay, secure boot — returning the
// schematic id (also computed locally and compared), the installer image and the media URLs.
import { z } from "zod";
import { ToolError } from "../src/server/errors.js";
import { talosVersion } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";
import { factoryClient } from "../src/factory/client.js";
import { canonicalSchematicYaml, schematicId, schematicSchema } from "../src/factory/schematic.js";

const PLATFORMS = ["metal", "aws", "gcp", "azure", "digital-ocean", "hcloud", "nocloud", "openstack", "oracle", "vmware", "equinixMetal", "exoscale", "scaleway", "upcloud", "vultr"] as const;

export default defineTool({
  name: "image-schematic",
  title: "Custom image (Image Factory)",
  description:
    "Create an Image Factory schematic for a custom Talos image: official system extensions (validated against the factory's list for that Talos version), extra kernel args, overlay, secure boot. Returns the schematic id (checked against a local computation), the installer image for install/upgrade, and ISO, disk-image and PXE URLs. The Talos way to add software — there is no package manager.",
  toolset: "factory",
  risk: "read",
  minRole: "none",
  openWorld: true,
  idempotent: true,
  rules: ["no-package-managers"],
  timeoutMs: 60_000,
  input: z
    .object({
      talosVersion: talosVersion.describe("Talos version of the image, e.g. v1.12.6."),
      extensions: z.array(z.string().regex(/^[a-z0-9-]+\/[a-z0-9._-]+$/, "must be an official extension name like siderolabs/gvisor")).max(64).default([]).describe("Official system extensions."),
      extraKernelArgs: schematicSchema.shape.customization.unwrap().shape.extraKernelArgs.describe("Extra kernel arguments (ignored by installer images)."),
      overlay: schematicSchema.shape.overlay.describe("Overlay for single-board computers: {image, name, options}."),
      secureBoot: z.boolean().optional().describe("Secure Boot images (installer and ISO)."),
      platform: z.enum(PLATFORMS).default("metal").describe("Platform (metal for bare metal and most VMs)."),
      arch: z.enum(["amd64", "arm64"]).default("amd64").describe("CPU architecture."),
    })
    .strict(),
  output: z.object({
    schematicId: z.string(),
    schematic: z.string(),
    installerImage: z.string(),
    urls: z.object({ iso: z.string(), diskImage: z.string(), pxe: z.string(), kernel: z.string(), initramfs: z.string() }),
  }),
  async run(args, ctx) {
    const client = factoryClient(ctx.config.factoryUrl);
    if (args.extensions.length) {
      const official = await client.officialExtensions(args.talosVersion).catch((error: Error) => {
        throw new ToolError(`cannot read the official extension list: ${error.message}`, { next: "check --factory-url and the Talos version" });
      });
      const names = new Set(official.map((e) => e.name));
      const unknown = args.extensions.filter((name) => !names.has(name));
      if (unknown.length) throw new ToolError(`unknown extension(s) for Talos ${args.talosVersion}: ${unknown.join(", ")}`, { field: "extensions", next: `official extensions include: ${[...names].slice(0, 15).join(", ")}…` });
    }
    const schematic = schematicSchema.parse({
      ...(args.overlay ? { overlay: args.overlay } : {}),
      customization: {
        ...(args.extraKernelArgs?.length ? { extraKernelArgs: args.extraKernelArgs } : {}),
        ...(args.extensions.length ? { systemExtensions: { officialExtensions: [...args.extensions].sort() } } : {}),
      },
    });
    const yaml = canonicalSchematicYaml(schematic);
    const expected = schematicId(schematic);
    const id = await client.createSchematic(yaml).catch((error: Error) => {
      throw new ToolError(error.message, { next: "check the extensions, overlay and kernel args" });
    });
    if (id !== expected) throw new ToolError(`Image Factory answered schematic id ${id}, but the schematic hashes to ${expected}`, { next: "the factory may run an incompatible version; do not use this id" });
    const factory = new URL(ctx.config.factoryUrl);
    const sb = args.secureBoot ? "-secureboot" : "";
    const base = `${factory.origin}/image/${id}/${args.talosVersion}`;
    const installerImage = `${factory.host}/${args.platform}-installer${sb}/${id}:${args.talosVersion}`;
    const urls = {
      iso: `${base}/${args.platform}-${args.arch}${sb}.iso`,
      diskImage: `${base}/${args.platform}-${args.arch}.raw.xz`,
      pxe: `${factory.origin}/pxe/${id}/${args.talosVersion}/${args.platform}-${args.arch}${sb}`,
      kernel: `${base}/kernel-${args.arch}`,
      initramfs: `${base}/initramfs-${args.arch}.xz`,
    };
    return {
      structured: { schematicId: id, schematic: yaml, installerImage, urls },
      text: `Schematic ${id}\nInstaller image (install/upgrade): ${installerImage}\nISO: ${urls.iso}\nDisk image: ${urls.diskImage}\nPXE: ${urls.pxe}`,
    };
  },
});
