// Image Factory schematics: the strict format the factory accepts, and its canonical text. The
// factory names a schematic by the sha256 of its own re-marshalled YAML (Go yaml, 4-space indent,
// struct fields in declaration order, empty fields omitted except `customization`). Computing the
// same text here lets us check the factory's answer instead of trusting it.
import { createHash } from "node:crypto";
import { z } from "zod";

export const BOOTLOADERS = ["auto", "dual-boot", "sd-boot", "grub"] as const;
export const ENROLL_KEYS = ["off", "manual", "if-safe", "force"] as const;

/** Fixed point of the format: `customization: {}`. */
export const EMPTY_SCHEMATIC_ID = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";

const optionValue: z.ZodType<unknown> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(optionValue), z.record(z.string(), optionValue)]));

/** The schematic document, field for field as the factory parses it (unknown fields rejected). */
export const schematicSchema = z
  .object({
    overlay: z
      .object({
        image: z.string().min(1, "must name the overlay image, e.g. siderolabs/sbc-raspberrypi"),
        name: z.string().min(1, "must name the overlay, e.g. rpi_generic"),
        options: z.record(z.string(), optionValue).optional(),
      })
      .strict()
      .optional(),
    customization: z
      .object({
        embeddedMachineConfiguration: z.string().optional(),
        extraKernelArgs: z.array(z.string().min(1, "must not be empty")).optional(),
        meta: z.array(z.object({ key: z.number().int().min(0).max(255), value: z.string() }).strict()).optional(),
        systemExtensions: z.object({ officialExtensions: z.array(z.string()).optional() }).strict().optional(),
        bootloader: z.enum(BOOTLOADERS).optional(),
        secureboot: z.object({ enrollKeys: z.enum(ENROLL_KEYS).optional(), includeWellKnownCertificates: z.boolean().optional() }).strict().optional(),
        diskImage: z.object({ sectorSize: z.number().int().min(0).optional() }).strict().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type Schematic = z.infer<typeof schematicSchema>;

/** Parses a schematic document; the error names the first field at fault, as a dotted path. */
export function parseSchematic(document: unknown): Schematic {
  const result = schematicSchema.safeParse(document);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const unknown = issue.code === "unrecognized_keys" ? issue.keys.map((key) => [...issue.path, key].join(".")) : [];
  const field = unknown.length > 0 ? unknown.join(", ") : issue.path.join(".") || "(schematic)";
  const reason = unknown.length > 0 ? "is not a schematic field (customization: extraKernelArgs, meta, systemExtensions, bootloader, secureboot, diskImage, embeddedMachineConfiguration; overlay: image, name, options)" : issue.message;
  throw new SchematicError(field, reason);
}

export class SchematicError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`schematic field ${field}: ${reason}`);
    this.name = "SchematicError";
  }
}

// A node of the document to emit; `undefined` entries are omitted like Go's `omitempty`.
type Node = string | number | boolean | null | Node[] | { [key: string]: Node | undefined };

/** The canonical text the factory hashes. */
export function canonicalSchematicYaml(schematic: Schematic): string {
  const c = schematic.customization ?? {};
  const sb = c.secureboot;
  const customization: Record<string, Node | undefined> = {
    embeddedMachineConfiguration: c.embeddedMachineConfiguration || undefined,
    extraKernelArgs: nonEmpty(c.extraKernelArgs),
    meta: nonEmpty(c.meta)?.map((m) => ({ key: m.key, value: m.value })),
    systemExtensions: nonEmpty(c.systemExtensions?.officialExtensions) ? { officialExtensions: c.systemExtensions!.officialExtensions! } : undefined,
    bootloader: c.bootloader && c.bootloader !== "auto" ? c.bootloader : undefined,
    secureboot:
      sb?.enrollKeys || sb?.includeWellKnownCertificates
        ? { enrollKeys: sb.enrollKeys || undefined, includeWellKnownCertificates: sb.includeWellKnownCertificates || undefined }
        : undefined,
    diskImage: c.diskImage?.sectorSize ? { sectorSize: c.diskImage.sectorSize } : undefined,
  };
  const overlay = schematic.overlay;
  const root: Record<string, Node | undefined> = {
    overlay: overlay ? { image: overlay.image, name: overlay.name, options: overlay.options && Object.keys(overlay.options).length > 0 ? sortedKeys(overlay.options as Node) : undefined } : undefined,
    customization,
  };
  return emitMapping(root, 0);
}

export function schematicId(schematic: Schematic): string {
  return createHash("sha256").update(canonicalSchematicYaml(schematic)).digest("hex");
}

function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

const INDENT = 4;

function present(map: Record<string, Node | undefined>): [string, Node][] {
  return Object.entries(map).filter((entry): entry is [string, Node] => entry[1] !== undefined);
}

function isCollection(node: Node): node is Node[] | Record<string, Node> {
  return node !== null && typeof node === "object";
}

function isEmptyCollection(node: Node): boolean {
  return Array.isArray(node) ? node.length === 0 : isCollection(node) && present(node).length === 0;
}

// Go writes struct fields in declaration order but sorts the keys of maps (overlay options).
function sortedKeys(node: Node): Node {
  if (Array.isArray(node)) return node.map(sortedKeys);
  if (!isCollection(node)) return node;
  return Object.fromEntries(present(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => [key, sortedKeys(value)]));
}

function emitMapping(map: Record<string, Node | undefined>, indent: number): string {
  const entries = present(map);
  return entries.map(([key, value]) => `${" ".repeat(indent)}${scalar(key, indent)}:${emitValue(value, indent)}`).join("");
}

/** The part after `key:` (or `- `): inline scalar or empty collection, else a nested block. */
function emitValue(value: Node, indent: number): string {
  if (!isCollection(value)) return ` ${scalar(value, indent + INDENT)}\n`;
  if (isEmptyCollection(value)) return Array.isArray(value) ? " []\n" : " {}\n";
  return `\n${Array.isArray(value) ? emitSequence(value, indent + INDENT) : emitMapping(value, indent + INDENT)}`;
}

function emitSequence(items: Node[], indent: number): string {
  return items
    .map((item) => {
      const dash = `${" ".repeat(indent)}- `;
      if (isCollection(item) && !Array.isArray(item) && !isEmptyCollection(item)) {
        // The first key shares the dash's line; the rest align under it.
        return dash + emitMapping(item, indent + 2).slice(indent + 2);
      }
      if (Array.isArray(item) && item.length > 0) return dash.trimEnd() + `\n${emitSequence(item, indent + INDENT)}`;
      return dash + emitValue(item, indent).slice(1);
    })
    .join("");
}

// Plain scalars that YAML would read back as something other than a string get quoted.
const NON_STRING = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?(?:0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|[0-9][0-9_]*)|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?)$/;

function plainAllowed(s: string): boolean {
  if (s === "" || NON_STRING.test(s)) return false;
  if (/^[\s]|[\s]$/.test(s)) return false;
  if (/^(?:---|\.\.\.)/.test(s)) return false;
  if (/^[#,[\]{}&*!|>'"%@`]/.test(s)) return false;
  if (/^[-?:](?:\s|$)/.test(s)) return false;
  if (/:(?:\s|$)|\s#/.test(s)) return false;
  // Control characters and other non-printables force quoting.
  return !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufeff]|\t/.test(s);
}

function scalar(value: Node, blockIndent: number): string {
  if (value === null) return "null";
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  const s = value as string;
  if (s.includes("\n") && !/[\u0000-\u0008\u000b-\u001f]/.test(s) && !/^\s/.test(s)) return literalBlock(s, blockIndent);
  if (plainAllowed(s)) return s;
  if (s === "" || NON_STRING.test(s) || /[\u0000-\u001f\u007f-\u009f\ufeff]/.test(s)) return JSON.stringify(s);
  return `'${s.replaceAll("'", "''")}'`;
}

function literalBlock(s: string, indent: number): string {
  const chomp = s.endsWith("\n") ? (s.endsWith("\n\n") ? "+" : "") : "-";
  const body = (chomp === "-" ? s : s.replace(/\n+$/, (tail) => (chomp === "+" ? tail.slice(1) : ""))).split("\n");
  return `|${chomp}\n${body.map((line) => (line === "" ? "" : " ".repeat(indent) + line)).join("\n")}`.replace(/\n$/, "");
}
