// image-schematic: a custom Talos image through Image Factory — system extensions (checked against
// the factory's official list for that version), kernel args, overlay, secure boot, bootloader —
// returning the schematic id (also computed locally and compared), the installer image and the
// media URLs.
import { join } from "node:path";
import { z } from "zod";
import { PolicyDenied } from "../src/server/errors.js";
import { talosVersion } from "../src/server/schemas.js";
import { defineTool } from "../src/server/tool-spec.js";
import { factoryClient } from "../src/factory/client.js";
import { assertOfficialExtensions, createVerifiedSchematic } from "../src/factory/image.js";
import { configuredKernelArgHosts, kernelArgHandovers } from "../src/factory/kernel-args.js";
import { BOOTLOADERS, ENROLL_KEYS, parseSchematic } from "../src/factory/schematic.js";
import { mediaFor, PLATFORMS } from "../src/factory/media.js";

export default defineTool({
  name: "image-schematic",
  title: "Custom image (Image Factory)",
  description:
    "Build a custom Talos image with Image Factory (system extensions, kernel args, overlay, secure boot): returns the schematic id, installer image and media URLs. The Talos way to add software.",
  toolset: "factory",
  risk: "read",
  minRole: "none",
  openWorld: true,
  idempotent: true,
  rules: ["no-package-managers", "kernel-arg-hosts"],
  timeoutMs: 60_000,
  input: z
    .object({
      talosVersion: talosVersion.describe("Talos version, e.g. v1.12.6."),
      extensions: z
        .array(z.string().regex(/^[a-z0-9-]+\/[a-z0-9._-]+$/, "must be an official extension name like siderolabs/gvisor"))
        .max(64)
        .default([])
        .describe("Official extensions, e.g. [\"siderolabs/gvisor\"]."),
      extraKernelArgs: z.array(z.string().min(1).max(256)).max(64).optional().describe("Kernel arguments, e.g. [\"console=ttyS0\"] (ISO/disk/PXE only)."),
      overlay: z
        .object({
          image: z.string().min(1).describe("e.g. siderolabs/sbc-raspberrypi."),
          name: z.string().min(1).describe("e.g. rpi_generic."),
          options: z.record(z.string(), z.unknown()).optional().describe("Overlay-specific."),
        })
        .strict()
        .optional()
        .describe("Overlay for single-board computers."),
      secureboot: z
        .object({
          enabled: z.boolean().default(true).describe("Secure Boot installer, ISO and disk image."),
          enrollKeys: z.enum(ENROLL_KEYS).optional().describe("sd-boot key enrollment."),
          includeWellKnownCertificates: z.boolean().optional().describe("Also enroll Microsoft's UEFI certificates."),
        })
        .strict()
        .optional()
        .describe("Omit for ordinary images."),
      bootloader: z.enum(BOOTLOADERS).optional().describe("Disk image bootloader (default auto)."),
      platform: z.enum(PLATFORMS).default("metal").describe("metal for bare metal and most hypervisors."),
      arch: z.enum(["amd64", "arm64"]).default("amd64").describe("CPU architecture."),
    })
    .strict(),
  output: z.object({
    schematicId: z.string(),
    schematic: z.string(),
    installerImage: z.string(),
    overlay: z.object({ image: z.string(), name: z.string() }).optional(),
    urls: z.object({ iso: z.string(), diskImage: z.string(), pxe: z.string(), kernel: z.string(), initramfs: z.string() }),
  }),
  async preflight(args, ctx) {
    const findings = kernelArgHandovers(args.extraKernelArgs ?? [], await configuredKernelArgHosts(ctx.config, process.env));
    if (findings.length) {
      throw new PolicyDenied(
        "kernel-arg-hosts",
        `the image would hand its nodes to someone else: ${findings.map((finding) => finding.reason).join("; ")}`,
        "drop those kernel arguments, or ask the operator to add the host to kernelArgHosts in the server config",
      );
    }
  },
  async run(args, ctx) {
    // The input schema already holds every value to the schematic's rules; this builds the typed document.
    const schematic = parseSchematic({
      ...(args.overlay ? { overlay: args.overlay } : {}),
      customization: {
        extraKernelArgs: args.extraKernelArgs,
        // Sorted so the same set of extensions always yields the same schematic id.
        systemExtensions: args.extensions.length > 0 ? { officialExtensions: [...new Set(args.extensions)].sort() } : undefined,
        bootloader: args.bootloader,
        secureboot: args.secureboot ? { enrollKeys: args.secureboot.enrollKeys, includeWellKnownCertificates: args.secureboot.includeWellKnownCertificates } : undefined,
      },
    });

    const client = factoryClient(ctx.config.factoryUrl, join(ctx.config.stateDir, "factory"));
    await assertOfficialExtensions(client, args.talosVersion, args.extensions, ctx.signal);
    const { id, yaml } = await createVerifiedSchematic(client, schematic, ctx.signal);
    const media = mediaFor({ factoryUrl: ctx.config.factoryUrl, id, version: args.talosVersion, platform: args.platform, arch: args.arch, secureboot: args.secureboot?.enabled ?? false });
    const overlay = args.overlay ? { image: args.overlay.image, name: args.overlay.name } : undefined;
    return {
      structured: { schematicId: id, schematic: yaml, ...media, ...(overlay ? { overlay } : {}) },
      text: [
        `Schematic ${id}`,
        `Installer image (install/upgrade): ${media.installerImage}`,
        ...(overlay ? [`Overlay image: ${overlay.image} (${overlay.name}) — it runs with full access at boot; use only overlays you trust`] : []),
        `ISO: ${media.urls.iso}`,
        `Disk image: ${media.urls.diskImage}`,
        `PXE: ${media.urls.pxe}`,
        ...(args.extraKernelArgs?.length ? ["Note: installer images ignore extraKernelArgs; set machine.install.extraKernelArgs in the config for upgrades."] : []),
      ].join("\n"),
    };
  },
});
