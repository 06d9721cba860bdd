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

// A node of the document to emit. Mappings are Maps so that key order is exactly the order Go
// writes (struct declaration order, or sorted map keys), whatever the keys look like.
type Node = string | number | boolean | null | Node[] | Mapping;
type Mapping = Map<string, Node>;

/** A struct: fields in declaration order, `undefined` ones omitted like Go's `omitempty`. */
function struct(fields: [string, Node | undefined][]): Mapping {
  return new Map(fields.filter((field): field is [string, Node] => field[1] !== undefined));
}

/** The canonical text the factory hashes. */
export function canonicalSchematicYaml(schematic: Schematic): string {
  const c = schematic.customization ?? {};
  const sb = c.secureboot;
  const extensions = nonEmpty(c.systemExtensions?.officialExtensions);
  const customization = struct([
    ["embeddedMachineConfiguration", c.embeddedMachineConfiguration || undefined],
    ["extraKernelArgs", nonEmpty(c.extraKernelArgs)],
    ["meta", nonEmpty(c.meta)?.map((m) => struct([["key", m.key], ["value", m.value]]))],
    ["systemExtensions", extensions && struct([["officialExtensions", extensions]])],
    // `auto` is the factory's zero value (no bootloader override), which omitempty drops.
    ["bootloader", c.bootloader && c.bootloader !== "auto" ? c.bootloader : undefined],
    ["secureboot", sb?.enrollKeys || sb?.includeWellKnownCertificates ? struct([["enrollKeys", sb.enrollKeys || undefined], ["includeWellKnownCertificates", sb.includeWellKnownCertificates || undefined]]) : undefined],
    ["diskImage", c.diskImage?.sectorSize ? struct([["sectorSize", c.diskImage.sectorSize]]) : undefined],
  ]);
  const overlay = schematic.overlay;
  const options = overlay?.options && Object.keys(overlay.options).length > 0 ? goValue(overlay.options) : undefined;
  const root = struct([
    ["overlay", overlay && struct([["image", overlay.image], ["name", overlay.name], ["options", options]])],
    ["customization", customization],
  ]);
  return emitMapping(root, 0);
}

export function schematicId(schematic: Schematic): string {
  return createHash("sha256").update(canonicalSchematicYaml(schematic)).digest("hex");
}

function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

/** A decoded `map[string]any` value, with map keys in the order Go's marshaller sorts them. */
function goValue(value: unknown): Node {
  if (Array.isArray(value)) return value.map(goValue);
  if (value !== null && typeof value === "object") {
    return new Map(Object.entries(value).sort(([a], [b]) => goKeyOrder(a, b)).map(([key, inner]) => [key, goValue(inner)]));
  }
  return value as Node;
}

const isDigit = (ch: string) => ch >= "0" && ch <= "9";
const isLetter = (ch: string) => /\p{L}/u.test(ch);

/**
 * Go yaml's "natural" key order: letters compare by code point, runs of digits by number
 * ("a9" < "a10"), and at a letter/non-letter difference the letter sorts first unless it
 * follows a digit.
 */
export function goKeyOrder(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  let afterDigit = false;
  for (let i = 0; i < ar.length && i < br.length; i += 1) {
    if (ar[i] === br[i]) {
      afterDigit = isDigit(ar[i]!);
      continue;
    }
    const aLetter = isLetter(ar[i]!);
    const bLetter = isLetter(br[i]!);
    if (aLetter && bLetter) return ar[i]!.codePointAt(0)! - br[i]!.codePointAt(0)!;
    if (aLetter || bLetter) return (afterDigit ? aLetter : bLetter) ? -1 : 1;
    // Both non-letters: compare the digit runs starting here as numbers. A zero that continues a
    // number with a non-zero digit before it counts, so a leading "1" keeps its length in play.
    const precedingDigits: string[] = [];
    for (let j = i - 1; j >= 0 && isDigit(ar[j]!); j -= 1) precedingDigits.push(ar[j]!);
    const start = (ar[i] === "0" || br[i] === "0") && precedingDigits.some((d) => d !== "0") ? 1n : 0n;
    const run = (chars: string[]) => {
      let end = i;
      let value = start;
      for (; end < chars.length && isDigit(chars[end]!); end += 1) value = value * 10n + BigInt(chars[end]!);
      return { end, value };
    };
    const an = run(ar);
    const bn = run(br);
    if (an.value !== bn.value) return an.value < bn.value ? -1 : 1;
    if (an.end !== bn.end) return an.end - bn.end;
    return ar[i]!.codePointAt(0)! - br[i]!.codePointAt(0)!;
  }
  return ar.length - br.length;
}

const INDENT = 4;

function isCollection(node: Node): node is Node[] | Mapping {
  return Array.isArray(node) || node instanceof Map;
}

function isEmptyCollection(node: Node): boolean {
  return Array.isArray(node) ? node.length === 0 : node instanceof Map && node.size === 0;
}

function emitMapping(map: Mapping, indent: number): string {
  return [...map].map(([key, value]) => `${" ".repeat(indent)}${scalar(key, indent)}:${emitValue(value, indent)}`).join("");
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
      // A mapping item starts on the dash's line; its other keys align under the first.
      if (item instanceof Map && item.size > 0) return dash + emitMapping(item, indent + 2).slice(indent + 2);
      if (Array.isArray(item) && item.length > 0) return `${dash.trimEnd()}\n${emitSequence(item, indent + INDENT)}`;
      return dash + emitValue(item, indent).slice(1);
    })
    .join("");
}

// Plain scalars that YAML would read back as something other than a string get double quotes.
const NON_STRING =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|<<|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?(?:0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|[0-9][0-9_]*)|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|\d{4}-\d{1,2}-\d{1,2}(?:[Tt ]\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d+)?(?:Z|[-+]\d{1,2}(?::?\d{2})?)?)?)$/;
const NON_PRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufeff\ufffe\uffff]|[\ud800-\udfff]/u;

function plainAllowed(s: string): boolean {
  if (s === "" || NON_STRING.test(s)) return false;
  if (/^\s|\s$/.test(s)) return false;
  if (/^(?:---|\.\.\.)/.test(s)) return false;
  if (/^[#,[\]{}&*!|>'"%@`]/.test(s)) return false;
  if (/^[-?:](?:\s|$)/.test(s)) return false;
  if (/:(?:\s|$)|\s#/.test(s)) return false;
  return !NON_PRINTABLE.test(s) && !s.includes("\t");
}

function scalar(value: Node, blockIndent: number): string {
  if (value === null) return "null";
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  const s = value as string;
  if (s.includes("\n") && !NON_PRINTABLE.test(s) && !s.endsWith(" ")) return literalBlock(s, blockIndent);
  if (plainAllowed(s)) return s;
  if (s === "" || NON_STRING.test(s) || NON_PRINTABLE.test(s) || s.includes("\t") || s.includes("\n")) return doubleQuoted(s);
  return `'${s.replaceAll("'", "''")}'`;
}

const ESCAPES: Record<string, string> = { "\0": "\\0", "\u0007": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r", "\u001b": "\\e", '"': '\\"', "\\": "\\\\", "\u0085": "\\N", "\u00a0": "\\_", "\u2028": "\\L", "\u2029": "\\P" };

function doubleQuoted(s: string): string {
  const escaped = [...s].map((ch) => {
    if (ESCAPES[ch]) return ESCAPES[ch];
    if (!NON_PRINTABLE.test(ch)) return ch;
    const code = ch.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, "0")}` : `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
  });
  return `"${escaped.join("")}"`;
}

/** `|` keeps one final newline, `|-` none, `|+` several; an indentation digit when text starts with a space. */
function literalBlock(s: string, indent: number): string {
  const chomp = !s.endsWith("\n") ? "-" : s.endsWith("\n\n") ? "+" : "";
  const hint = /^[ \n]/.test(s) ? String(INDENT) : "";
  const lines = (s.endsWith("\n") ? s.slice(0, -1) : s).split("\n");
  return `|${hint}${chomp}\n${lines.map((line) => (line === "" ? "" : " ".repeat(indent) + line)).join("\n")}`;
}
