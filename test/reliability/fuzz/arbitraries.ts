// Inputs for the fuzzer, generated from each tool's published JSON input schema with fast-check:
// values that fit the schema, values that look right (cluster names, node addresses, workspace
// paths — so calls get past validation and reach the CLI), and known attacks (flags, path
// escapes, control characters, huge strings, YAML bombs, prototype keys), mixed and combined.
import fc from "fast-check";

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
};

export interface Vocabulary {
  /** Values a well-meaning agent would pass: names, addresses, workspace paths. */
  plausible: string[];
  /** Narrows `plausible` for one top-level field (e.g. to values its own validation accepts). */
  plausibleFor?(field: string): string[];
  /** Paths outside the workspace the fuzzer aims at (the canary tree, symlinks to it). */
  escapes: string[];
}

const MEGABYTE = "A".repeat(1_000_000);
const deep = (open: string, close: string, depth: number) => open.repeat(depth) + close.repeat(depth);

/** Strings known to have broken tools like this one somewhere. */
export const ATTACK_STRINGS: string[] = [
  // Flags and flag-like values, `=`-joined, short, and with look-alike dashes.
  "-n",
  "-e",
  "--",
  "-",
  "-rf",
  "--nodes",
  "--nodes=10.0.0.66",
  "--talosconfig=/etc/passwd",
  "--endpoints=10.0.0.66",
  "--context=other",
  "--cluster=other",
  "--omniconfig=/tmp/x",
  "--siderov1-keys-dir=/tmp",
  "--insecure-skip-tls-verify",
  "--output=/tmp/talos-mcp-fuzz-escape",
  "--patch=@/etc/shadow",
  "--insecure",
  "--force",
  "—nodes=10.0.0.66",
  "–talosconfig=/etc/passwd",
  "−−endpoints",
  "‐‐context",
  "－－nodes",
  "\u2010n",
  // Shell syntax (there is no shell, but it must stay inert).
  "; rm -rf /",
  "$(id)",
  "`id`",
  "| cat /etc/passwd",
  "&& reboot",
  // Paths.
  "..",
  "../",
  "../../etc/passwd",
  "/etc/passwd",
  "/proc/self/environ",
  "~/.talos/config",
  "file:///etc/passwd",
  "%2e%2e/%2e%2e/etc/passwd",
  "..\\..\\etc\\passwd",
  "demo/../../..",
  "./.talos-mcp-tmp",
  ".talos-mcp-tmp/../..",
  // Control characters and encodings.
  "\u0000",
  "demo\u0000.yaml",
  "demo\n--nodes=10.0.0.66",
  "demo\r\nx",
  "\u202edemo",
  "\ufeffdemo",
  "d\u0435mo",
  // Sizes.
  "",
  " ",
  MEGABYTE,
  "a".repeat(70_000),
  // YAML and JSON that explode when parsed naively.
  'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n',
  deep("[", "]", 10_000),
  deep("{a: ", "}", 5_000),
  deep('{"a":', "}", 10_000),
  "machine: !!js/function 'function(){}'\n",
  "machine:\n  <<: *undefined\n",
  "--- !!python/object/apply:os.system ['id']\n",
  '[{"op": "replace", "path": "/machine/ca", "value": {"crt": "x", "key": "y"}}]',
  "cluster:\n  ca:\n    crt: eA==\n    key: eQ==\n",
  // Prototype keys as values.
  "__proto__",
  "constructor",
  "prototype",
];

/** Object keys an attacker adds: prototype pollution, and fields that pick targets. */
const EXTRA_KEYS = ["__proto__", "constructor", "prototype", "talosconfig", "endpoints", "nodes", "argv", "planToken", "confirm", "reveal", "insecure", "force"];

function jsonish(): fc.Arbitrary<unknown> {
  return fc.oneof(fc.string({ maxLength: 16 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(...ATTACK_STRINGS), fc.constant({ polluted: "yes" }), fc.constant([1, "two"]));
}

/**
 * How hostile a generated value may be: "clean" values fit the schema or look right (so calls get
 * past validation and reach policy, consent and the CLI); "wild" ones may be anything.
 */
type Mode = "clean" | "wild";

function stringArbitrary(schema: Schema, vocab: Vocabulary, mode: Mode): fc.Arbitrary<unknown> {
  const maxLength = Math.min(schema.maxLength ?? 64, 64);
  const conforming = schema.pattern
    ? fc.stringMatching(new RegExp(schema.pattern))
    : fc.string({ minLength: Math.max(1, Math.min(schema.minLength ?? 0, maxLength)), maxLength, unit: "grapheme-composite" });
  const plausible = fc.constantFrom(...vocab.plausible);
  if (mode === "clean") return fc.oneof({ weight: 1, arbitrary: conforming }, { weight: 3, arbitrary: plausible });
  const attack = fc.constantFrom(...ATTACK_STRINGS, ...vocab.escapes);
  const combined = fc.tuple(fc.oneof(plausible, conforming), attack, fc.constantFrom("", "/", " ", ",", "=", "\n", "@")).map(([a, b, glue]) => `${a}${glue}${b}`);
  return fc.oneof(
    { weight: 3, arbitrary: conforming },
    { weight: 4, arbitrary: plausible },
    { weight: 3, arbitrary: attack },
    { weight: 2, arbitrary: combined },
    { weight: 1, arbitrary: jsonish() },
  );
}

function numberArbitrary(schema: Schema, mode: Mode): fc.Arbitrary<unknown> {
  const integer = schema.type === "integer";
  const min = schema.minimum ?? -1_000_000;
  const max = schema.maximum ?? 1_000_000;
  // Small values in range: a generated timeout of hours would only make calls wait.
  if (mode === "clean") return integer ? fc.integer({ min, max: Math.min(max, Math.max(min, 5)) }) : fc.double({ min, max: Math.min(max, Math.max(min, 5)), noNaN: true });
  return fc.oneof(
    { weight: 5, arbitrary: integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(min - 1, max + 1, -1, 0, 1e300, Number.MAX_SAFE_INTEGER + 2, 0.5, -0) },
    { weight: 1, arbitrary: jsonish() },
  );
}

function objectArbitrary(schema: Schema, vocab: Vocabulary, depth: number, mode: Mode): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const required = schema.required ?? [];
  // At the top level each field draws plausible values meant for it (a node address for nodes).
  const vocabFor = (key: string): Vocabulary => {
    const narrowed = depth === 0 ? vocab.plausibleFor?.(key) : undefined;
    return narrowed?.length ? { ...vocab, plausible: narrowed } : vocab;
  };
  const record = (fieldMode: (key: string) => Mode) =>
    fc.record(Object.fromEntries(Object.entries(properties).map(([key, child]) => [key, schemaArbitrary(child, vocabFor(key), depth + 1, fieldMode(key))])), {
      requiredKeys: required.filter((key) => key in properties),
    }) as fc.Arbitrary<Record<string, unknown>>;
  if (mode === "clean") return record(() => "clean");
  // Mostly one hostile field among clean ones (each attack meets a call that is otherwise valid),
  // sometimes everything hostile at once.
  const keys = Object.keys(properties);
  const oneWildField = keys.length ? fc.constantFrom(...keys).chain((wild) => record((key) => (key === wild ? "wild" : "clean"))) : record(() => "clean");
  const base = fc.oneof({ weight: 4, arbitrary: oneWildField }, { weight: 1, arbitrary: record(() => "wild") });
  const extras = fc.option(fc.dictionary(fc.constantFrom(...EXTRA_KEYS), jsonish(), { maxKeys: 2 }), { freq: 6 });
  const dropRequired = fc.option(fc.constantFrom(...(required.length ? required : ["-"])), { freq: 8 });
  return fc.tuple(base, extras, dropRequired).map(([object, extra, drop]) => {
    const out: Record<string, unknown> = { ...object };
    if (drop) delete out[drop];
    // Own properties, as JSON.parse makes them: `__proto__` becomes a key, not a prototype.
    for (const [key, value] of Object.entries(extra ?? {})) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    return out;
  });
}

export function schemaArbitrary(schema: Schema, vocab: Vocabulary, depth: number, mode: Mode): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((branch) => schemaArbitrary(branch, vocab, depth, mode)));
  if (schema.enum) return mode === "clean" ? fc.constantFrom(...schema.enum) : fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...schema.enum) }, { weight: 1, arbitrary: stringArbitrary({}, vocab, mode) });
  switch (schema.type) {
    case "string":
      return stringArbitrary(schema, vocab, mode);
    case "integer":
    case "number":
      return numberArbitrary(schema, mode);
    case "boolean":
      return mode === "clean" ? fc.boolean() : fc.oneof({ weight: 6, arbitrary: fc.boolean() }, { weight: 1, arbitrary: jsonish() });
    case "array": {
      const items = schema.items ? schemaArbitrary(schema.items, vocab, depth + 1, mode) : jsonish();
      const maxLength = Math.min(schema.maxItems ?? 6, 6);
      if (mode === "clean") return fc.uniqueArray(items, { minLength: Math.min(schema.minItems ?? 0, maxLength), maxLength: Math.min(maxLength, 3), selector: (value) => JSON.stringify(value) });
      return fc.oneof(
        { weight: 6, arbitrary: fc.array(items, { minLength: Math.min(schema.minItems ?? 0, maxLength), maxLength }) },
        { weight: 1, arbitrary: fc.array(items, { maxLength: (schema.maxItems ?? 6) + 2 }) },
        { weight: 1, arbitrary: jsonish() },
      );
    }
    case "object":
      return depth > 4 ? jsonish() : objectArbitrary(schema, vocab, depth, mode);
    default:
      return jsonish();
  }
}

/** Arguments for one tool call: an object built from the input schema. */
export function argumentsFor(inputSchema: Schema, vocab: Vocabulary): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(
    { weight: 1, arbitrary: objectArbitrary(inputSchema, vocab, 0, "clean") },
    { weight: 2, arbitrary: objectArbitrary(inputSchema, vocab, 0, "wild") },
  ) as fc.Arbitrary<Record<string, unknown>>;
}
