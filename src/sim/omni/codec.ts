// Omni resource specs on the wire, from the pinned client module's own .proto files: omnictl
// decodes typed resources from proto_spec and prints `get -o yaml|json` from yaml_spec, so the
// simulator produces both. yaml_spec is what cosi's FromResource writes: go-yaml's rendering of the
// generated Go struct — lower-cased Go field names, every field present (nil messages as null,
// empty lists and maps as [] and {}), enums as numbers, bytes as a list of numbers.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import zlib from "node:zlib";
import protobuf from "protobufjs";
import { stringify } from "yaml";
import { googleProtoDir } from "../protos.js";

export type Spec = Record<string, unknown>;

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: Number, bytes: Buffer as unknown as typeof String, defaults: false, arrays: false, objects: false };

/** protoc-gen-go's field name, lower-cased as go-yaml keys it: talos_version → talosversion. */
export const goYamlKey = (protoName: string) => protoName.replace(/_/g, "").toLowerCase();

export class OmniCodec {
  private readonly root: protobuf.Root;

  constructor(apiDir: string) {
    if (!existsSync(join(apiDir, "omni/specs/omni.proto"))) throw new Error(`the Omni API definitions are missing under ${apiDir}: run \`npm run clis\``);
    const root = new protobuf.Root();
    const google = googleProtoDir();
    root.resolvePath = (_origin, target) => [join(apiDir, target), join(google, target)].find((candidate) => existsSync(candidate)) ?? target;
    const specFiles = readdirSync(join(apiDir, "omni/specs")).filter((file) => file.endsWith(".proto"));
    root.loadSync(specFiles.map((file) => `omni/specs/${file}`), { keepCase: true });
    root.resolveAll();
    this.root = root;
  }

  private type(message: string): protobuf.Type {
    return this.root.lookupType(message);
  }

  /** proto_spec bytes → a plain object with the .proto field names. */
  decode(message: string, bytes: Uint8Array): Spec {
    const type = this.type(message);
    return type.toObject(type.decode(bytes), TO_OBJECT) as Spec;
  }

  encode(message: string, spec: Spec): Buffer {
    const type = this.type(message);
    const problem = type.verify(spec);
    if (problem) throw new Error(`${message}: ${problem}`);
    return Buffer.from(type.encode(type.fromObject(spec)).finish());
  }

  /** The spec as go-yaml renders the Go struct (see the file comment). */
  yaml(message: string, spec: Spec): string {
    if (message === "specs.ClusterMachineSpec") return stringify({ kubernetes_version: spec.kubernetes_version ?? "" });
    return stringify(this.goValue(this.type(message), specialYaml(message, spec)));
  }

  private goValue(type: protobuf.Type, value: Spec): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const field of type.fieldsArray) {
      const key = goYamlKey(field.name);
      const raw = value[field.name];
      field.resolve();
      const oneof = field.partOf;
      if (oneof && !oneof.name.startsWith("_")) {
        // protoc-gen-go makes one field per oneof, at its first member, holding {Member: value}.
        if (oneof.fieldsArray[0] !== field) continue;
        const set = oneof.fieldsArray.find((member) => value[member.name] !== undefined && value[member.name] !== null);
        out[goYamlKey(oneof.name)] = set ? { [goYamlKey(set.name)]: this.scalarOrMessage(set, value[set.name]) } : null;
        continue;
      }
      if (oneof && (raw === undefined || raw === null)) {
        // proto3 `optional` is a pointer in Go: nil when unset.
        out[key] = null;
        continue;
      }
      if (field.map) {
        const entries = Object.entries((raw ?? {}) as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        out[key] = Object.fromEntries(entries.map(([k, v]) => [k, this.scalarOrMessage(field, v)]));
      } else if (field.repeated) {
        out[key] = ((raw ?? []) as unknown[]).map((item) => this.scalarOrMessage(field, item));
      } else if (field.resolvedType instanceof protobuf.Type) {
        out[key] = raw === undefined || raw === null ? null : this.goValue(field.resolvedType, raw as Spec);
      } else {
        out[key] = this.scalarOrMessage(field, raw);
      }
    }
    return out;
  }

  private scalarOrMessage(field: protobuf.Field, value: unknown): unknown {
    if (field.resolvedType instanceof protobuf.Type) return value === undefined || value === null ? null : this.goValue(field.resolvedType, value as Spec);
    if (field.resolvedType instanceof protobuf.Enum) return typeof value === "number" ? value : 0;
    if (field.type === "bytes") return Array.from((value as Uint8Array | undefined) ?? []);
    if (value !== undefined && value !== null) return value;
    if (field.type === "string") return "";
    if (field.type === "bool") return false;
    return 0;
  }
}

/** zstd arrived in node:zlib with Node 22.15; on older Node a compressed patch shows as empty. */
const zstdDecompress = (zlib as unknown as { zstdDecompressSync?: (data: Uint8Array) => Buffer }).zstdDecompressSync;

/** ConfigPatchSpec's own MarshalYAML (client/api/omni/specs/config_patch.go) shows the patch as text. */
function specialYaml(message: string, spec: Spec): Spec {
  if (message !== "specs.ConfigPatchSpec" || !spec.compressed_data) return spec;
  const compressed = spec.compressed_data as Uint8Array;
  return { ...spec, data: zstdDecompress ? zstdDecompress(compressed).toString("utf8") : "", compressed_data: undefined };
}
