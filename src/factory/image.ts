// A custom image through Image Factory, as image-schematic offers it: official extensions checked
// against the factory's list for the Talos version (with "did you mean"), the schematic posted in
// canonical form, and the factory's id checked against the locally computed one before any URL is
// handed out.
import { ToolError } from "../server/errors.js";
import { nearest } from "../policy/command-check.js";
import type { FactoryClient } from "./client.js";
import { canonicalSchematicYaml, schematicId, type Schematic } from "./schematic.js";

/** Refuses extension names the factory does not list as official for `talosVersion`. */
export async function assertOfficialExtensions(client: FactoryClient, talosVersion: string, extensions: string[], signal?: AbortSignal): Promise<void> {
  if (extensions.length === 0) return;
  const official = await client.officialExtensions(talosVersion, signal).catch((error: Error) => {
    throw new ToolError(`cannot read the official extension list: ${error.message}`, { field: "talosVersion", next: "check the Talos version and --factory-url" });
  });
  const names = new Set(official.map((e) => e.name));
  const unknown = extensions.filter((name) => !names.has(name));
  if (unknown.length === 0) return;
  const suggestions = unknown.map((name) => nearest(name, [...names])).filter((name): name is string => name !== undefined);
  throw new ToolError(`unknown extension(s) for Talos ${talosVersion}: ${unknown.join(", ")}`, {
    field: "extensions",
    next: `use official names${suggestions.length > 0 ? ` (did you mean ${suggestions.join(", ")}?)` : ""}; the full list is GET ${client.baseUrl}/version/${talosVersion}/extensions/official`,
  });
}

/** Posts the schematic and returns its id, refusing an id that differs from the local hash. */
export async function createVerifiedSchematic(client: FactoryClient, schematic: Schematic, signal?: AbortSignal): Promise<{ id: string; yaml: string }> {
  const yaml = canonicalSchematicYaml(schematic);
  const expected = schematicId(schematic);
  const id = await client.createSchematic(yaml, signal).catch((error: Error) => {
    throw new ToolError(error.message, { next: "check the extensions, overlay and kernel args, and --factory-url" });
  });
  if (id !== expected) {
    throw new ToolError(`Image Factory answered schematic id ${id}, but the schematic hashes to ${expected}`, { next: "the factory may run an incompatible version; do not use this id" });
  }
  return { id, yaml };
}
