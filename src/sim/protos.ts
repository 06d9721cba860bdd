// Loads the REAL Talos and COSI API definitions of the pinned versions: Talos ships its .proto files
// in its Go module (api/); the COSI runtime module ships only generated Go, whose embedded
// file descriptors (the `…_rawDesc` constants protoc-gen-go writes) are decoded here. Google's
// well-known and rpc protos come from the google-proto-files npm package, as Talos vendors them.
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import descriptor from "protobufjs/ext/descriptor/index.js";
import { SpecEncoder } from "./spec-proto.js";
import { cached } from "../cached.js";

export const TALOS_API_VERSION = "v1.12.6";

export function protoRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.TALOS_MCP_PROTO_DIR || join(env.TALOS_MCP_CACHE || join(homedir(), ".cache", "talos-mcp"), "protos");
}

/** Decodes a Go string literal concatenation ("…" + "…") into bytes. */
export function decodeGoStringConcat(source: string): Buffer {
  const bytes: number[] = [];
  for (const match of source.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    const lit = match[1]!;
    for (let i = 0; i < lit.length; i += 1) {
      const ch = lit[i]!;
      if (ch !== "\\") {
        bytes.push(...Buffer.from(ch, "utf8"));
        continue;
      }
      const next = lit[++i]!;
      const simple: Record<string, number> = { n: 10, t: 9, r: 13, v: 11, b: 8, f: 12, a: 7, "\\": 92, '"': 34, "'": 39 };
      if (next in simple) bytes.push(simple[next]!);
      else if (next === "x") {
        bytes.push(parseInt(lit.slice(i + 1, i + 3), 16));
        i += 2;
      } else if (/[0-7]/.test(next)) {
        bytes.push(parseInt(lit.slice(i, i + 3), 8));
        i += 2;
      } else if (next === "u" || next === "U") {
        const len = next === "u" ? 4 : 8;
        bytes.push(...Buffer.from(String.fromCodePoint(parseInt(lit.slice(i + 1, i + 1 + len), 16)), "utf8"));
        i += len;
      } else throw new Error(`unknown Go escape \\${next}`);
    }
  }
  return Buffer.from(bytes);
}

/** Extracts the serialized FileDescriptorProto embedded in a protoc-gen-go file. */
export function rawDescriptorFromGo(goSource: string): Buffer {
  const match = /const file_\w+_rawDesc = ""\s*\+([\s\S]*?)\n\n/.exec(goSource);
  if (!match) throw new Error("no rawDesc constant in the generated Go file");
  return decodeGoStringConcat(match[1]!);
}

const requireFromHere = createRequire(import.meta.url);

export function googleProtoDir(): string {
  // google-proto-files keeps google/**/*.proto at its package root.
  return dirname(requireFromHere.resolve("google-proto-files/package.json"));
}

function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value && typeof value === "object" && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(child)]));
  }
  return value;
}

/**
 * A map field's value for the COSI messages: loaded from descriptors, their map fields are
 * repeated key/value entry messages.
 */
export const toEntries = (map: Record<string, string>) => Object.entries(map).map(([key, value]) => ({ key, value }));

export interface CosiApi {
  /** The grpc-js package `cosi` (cosi.resource.State and friends). */
  cosi: grpc.GrpcObject;
  /** Every COSI message, built from the descriptors (field names as in the .proto: snake_case). */
  root: protobuf.Root;
  /** Encodes a COSI ResourceDefinitionSpec (CLIs decode resource definitions from proto_spec). */
  encodeResourceDefinitionSpec(spec: Record<string, unknown>): Buffer;
}

export interface LoadedApi extends CosiApi {
  machine: grpc.GrpcObject;
  cluster: grpc.GrpcObject;
  time: grpc.GrpcObject;
  /** proto_spec of COSI resources, with the real resource definitions (loaded on first use). */
  specs: SpecEncoder;
}

/** One encoder per API directory and process: its .proto files are parsed once, on first use. */
const encoders = new Map<string, SpecEncoder>();

const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

/** The COSI runtime API (meta, resource, state) from the generated Go of the given module version. */
export function loadCosiApi(cosiDir: string): CosiApi {
  const desc = descriptor as unknown as { FileDescriptorSet: protobuf.Type; FileDescriptorProto: protobuf.Type };
  const cosiFiles = ["meta", "resource", "state"].map((name) =>
    desc.FileDescriptorProto.decode(rawDescriptorFromGo(readFileSync(join(cosiDir, "v1alpha1", `${name}.pb.go`), "utf8"))),
  );
  // The COSI files import Google's well-known types; add their descriptors too.
  const wkt = new protobuf.Root();
  wkt.loadSync(["timestamp", "duration", "empty", "any"].map((name) => join(googleProtoDir(), "google/protobuf", `${name}.proto`)));
  const wktSet = (wkt as unknown as { toDescriptor(syntax: string): { file: unknown[] } }).toDescriptor("proto3");
  const fds = desc.FileDescriptorSet.encode({ file: [...wktSet.file, ...cosiFiles] }).finish();
  const root = (protobuf.Root as unknown as { fromDescriptor(d: unknown): protobuf.Root }).fromDescriptor(desc.FileDescriptorSet.decode(fds));
  const rdSpec = root.lookupType("cosi.resource.meta.ResourceDefinitionSpec");
  const cosiPkg = grpc.loadPackageDefinition(protoLoader.loadFileDescriptorSetFromBuffer(Buffer.from(fds), LOADER_OPTIONS));
  return {
    cosi: cosiPkg.cosi as grpc.GrpcObject,
    root,
    // Descriptor-built types keep the .proto field names (snake_case).
    encodeResourceDefinitionSpec: (spec) => Buffer.from(rdSpec.encode(rdSpec.fromObject(snakeKeys(spec) as Record<string, unknown>)).finish()),
  };
}

/** Parsed once per process and directory: every simulation in it serves the same immutable API. */
const loadedTalosApis = new Map<string, LoadedApi>();

export function loadTalosApi(dir = protoRoot()): LoadedApi {
  return cached(loadedTalosApis, dir, parseTalosApi);
}

function parseTalosApi(dir: string): LoadedApi {
  const talosDir = join(dir, `talos-${TALOS_API_VERSION}`);
  const cosiDir = join(dir, `cosi-runtime-for-talos-${TALOS_API_VERSION}`);
  if (!existsSync(join(talosDir, "machine/machine.proto")) || !existsSync(join(cosiDir, "v1alpha1/state.pb.go"))) {
    throw new Error(`the Talos API definitions are missing under ${dir}: run \`npm run clis\` (scripts/build-clis links them)`);
  }
  const machineDef = protoLoader.loadSync(["machine/machine.proto", "cluster/cluster.proto", "time/time.proto"], { ...LOADER_OPTIONS, includeDirs: [talosDir, googleProtoDir()] });
  const machinePkg = grpc.loadPackageDefinition(machineDef);
  if (!encoders.has(talosDir)) encoders.set(talosDir, new SpecEncoder([talosDir, googleProtoDir()]));
  return {
    ...loadCosiApi(cosiDir),
    machine: machinePkg.machine as grpc.GrpcObject,
    cluster: machinePkg.cluster as grpc.GrpcObject,
    time: machinePkg.time as grpc.GrpcObject,
    specs: encoders.get(talosDir)!,
  };
}
