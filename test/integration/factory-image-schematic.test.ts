// image-schematic through a real MCP client, against a stand-in factory on loopback.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMPTY_SCHEMATIC_ID } from "../../src/factory/schematic.js";
import { configFor, session, text } from "../helpers/session.js";
import { startStandInFactory, type StandInFactory } from "../../src/sim/factory/server.js";

let factory: StandInFactory;
let call: Awaited<ReturnType<typeof session>>["call"];
let client: Awaited<ReturnType<typeof session>>["client"];

beforeAll(async () => {
  factory = await startStandInFactory();
  ({ call, client } = await session(configFor(mkdtempSync(join(tmpdir(), "talos-mcp-factory-")), ["--factory-url", factory.url])));
});
afterAll(() => factory.close());

describe("image-schematic", () => {
  it("is listed as a read-only, open-world tool of the factory toolset", async () => {
    const tool = (await client.listTools()).tools.find((t) => t.name === "image-schematic")!;
    expect(tool.annotations?.readOnlyHint).toBe(true);
    expect(tool.annotations?.openWorldHint ?? true, "openWorldHint: absent means true (the MCP default)").toBe(true);
    expect(tool.inputSchema.required).toEqual(["talosVersion"]);
  });

  it("returns the schematic id, installer image and media URLs; extensions are sorted", async () => {
    const result = await call("image-schematic", { talosVersion: "v1.12.6", extensions: ["siderolabs/iscsi-tools", "siderolabs/gvisor"] });
    expect(result.isError, text(result)).toBeFalsy();
    const out = result.structuredContent as { schematicId: string; schematic: string; installerImage: string; urls: Record<string, string> };
    expect(out.schematic).toBe("customization:\n    systemExtensions:\n        officialExtensions:\n            - siderolabs/gvisor\n            - siderolabs/iscsi-tools\n");
    expect(factory.requests.at(-1)).toMatchObject({ method: "POST", path: "/schematics", body: out.schematic });
    const host = new URL(factory.url).host;
    expect(out.installerImage).toBe(`${host}/metal-installer/${out.schematicId}:v1.12.6`);
    expect(out.urls.iso).toBe(`${factory.url}/image/${out.schematicId}/v1.12.6/metal-amd64.iso`);
    expect(out.urls.pxe).toBe(`${factory.url}/pxe/${out.schematicId}/v1.12.6/metal-amd64`);
  });

  it("secure boot, bootloader, kernel args and an overlay end up in the schematic", async () => {
    const result = await call("image-schematic", {
      talosVersion: "v1.12.6",
      platform: "metal",
      arch: "arm64",
      extraKernelArgs: ["console=ttyAMA0"],
      overlay: { image: "siderolabs/sbc-raspberrypi", name: "rpi_generic" },
      secureboot: { includeWellKnownCertificates: true },
      bootloader: "sd-boot",
    });
    const out = result.structuredContent as { schematic: string; installerImage: string; urls: Record<string, string> };
    expect(out.schematic).toContain("overlay:\n    image: siderolabs/sbc-raspberrypi\n    name: rpi_generic\ncustomization:\n    extraKernelArgs:\n        - console=ttyAMA0\n");
    expect(out.schematic).toContain("    bootloader: sd-boot\n    secureboot:\n        includeWellKnownCertificates: true\n");
    expect(out.installerImage).toMatch(/\/metal-installer-secureboot\//);
    expect(out.urls.iso).toMatch(/metal-arm64-secureboot\.iso$/);
    expect(text(result)).toMatch(/installer images ignore extraKernelArgs/);
    expect(result.structuredContent).toMatchObject({ overlay: { image: "siderolabs/sbc-raspberrypi", name: "rpi_generic" } });
    expect(text(result)).toMatch(/Overlay image: siderolabs\/sbc-raspberrypi \(rpi_generic\) — it runs with full access at boot/);
  });

  it("refuses kernel args that hand the node to a host the operator did not configure, before the factory is asked (rule kernel-arg-hosts)", async () => {
    const before = factory.requests.length;
    for (const arg of ["siderolink.api=https://omni.attacker.example/?jointoken=abc", "talos.config=http://203.0.113.9/config.yaml", "talos.logging.kernel=udp://203.0.113.9:514", "talos.events.sink=203.0.113.9:4002", "talos.config.inline=KLUv/QBY"]) {
      const result = await call("image-schematic", { talosVersion: "v1.12.6", extraKernelArgs: ["console=ttyS0", arg] });
      expect(text(result), arg).toMatch(/^Denied by rule kernel-arg-hosts: the image would hand its nodes to someone else/);
      expect(text(result), arg).toMatch(/docs\.siderolabs\.com\/talos\/v1\.12\/reference\/kernel/);
      expect(text(result), arg).not.toContain("jointoken=abc");
    }
    expect(factory.requests.length).toBe(before);
  });

  it("allows those kernel args towards hosts the operator configured (kernelArgHosts)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "talos-mcp-factory-hosts-"));
    writeFileSync(join(dir, "config.yaml"), "kernelArgHosts: [logs.example.net, 203.0.113.9]\n");
    const configured = await session(configFor(dir, ["--factory-url", factory.url, "--config", join(dir, "config.yaml")]));
    const result = await configured.call("image-schematic", { talosVersion: "v1.12.6", extraKernelArgs: ["talos.logging.kernel=tcp://logs.example.net:5044", "talos.events.sink=203.0.113.9:4002"] });
    expect(result.isError, text(result)).toBeFalsy();
    expect((result.structuredContent as { schematic: string }).schematic).toContain("talos.logging.kernel=tcp://logs.example.net:5044");
  });

  it("the empty schematic needs no extension list and has the documented id", async () => {
    const before = factory.requests.length;
    const result = await call("image-schematic", { talosVersion: "v1.12.6" });
    expect((result.structuredContent as { schematicId: string }).schematicId).toBe(EMPTY_SCHEMATIC_ID);
    expect(factory.requests.slice(before).map((r) => r.path)).toEqual(["/schematics"]);
  });

  it("refuses extensions the factory does not list, naming the field", async () => {
    const result = await call("image-schematic", { talosVersion: "v1.12.6", extensions: ["siderolabs/gvisr"] });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/unknown extension\(s\) for Talos v1\.12\.6: siderolabs\/gvisr/);
    expect(text(result)).toMatch(/extensions/);
    expect(text(result)).toMatch(/did you mean siderolabs\/gvisor\?/);
  });

  it("refuses a version the factory does not know, unknown fields and bad values", async () => {
    expect(text(await call("image-schematic", { talosVersion: "v9.9.9", extensions: ["siderolabs/gvisor"] }))).toMatch(/does not know Talos v9\.9\.9/);
    expect(text(await call("image-schematic", { talosVersion: "v1.12.6", systemExtensions: [] }))).toMatch(/systemExtensions/);
    expect(text(await call("image-schematic", { talosVersion: "1.12.6" }))).toMatch(/talosVersion/);
    expect(text(await call("image-schematic", { talosVersion: "v1.12.6", secureboot: { enrollKeys: "always" } }))).toMatch(/enrollKeys/);
    expect(text(await call("image-schematic", { talosVersion: "v1.12.6", extensions: ["gvisor"] }))).toMatch(/official extension name like siderolabs\/gvisor/);
  });

  it("refuses a factory answer that does not match the locally computed id", async () => {
    factory.forgeId = "f".repeat(64);
    try {
      const result = await call("image-schematic", { talosVersion: "v1.12.6" });
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(new RegExp(`answered schematic id f{64}, but the schematic hashes to ${EMPTY_SCHEMATIC_ID}`));
    } finally {
      factory.forgeId = undefined;
    }
  });
});
