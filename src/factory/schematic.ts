// Image Factory schematics: the strict shape the factory accepts (unknown fields are rejected, as
// the factory does), the canonical YAML it hashes (Go yaml.v3 marshalling: struct field order,
// 4-space indentation, omitempty), and the resulting schematic ID, computed locally so the
// server's answer can be checked.
import { createHash } from "node:crypto";
import { z } from "zod";

const plain = /^[A-Za-z0-9_][A-Za-z0-9_.,:=/+@-]*$/;
const plainString = (what: string) => z.string().max(256).regex(plain, `must be a plain ${what} (letters, digits and _.,:=/+@- ; no spaces or YAML syntax)`);

export const schematicSchema = z
  .object({
    overlay: z
      .object({ image: plainString("image name"), name: plainString("overlay name"), options: z.record(z.string().regex(/^[A-Za-z0-9_]+$/), z.union([z.string().regex(plain), z.number(), z.boolean()])).optional() })
      .strict()
      .optional(),
    customization: z
      .object({
        extraKernelArgs: z.array(plainString("kernel argument")).max(64).optional(),
        meta: z.array(z.object({ key: z.number().int().min(0).max(255), value: plainString("META value") }).strict()).max(32).optional(),
        systemExtensions: z.object({ officialExtensions: z.array(plainString("extension name")).max(64).optional() }).strict().optional(),
        secureboot: z.object({ includeWellKnownCertificates: z.boolean().optional() }).strict().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type Schematic = z.infer<typeof schematicSchema>;

/** The YAML Go's yaml.v3 writes for the factory's Schematic struct (what the factory hashes). */
export function canonicalSchematicYaml(schematic: Schematic): string {
  const lines: string[] = [];
  const pad = (depth: number) => "    ".repeat(depth);
  const list = (depth: number, key: string, values: (string | number)[] | undefined) => {
    if (!values?.length) return;
    lines.push(`${pad(depth)}${key}:`);
    for (const value of values) lines.push(`${pad(depth + 1)}- ${value}`);
  };
  const { overlay, customization } = schematic;
  if (overlay) {
    lines.push("overlay:", `${pad(1)}image: ${overlay.image}`, `${pad(1)}name: ${overlay.name}`);
    const options = Object.entries(overlay.options ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
    if (options.length) {
      lines.push(`${pad(1)}options:`);
      for (const [key, value] of options) lines.push(`${pad(2)}${key}: ${value}`);
    }
  }
  const body: string[] = [];
  const before = lines.length;
  list(1, "extraKernelArgs", customization.extraKernelArgs);
  if (customization.meta?.length) {
    lines.push(`${pad(1)}meta:`);
    for (const { key, value } of customization.meta) lines.push(`${pad(2)}- key: ${key}`, `${pad(3)}value: ${value}`);
  }
  if (customization.systemExtensions?.officialExtensions?.length) {
    lines.push(`${pad(1)}systemExtensions:`);
    list(2, "officialExtensions", customization.systemExtensions.officialExtensions);
  }
  if (customization.secureboot?.includeWellKnownCertificates) lines.push(`${pad(1)}secureboot:`, `${pad(2)}includeWellKnownCertificates: true`);
  body.push(...lines.splice(before));
  lines.push(body.length ? "customization:" : "customization: {}", ...body);
  return `${lines.join("\n")}\n`;
}

export function schematicId(schematic: Schematic): string {
  return createHash("sha256").update(canonicalSchematicYaml(schematic)).digest("hex");
}
