// The canonical schematic text must be byte-for-byte what the factory hashes: the ids below are
// the factory's own test vectors for the same documents.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { EMPTY_SCHEMATIC_ID, SchematicError, canonicalSchematicYaml, parseSchematic, schematicId } from "../../../src/factory/schematic.js";

const idOf = (document: unknown) => schematicId(parseSchematic(document));

describe("schematic id (factory test vectors)", () => {
  it("the empty schematic, however it is written", () => {
    expect(canonicalSchematicYaml(parseSchematic({}))).toBe("customization: {}\n");
    expect(EMPTY_SCHEMATIC_ID).toBe("376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba");
    for (const document of [{}, { customization: {} }, { customization: { extraKernelArgs: [] } }, { customization: { systemExtensions: {}, bootloader: "auto" } }]) {
      expect(idOf(document)).toBe(EMPTY_SCHEMATIC_ID);
    }
  });

  it("kernel args, META, overlay, secure boot, disk sector size", () => {
    expect(idOf({ customization: { extraKernelArgs: ["noapic", "nolapic"], systemExtensions: {} } })).toBe("9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c");
    expect(idOf({ customization: { meta: [{ key: 10, value: "foo" }] } })).toBe("d308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f");
    expect(idOf({ overlay: { name: "rpi_generic", image: "siderolabs/sbc-raspberrypi" }, customization: {} })).toBe("ee21ef4a5ef808a9b7484cc0dda0f25075021691c8c09a276591eedb638ea1f9");
    expect(idOf({ customization: { secureboot: { includeWellKnownCertificates: true } } })).toBe("fa8e05f142a851d3ee568eb0a8e5841eaf6b0ebc8df9a63df16ac5ed2c04f3e6");
    expect(idOf({ customization: { diskImage: { sectorSize: 4096 } } })).toBe("92833e9ddd9bb9e11b2464fa5525429f01866306d52ebd882ee08d7918f6d1ea");
  });
});

describe("canonical YAML layout", () => {
  it("struct field order, 4-space indentation, sorted overlay options", () => {
    const yaml = canonicalSchematicYaml(
      parseSchematic({
        customization: { bootloader: "sd-boot", systemExtensions: { officialExtensions: ["siderolabs/gvisor"] }, extraKernelArgs: ["vga=791"], secureboot: { includeWellKnownCertificates: true, enrollKeys: "force" } },
        overlay: { name: "rpi_generic", image: "siderolabs/sbc-raspberrypi", options: { zeta: 1, alpha: { b: true, a: "x" }, list: ["p", "q"] } },
      }),
    );
    expect(yaml).toBe(
      [
        "overlay:",
        "    image: siderolabs/sbc-raspberrypi",
        "    name: rpi_generic",
        "    options:",
        "        alpha:",
        "            a: x",
        "            b: true",
        "        list:",
        "            - p",
        "            - q",
        "        zeta: 1",
        "customization:",
        "    extraKernelArgs:",
        "        - vga=791",
        "    systemExtensions:",
        "        officialExtensions:",
        "            - siderolabs/gvisor",
        "    bootloader: sd-boot",
        "    secureboot:",
        "        enrollKeys: force",
        "        includeWellKnownCertificates: true",
        "",
      ].join("\n"),
    );
  });

  it("quotes values YAML would misread, and the text parses back to the same values", () => {
    const values = ["- injected: x", "{}", "true", "10", "", "a: b", "#c", "it's", "0x1f", "~", "tab\there", "plain=value"];
    const yaml = canonicalSchematicYaml(parseSchematic({ customization: { extraKernelArgs: values.filter(Boolean), meta: values.map((value, key) => ({ key, value })) } }));
    const back = parse(yaml) as { customization: { extraKernelArgs: string[]; meta: { key: number; value: string }[] } };
    expect(back.customization.extraKernelArgs).toEqual(values.filter(Boolean));
    expect(back.customization.meta.map((m) => m.value)).toEqual(values);
    expect(yaml).toContain("value: '{}'\n");
    expect(yaml).toContain('value: "true"\n');
    expect(yaml).toContain("- plain=value\n");
  });

  it("writes an embedded machine configuration as a literal block", () => {
    const config = "apiVersion: v1alpha1\nkind: HostnameConfig\nhostname: demo\n";
    const yaml = canonicalSchematicYaml(parseSchematic({ customization: { embeddedMachineConfiguration: config } }));
    expect(yaml).toBe("customization:\n    embeddedMachineConfiguration: |\n        apiVersion: v1alpha1\n        kind: HostnameConfig\n        hostname: demo\n");
    expect((parse(yaml) as { customization: { embeddedMachineConfiguration: string } }).customization.embeddedMachineConfiguration).toBe(config);
  });
});

describe("strict schematic validation", () => {
  const fieldOf = (document: unknown) => {
    try {
      parseSchematic(document);
    } catch (error) {
      expect(error).toBeInstanceOf(SchematicError);
      return (error as SchematicError).field;
    }
    throw new Error("accepted");
  };

  it("names unknown fields at any level", () => {
    expect(fieldOf({ customisation: {} })).toBe("customisation");
    expect(fieldOf({ customization: { bogus: 1 } })).toBe("customization.bogus");
    expect(fieldOf({ customization: { systemExtensions: { extensions: [] } } })).toBe("customization.systemExtensions.extensions");
    expect(fieldOf({ customization: { secureboot: { enabled: true } } })).toBe("customization.secureboot.enabled");
    expect(fieldOf({ overlay: { image: "x", name: "y", extra: 1 } })).toBe("overlay.extra");
    expect(fieldOf({ owner: "alice" })).toBe("owner");
  });

  it("names invalid values", () => {
    expect(fieldOf({ customization: { meta: [{ key: 256, value: "x" }] } })).toBe("customization.meta.0.key");
    expect(fieldOf({ customization: { bootloader: "lilo" } })).toBe("customization.bootloader");
    expect(fieldOf({ customization: { secureboot: { enrollKeys: "always" } } })).toBe("customization.secureboot.enrollKeys");
    expect(fieldOf({ overlay: { image: "siderolabs/sbc-raspberrypi" } })).toBe("overlay.name");
    expect(fieldOf({ customization: { extraKernelArgs: [""] } })).toBe("customization.extraKernelArgs.0");
  });
});

