// The protobuf form of COSI resource specs (`proto_spec`), encoded with the REAL messages of the
// pinned Talos API (api/resource/definitions/**). Talos's COSI server sends every resource twice:
// `yaml_spec` (what `talosctl get` prints) and `proto_spec` (what typed clients decode — e.g.
// `talosctl upgrade-k8s` reads StaticPodStatus and KubeletSpec this way). The simulator writes each
// spec once, in its YAML form (Go's field names and value texts), and this module derives the
// protobuf form from it, field by field, by the message's own schema. Anything it cannot map is an
// error, so a spec that drifts from the real message fails the unit test instead of reaching a client.
import { existsSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import protobuf from "protobufjs";

/** How one spec maps onto its message where Go's YAML differs from the .proto field names. */
export interface ProtoMapping {
  /** Fully qualified message name, e.g. talos.resource.definitions.network.AddressStatusSpec. */
  message: string;
  /**
   * The value to encode when it is not the YAML spec itself: Go specs whose MarshalYAML prints
   * one member (a static pod's pod status) or a different text (a machine config's raw bytes).
   */
  protoInput?: (spec: unknown) => unknown;
}

/**
 * Where Go's YAML tag and the .proto field name differ beyond case and underscores (the generated
 * .proto names follow the Go field, the YAML the tag): message → YAML key → proto field.
 */
const FIELD_RENAMES: Record<string, Record<string, string>> = {
  "talos.resource.definitions.network.RouteStatusSpec": { dst: "destination", src: "source" },
  "talos.resource.definitions.network.TimeServerStatusSpec": { timeServers: "ntp_servers" },
  "talos.resource.definitions.cluster.ControlPlane": { port: "api_server_port" },
  "talos.resource.definitions.hardware.ProcessorSpec": { maxSpeedMhz: "max_speed", bootSpeedMhz: "boot_speed" },
  "talos.resource.definitions.hardware.MemoryModuleSpec": { sizeMiB: "size" },
  "talos.resource.definitions.block.VolumeStatusSpec": { symlink: "symlink_spec" },
  "talos.resource.definitions.k8s.APIServerConfigSpec": { serviceCIDR: "service_cid_rs" },
};

/** Go texts of enum values whose .proto name is spelled differently: enum → text → value name. */
const ENUM_TEXTS: Record<string, Record<string, string>> = {
  "talos.resource.definitions.enums.NethelpersLinkType": { loopback: "LINK_LOOPBCK", nohdr: "LINK_NONE" },
};

/** Bit names of Talos's flag types (nethelpers.LinkFlags, AddressFlags), lowest bit first. */
const FLAG_BITS: Record<string, string[]> = {
  "talos.resource.definitions.network.LinkStatusSpec.flags": ["UP", "BROADCAST", "DEBUG", "LOOPBACK", "POINTTOPOINT", "NOTRAILERS", "RUNNING", "NOARP", "PROMISC", "ALLMULTI", "MASTER", "SLAVE", "MULTICAST", "PORTSEL", "AUTOMEDIA", "DYNAMIC", "LOWER_UP", "DORMANT", "ECHO"],
  "talos.resource.definitions.network.AddressStatusSpec.flags": ["temporary", "nodad", "optimistic", "dadfailed", "homeaddress", "deprecated", "tentative", "permanent", "mngmtmpaddr", "noprefixroute", "mcautojoin", "stableprivacy"],
  "talos.resource.definitions.network.RouteStatusSpec.flags": ["notify", "cloned", "equalize", "prefix", "lookup_table", "fib_match", "offload", "trap"],
};

/**
 * A Go time.Time in a spec: Go's YAML prints it as a plain RFC 3339 timestamp (fraction without
 * trailing zeros), unlike a string that merely looks like one (which it quotes).
 */
export class GoTime {
  constructor(readonly date: Date) {}

  toString(): string {
    return this.date.toISOString().replace(/\.(\d*?)0*Z$/, (_, digits: string) => (digits ? `.${digits}Z` : "Z"));
  }
}

const normalize = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");

function ipBytes(address: string): Buffer {
  if (isIP(address) === 4) return Buffer.from(address.split(".").map(Number));
  if (isIP(address) !== 6) throw new Error(`not an IP address: ${address}`);
  const [head, tail = ""] = address.split("::") as [string, string?];
  const groups = (part: string) => (part ? part.split(":") : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = address.includes("::") ? [...groups(head), ...Array(missing).fill("0"), ...groups(tail)] : groups(head);
  return Buffer.from(all.flatMap((group) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff]));
}

function splitHostPort(text: string): [string, number] {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!match) throw new Error(`not an address:port: ${text}`);
  return [match[1]!, Number(match[2])];
}

/** Go's time.Duration text ("1m30s", "250ms") → seconds and nanos. */
function duration(text: string): { seconds: number; nanos: number } {
  const units: Record<string, number> = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, us: 1e3, "µs": 1e3, ns: 1 };
  let nanos = 0;
  for (const [, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)/g)) nanos += Number(value) * units[unit!]!;
  if (text !== "0s" && nanos === 0) throw new Error(`not a Go duration: ${text}`);
  const sign = text.startsWith("-") ? -1 : 1;
  return { seconds: sign * Math.floor(nanos / 1e9), nanos: sign * Math.round(nanos % 1e9) };
}

// google.protobuf.Value / Struct, field names as written in struct.proto (renamed to the loaded
// type's own spelling by `named`: protobufjs may bring its built-in, camelCase copy).
function structValue(value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return { null_value: 0 };
  if (typeof value === "number") return { number_value: value };
  if (typeof value === "string") return { string_value: value };
  if (typeof value === "boolean") return { bool_value: value };
  if (Array.isArray(value)) return { list_value: { values: value.map(structValue) } };
  return { struct_value: struct(value as Record<string, unknown>) };
}

const struct = (object: Record<string, unknown>) => ({ fields: Object.fromEntries(Object.entries(object).map(([key, value]) => [key, structValue(value)])) });

/** `object` with each key spelled as `type` spells its field, recursively through message fields. */
function named(type: protobuf.Type, object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(object).map(([key, value]) => {
      const field = type.fieldsArray.find((candidate) => normalize(candidate.name) === normalize(key));
      if (!field) throw new Error(`${type.fullName} has no field ${key}`);
      field.resolve();
      const inner = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
      const convert = (item: unknown) => (inner && item && typeof item === "object" && !Buffer.isBuffer(item) ? named(inner, item as Record<string, unknown>) : item);
      if (field.map) return [field.name, Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, convert(v)]))];
      return [field.name, Array.isArray(value) ? value.map(convert) : convert(value)];
    }),
  );
}

/** The message types whose YAML form is a single text (netip, url, timestamps…). */
const TEXT_MESSAGES: Record<string, (text: string) => Record<string, unknown>> = {
  // A zero netip value prints as "" and encodes as an empty message.
  "common.NetIP": (text) => (text ? { ip: ipBytes(text) } : {}),
  "common.NetIPPrefix": (text) => {
    if (!text) return {};
    const [ip, bits] = text.split("/") as [string, string];
    return { ip: ipBytes(ip), prefix_length: Number(bits) };
  },
  "common.NetIPPort": (text) => {
    if (!text) return {};
    const [ip, port] = splitHostPort(text);
    return { ip: ipBytes(ip), port };
  },

  "google.protobuf.Timestamp": (text) => {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${text}`);
    return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
  },
  "google.protobuf.Duration": duration,
};

export class SpecEncoder {
  private readonly root = new protobuf.Root();
  private readonly loaded = new Set<string>();

  /** `includeDirs`: the pinned Talos API directory (api/ of the Talos module), then Google's protos. */
  constructor(includeDirs: string[]) {
    this.root.resolvePath = (_origin, target) => includeDirs.map((dir) => join(dir, target)).find((path) => existsSync(path)) ?? target;
  }

  /** Loads the .proto file that defines `message` on first use (a family at a time: start-up stays fast). */
  private type(message: string): protobuf.Type {
    const family = /^talos\.resource\.definitions\.(\w+)\./.exec(message)?.[1];
    const file = family ? `resource/definitions/${family}/${family}.proto` : message.startsWith("resource.config.") ? "resource/config/config.proto" : undefined;
    if (!file) throw new Error(`no Talos proto file for ${message}`);
    if (!this.loaded.has(file)) {
      this.root.loadSync(file, { keepCase: true });
      this.root.resolveAll();
      this.loaded.add(file);
    }
    return this.root.lookupType(message);
  }

  encode(spec: unknown, mapping: ProtoMapping): Buffer {
    const type = this.type(mapping.message);
    const yaml = mapping.protoInput ? mapping.protoInput(spec) : spec;
    const object = this.messageObject(type, yaml, mapping, mapping.message);
    const error = type.verify(object);
    if (error) throw new Error(`${mapping.message}: ${error}`);
    return Buffer.from(type.encode(type.fromObject(object)).finish());
  }

  private messageObject(type: protobuf.Type, yaml: unknown, mapping: ProtoMapping, path: string): Record<string, unknown> {
    const full = type.fullName.replace(/^\./, "");
    const text = TEXT_MESSAGES[full];
    if (yaml instanceof GoTime) yaml = yaml.toString();
    if (text) {
      if (typeof yaml !== "string") throw new Error(`${path}: expected text for ${full}`);
      return named(type, text(yaml));
    }
    // Go's YAML has no text form for *url.URL: it prints the struct (scheme, host, path…).
    if (full === "common.URL") {
      const url = yaml as { scheme: string; host: string; path: string };
      return named(type, { full_path: `${url.scheme}://${url.host}${url.path}` });
    }
    if (full === "google.protobuf.Struct") return named(type, struct(yaml as Record<string, unknown>));
    if (!yaml || typeof yaml !== "object" || Array.isArray(yaml)) throw new Error(`${path}: expected a mapping for ${full}`);
    const renames = FIELD_RENAMES[full] ?? {};
    const object: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(yaml)) {
      const field = type.fields[renames[key] ?? ""] ?? type.fieldsArray.find((candidate) => normalize(candidate.name) === normalize(key));
      if (!field) throw new Error(`${path}.${key}: no field of ${full} matches`);
      if (value === undefined || value === null) continue;
      object[field.name] = this.fieldValue(field, value, mapping, `${path}.${key}`);
    }
    return object;
  }

  private fieldValue(field: protobuf.Field, value: unknown, mapping: ProtoMapping, path: string): unknown {
    // A map field's type is its value type.
    if (field.map) return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, this.single(field, item, mapping, `${path}.${key}`)]));
    if (field.repeated) {
      if (!Array.isArray(value)) throw new Error(`${path}: expected a list`);
      return value.map((item, index) => this.single(field, item, mapping, `${path}.${index}`));
    }
    return this.single(field, value, mapping, path);
  }

  private single(field: protobuf.Field, value: unknown, mapping: ProtoMapping, path: string): unknown {
    field.resolve();
    const flags = FLAG_BITS[`${(field.parent as protobuf.Type).fullName.replace(/^\./, "")}.${field.name}`];
    if (flags) {
      if (typeof value !== "string") throw new Error(`${path}: expected flag names`);
      return value.split(",").filter(Boolean).reduce((bits, name) => {
        const bit = flags.indexOf(name);
        if (bit < 0) throw new Error(`${path}: unknown flag ${name}`);
        return bits | (1 << bit);
      }, 0);
    }
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) return typeof value === "number" ? value : enumValue(resolved, String(value), path);
    if (resolved instanceof protobuf.Type) return this.messageObject(resolved, value, mapping, path);
    if (field.type === "bytes") {
      if (Buffer.isBuffer(value)) return value;
      if (typeof value !== "string") throw new Error(`${path}: expected bytes`);
      // Go prints hardware addresses as aa:bb:…, and []byte as base64.
      return /^([0-9a-f]{2}:)+[0-9a-f]{2}$/i.test(value) ? Buffer.from(value.split(":").map((octet) => parseInt(octet, 16))) : Buffer.from(value, "base64");
    }
    if (field.type === "string") return String(value);
    return value;
  }
}

/**
 * The enum number for Go's text of it: the text names the value's last words ("inet4" →
 * FAMILY_INET4, "controlplane" → TYPE_CONTROL_PLANE, "TwistedPair" → TWISTED_PAIR).
 */
export function enumValue(type: protobuf.Enum, text: string, path = type.name): number {
  const spelled = ENUM_TEXTS[type.fullName.replace(/^\./, "")]?.[text];
  if (spelled) return type.values[spelled]!;
  const wanted = normalize(text);
  for (const [name, number] of Object.entries(type.values)) {
    const words = name.split("_");
    for (let i = 0; i < words.length; i += 1) if (normalize(words.slice(i).join("")) === wanted) return number;
  }
  throw new Error(`${path}: "${text}" is not a value of ${type.name}`);
}
