// The Omni resource definitions (type, default namespace, aliases, print columns, sensitivity, spec
// message) read from the Go sources of the pinned Omni client module, so the simulated Omni
// registers exactly the types the real one does and omnictl resolves `get clusters` the same way.
// Each resource file declares `XType = resource.Type("…")`, `XSpec = protobuf.ResourceSpec[specs.Y, …]`
// and a `ResourceDefinitionSpec{…}` literal; this is a reader of those three forms, not a Go parser.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface OmniResourceDefinition {
  type: string;
  namespace: string;
  /** Fully qualified protobuf message of the spec, e.g. specs.ClusterSpec. */
  specMessage?: string;
  aliases: string[];
  printColumns: { name: string; jsonPath: string }[];
  sensitive: boolean;
}

/** `const XNamespace resource.Namespace = "…"` (and `= Other + "-suffix"`) from resources.go. */
export function parseNamespaces(source: string): Record<string, string> {
  const namespaces: Record<string, string> = {};
  for (const match of source.matchAll(/const (\w+) resource\.Namespace = (.+)/g)) {
    const value = match[2]!.split("+").map((part) => part.trim()).map((part) => (part.startsWith('"') ? part.slice(1, -1) : namespaces[part] ?? ""));
    namespaces[match[1]!] = value.join("");
  }
  return namespaces;
}

/** The definitions declared in one resource source file. */
export function parseDefinitions(source: string, namespaces: Record<string, string>): OmniResourceDefinition[] {
  const types = new Map<string, string>();
  for (const match of source.matchAll(/(\w+)Type\s*=\s*resource\.Type\("([^"]+)"\)/g)) types.set(match[1]!, match[2]!);
  const specs = new Map<string, string>();
  for (const match of source.matchAll(/type (\w+)Spec = protobuf\.ResourceSpec\[specs\.(\w+),/g)) specs.set(match[1]!, `specs.${match[2]}`);
  // `type Config = typed.Resource[ConfigSpec, ConfigExtension]`: the spec of the extension whose ResourceDefinition
  // declares the type, as the Go names need not match (AuthConfigType's spec is ConfigSpec).
  const specOfExtension = new Map<string, string>();
  for (const match of source.matchAll(/typed\.Resource\[(\w+)Spec,\s*(\w+)\]/g)) specOfExtension.set(match[2]!, match[1]!);

  const definitions: OmniResourceDefinition[] = [];
  for (const match of source.matchAll(/ResourceDefinitionSpec\{([\s\S]*?)\n\t\}/g)) {
    const body = match[1]!;
    const goName = /Type:\s*(\w+)Type,/.exec(body)?.[1];
    const type = goName ? types.get(goName) : undefined;
    if (!goName || !type) continue;
    const extension = [...source.slice(0, match.index).matchAll(/func \((?:\w+ )?\*?(\w+)\) ResourceDefinition\(\)/g)].at(-1)?.[1];
    const specName = extension ? specOfExtension.get(extension) : undefined;
    const nsRef = /DefaultNamespace:\s*(?:resources\.)?(\w+),/.exec(body)?.[1];
    const aliasBlock = /Aliases:\s*\[\]resource\.Type\{([^}]*)\}/.exec(body)?.[1] ?? "";
    definitions.push({
      type,
      namespace: (nsRef && namespaces[nsRef]) || "default",
      specMessage: (specName && specs.get(specName)) || specs.get(goName),
      aliases: [...aliasBlock.matchAll(/"([^"]+)"/g)].map((m) => m[1]!),
      printColumns: [...body.matchAll(/Name:\s*"([^"]+)",\s*JSONPath:\s*"([^"]+)"/g)].map((m) => ({ name: m[1]!, jsonPath: m[2]! })),
      sensitive: /Sensitivity:\s*meta\.Sensitive/.test(body),
    });
  }
  return definitions;
}

/** Every definition under the client module's pkg/omni/resources tree. */
export function loadOmniDefinitions(resourcesDir: string): OmniResourceDefinition[] {
  if (!existsSync(join(resourcesDir, "resources.go"))) throw new Error(`the Omni resource sources are missing under ${resourcesDir}: run \`npm run clis\``);
  const namespaces = parseNamespaces(readFileSync(join(resourcesDir, "resources.go"), "utf8"));
  const definitions: OmniResourceDefinition[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((x, y) => (x.name < y.name ? -1 : 1));
    const sources = new Map(entries.filter((e) => e.isFile() && e.name.endsWith(".go") && !e.name.endsWith("_test.go")).map((e) => [e.name, readFileSync(join(dir, e.name), "utf8")]));
    // A package may declare its own namespace (oidc.NamespaceName = "oidc"); resources.go's names win on a clash.
    const packageNamespaces = { ...parseNamespaces([...sources.values()].join("\n")), ...namespaces };
    for (const entry of entries) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (sources.has(entry.name)) definitions.push(...parseDefinitions(sources.get(entry.name)!, packageNamespaces));
    }
  };
  walk(resourcesDir);
  return definitions;
}
