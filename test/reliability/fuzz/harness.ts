// The world the fuzzer calls tools in, and the invariants it checks after every call — from
// outside the code under test:
//  * the call returns a result (no crash), and no promise rejection goes unhandled;
//  * exactly one audit line — read from the audit FILE — names the tool and a decision;
//  * every child the server started is a recording stub (TALOSCTL/OMNICTL): its argv, minus the
//    target flags the server adds, passes argv-guard against the real command tree, appears in
//    that call's audit line, runs in the workspace, and names no path outside the workspace
//    (except the operator's own talosconfig/omniconfig);
//  * a canary tree next to the workspace (reachable through symlinks inside it) is never read or
//    written: contents, mtime and atime unchanged; nothing new appears outside the workspace;
//  * Object.prototype is never polluted.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readSync, openSync, closeSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ElicitRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type fc from "fast-check";
import { expect } from "vitest";
import type { z } from "zod";
import { readCommandTree } from "../../../src/backends/command-tree.js";
import { discoverBinary } from "../../../src/backends/binaries.js";
import type { CommandTreeData } from "../../../src/backends/command-tree-types.js";
import { buildConfig, parseServeFlags, type Config } from "../../../src/config.js";
import { redactText } from "../../../src/exec/redact.js";
import { checkArgv, TARGET_FLAGS } from "../../../src/policy/argv-guard.js";
import { createSessionServerFactory } from "../../../src/server/create-server.js";
import { describeTool } from "../../../src/server/tool-description.js";
import { publishedInput } from "../../../src/server/published-input.js";
import type { CliBinary } from "../../../src/server/tool-spec.js";
import { credentialRole } from "../../../src/serve.js";
import { startSimulation, type SimHandle } from "../../../src/sim/index.js";
import { ALL_TOOLS } from "../../../tools/index.js";
import { BINARIES, privateCache, recordingStub, takeRecordings, type RecordedCall } from "../../helpers/cli-stubs.js";
import { startOmni, type OmniSim } from "../../helpers/omni.js";
import { silent } from "../../helpers/session.js";
import { addressOf } from "../../helpers/sim.js";
import { argumentsFor, type Vocabulary } from "./arbitraries.js";

const DECISIONS = new Set(["allowed", "denied", "consent-refused", "error"]);

interface CanaryState {
  entries: string[];
  files: Record<string, { mtimeMs: number; atimeMs: number }>;
}

export interface FuzzWorld {
  root: string;
  workspace: string;
  canary: string;
  vocabulary: Vocabulary;
  /** Generated arguments for `tool`, from its published input schema. */
  argumentsFor(tool: string): fc.Arbitrary<Record<string, unknown>>;
  /** Calls `tool` with `args` and checks every invariant; returns the result. */
  call(tool: string, args: unknown): Promise<CallToolResult>;
  /** The canary tree and everything outside the workspace are as they were. */
  assertOutsideUntouched(): void;
  close(): Promise<void>;
}

/** Every entry below `dir`, with the times of its files (stat only: reading would move atime). */
function canaryState(dir: string): CanaryState {
  const entries = (readdirSync(dir, { recursive: true }) as string[]).sort();
  const files: CanaryState["files"] = {};
  for (const rel of entries) {
    const stat = statSync(join(dir, rel));
    if (stat.isFile()) files[rel] = { mtimeMs: stat.mtimeMs, atimeMs: stat.atimeMs };
  }
  return { entries, files };
}

/** What the canary files hold; compared only at the end, since reading them moves their atime. */
const CANARY_FILES: Record<string, string> = { "secret.yaml": "canary: never read me\n", "dir/nested.yaml": "canary: nested\n" };

/** The argv a tool built: the recorded argv without the target flags the server appended. */
function toolArgv(call: RecordedCall): string[] {
  const argv = [...call.argv];
  while (argv.length >= 2 && TARGET_FLAGS[call.binary].includes(argv[argv.length - 2]!)) argv.splice(argv.length - 2, 2);
  return argv;
}

export async function createWorld(): Promise<FuzzWorld> {
  const root = mkdtempSync(join(tmpdir(), "talos-mcp-fuzz-"));
  const workspace = join(root, "ws");
  const stateDir = join(root, "state");
  const canary = join(root, "canary");
  const recordings = join(root, "recordings");
  const auditLog = join(root, "audit", "audit.jsonl");
  for (const dir of [workspace, stateDir, canary, join(canary, "dir"), join(workspace, "demo"), join(workspace, "omni"), join(workspace, "backups")]) mkdirSync(dir, { recursive: true });

  // Simulated cluster and Omni only for real credentials files; the stubs never contact them.
  const sim: SimHandle = await startSimulation({ scenario: "running-3cp-2w", dir: join(root, "sim") });
  const omni: OmniSim = await startOmni("omni-running", join(root, "omni-sim"), 100);
  const cp1 = addressOf(sim, "cp-1");

  // A workspace cluster "demo" (its talosconfig, a ledger with a control plane) and some files.
  cpSync(sim.talosconfig, join(workspace, "demo", "talosconfig"));
  writeFileSync(join(workspace, "demo", "cluster-state.json"), JSON.stringify({ nodes: { [cp1]: { role: "controlplane", appliedAt: "2026-01-01T00:00:00.000Z" } }, bootstraps: [] }));
  writeFileSync(join(workspace, "demo", "controlplane.yaml"), "version: v1alpha1\nmachine:\n  type: controlplane\ncluster:\n  clusterName: demo\n");
  writeFileSync(join(workspace, "patch.yaml"), "machine:\n  network:\n    hostname: cp-1\n");
  writeFileSync(join(workspace, "omni", "cluster.yaml"), "kind: Cluster\nname: demo\nkubernetes:\n  version: v1.35.2\ntalos:\n  version: v1.12.6\n");
  writeFileSync(join(workspace, "backups", "demo.snapshot"), "not really a snapshot");

  // The canary tree, outside the workspace, and ways into it from inside.
  for (const [rel, content] of Object.entries(CANARY_FILES)) writeFileSync(join(canary, rel), content);
  symlinkSync(canary, join(workspace, "escape"));
  symlinkSync(join(canary, "secret.yaml"), join(workspace, "demo", "link.yaml"));
  symlinkSync(join(canary, "missing.yaml"), join(workspace, "dangling.yaml"));
  // atime older than mtime: with relatime (or strictatime), any read of a canary moves its atime.
  for (const file of Object.keys(CANARY_FILES)) utimesSync(join(canary, file), new Date("2001-01-01"), new Date("2020-01-01"));
  const probe = join(root, "atime-probe");
  writeFileSync(probe, "x");
  utimesSync(probe, new Date("2001-01-01"), new Date("2020-01-01"));
  readFileSync(probe);
  // The check below relies on reads moving atime; make sure this filesystem does.
  expect(statSync(probe).atimeMs, "this filesystem does not update atime on read (noatime): the canary read check cannot work").toBeGreaterThan(new Date("2020-01-01").getTime());
  const canaryBefore = canaryState(canary);

  // Stubs record every argv; the real command trees come from a private cache.
  process.env.TALOS_MCP_CACHE = await privateCache();
  const stubs = Object.fromEntries(BINARIES.map((binary) => [binary, recordingStub(root, binary, join(recordings, binary))])) as Record<CliBinary, string>;
  const trees = Object.fromEntries(
    await Promise.all(BINARIES.map(async (binary) => [binary, await readCommandTree((await discoverBinary(binary, { explicitPath: stubs[binary] }))!, { cacheDir: process.env.TALOS_MCP_CACHE! })])),
  ) as Record<CliBinary, CommandTreeData>;

  const configFile = join(stateDir, "config.yaml");
  writeFileSync(
    configFile,
    [
      `omniconfig: ${omni.omni.omniconfig}`,
      `omniServiceAccountKeyFile: ${omni.omni.serviceAccountKeyFile}`,
      `omniCaFile: ${omni.omni.caFile}`,
      "commandTimeoutMs: 20000",
      "consentTimeoutMs: 5000",
      // Nothing listens there: the factory and docs site fail fast, never reach the network.
      "factoryUrl: http://127.0.0.1:9",
      "docs: { mode: live, url: 'http://127.0.0.1:9/mcp' }",
    ].join("\n"),
  );
  const config: Config = buildConfig({
    flags: parseServeFlags(["--workspace", workspace, "--state-dir", stateDir, "--audit-log", auditLog, "--talosconfig", sim.talosconfig, "--config", configFile]),
    env: { TALOSCTL: stubs.talosctl, OMNICTL: stubs.omnictl },
    cwd: root,
    knownTools: ALL_TOOLS.map((tool) => tool.name),
  });
  const operatorPaths = new Set([sim.talosconfig, omni.omni.omniconfig]);

  const factory = createSessionServerFactory(config, { credentialRole: await credentialRole(config, silent) });
  const server = factory.create({ transport: "memory", name: "fuzzer", role: "admin" });
  const client = new Client({ name: "fuzzer", version: "1" }, { capabilities: { elicitation: { form: {} } } });
  // Consent is given, typing back what the plan asks for: mutations must reach the CLI too.
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    const typed = /Type (\S+) to confirm/.exec(request.params.message)?.[1];
    return { action: "accept", content: { confirm: true, ...(typed !== undefined ? { typed } : {}) } };
  });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);

  const rootEntries = readdirSync(root).sort();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  let auditOffset = 0;

  const newAuditLines = (): Record<string, unknown>[] => {
    if (!existsSync(auditLog)) return [];
    const size = statSync(auditLog).size;
    const buffer = Buffer.alloc(size - auditOffset);
    const fd = openSync(auditLog, "r");
    readSync(fd, buffer, 0, buffer.length, auditOffset);
    closeSync(fd);
    auditOffset = size;
    return buffer.toString("utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  };

  const insideWorkspace = (path: string) => path === workspace || path.startsWith(`${workspace}/`);
  /**
   * Paths a recorded call runs in or names outside the workspace. argv does not say which values
   * are paths (a selector may contain '/'), so a value counts as a path outside when it resolves
   * next to the workspace (the canary tree, the state dir) or names something that exists
   * elsewhere on disk; the operator's own talosconfig/omniconfig are allowed.
   */
  const outsidePaths = (call: RecordedCall): string[] => {
    const outside = insideWorkspace(call.cwd) ? [] : [call.cwd];
    call.argv.forEach((arg, index) => {
      const previous = call.argv[index - 1];
      const joined = /^--[A-Za-z0-9-]+=([\s\S]*)$/.exec(arg);
      for (const candidate of [arg, joined?.[1]]) {
        if (candidate === undefined || !candidate.includes("/") || candidate.includes("://")) continue;
        const value = candidate.startsWith("@") ? candidate.slice(1) : candidate;
        if ((previous === "--talosconfig" || previous === "--omniconfig") && operatorPaths.has(value)) continue;
        const absolute = isAbsolute(value) ? value : resolve(call.cwd, value);
        if (insideWorkspace(absolute) || absolute === "/") continue;
        // A node-side device path is not a local path.
        if (arg.startsWith("--install-disk=") && absolute.startsWith("/dev/")) continue;
        if (absolute.startsWith(`${root}/`) || existsSync(absolute)) outside.push(value);
      }
    });
    return outside;
  };

  const vocabulary: Vocabulary = {
    plausible: [
      "demo",
      "prod",
      "sim",
      cp1,
      addressOf(sim, "cp-2"),
      addressOf(sim, "worker-1"),
      "10.5.0.2",
      "cp-1",
      "node-1.example.com",
      "demo/controlplane.yaml",
      "demo/talosconfig",
      "demo/cp-1.yaml",
      "demo/kubeconfig",
      "patch.yaml",
      "omni/cluster.yaml",
      "omni/exported.yaml",
      "omni",
      "backups/demo.snapshot",
      join(workspace, "demo", "controlplane.yaml"),
      "https://10.5.0.2:6443",
      "/dev/sda",
      "v1.12.6",
      "v1.12.7",
      "v1.13.0",
      "v1.12",
      "1.35.2",
      "ghcr.io/siderolabs/installer:v1.12.7",
      "siderolabs/gvisor",
      "members",
      "etcd",
      "kubelet",
      "machines",
      "talosctl",
      "etcd snapshot",
      "automation",
      "system:masters",
    ],
    escapes: [
      canary,
      join(canary, "secret.yaml"),
      join(canary, "dir"),
      "escape",
      "escape/secret.yaml",
      "escape/dir/nested.yaml",
      "demo/link.yaml",
      "dangling.yaml",
      "../canary/secret.yaml",
      "demo/../../canary/secret.yaml",
      `${workspace}/../canary/secret.yaml`,
      `${workspace}/escape/secret.yaml`,
      "escape/new-file.yaml",
      "../canary/new-file.yaml",
    ],
  };

  return {
    root,
    workspace,
    canary,
    vocabulary,
    argumentsFor(tool) {
      const spec = ALL_TOOLS.find((candidate) => candidate.name === tool);
      if (!spec) throw new Error(`no tool ${tool}`);
      const shape = publishedInput(spec).shape as Record<string, z.ZodType>;
      // Plausible values for a field: those its own validation accepts (alone, or as a list).
      const plausibleFor = (field: string) => vocabulary.plausible.filter((value) => shape[field]?.safeParse(value).success || shape[field]?.safeParse([value]).success);
      return argumentsFor(describeTool(spec).inputSchema as never, { ...vocabulary, plausibleFor });
    },
    async call(tool, args) {
      // Built only when an invariant fails: arguments can hold megabytes.
      const fail = (problem: string): never => {
        const shown = JSON.stringify(args, (_key, value: unknown) => (typeof value === "string" && value.length > 200 ? `${value.slice(0, 200)}…(${value.length} chars)` : value));
        throw new Error(`${tool}(${shown}): ${problem}`);
      };
      const result = (await client.callTool({ name: tool, arguments: args as Record<string, unknown> }, undefined, { timeout: 60_000 })) as CallToolResult;
      if (!Array.isArray(result.content)) fail("the result has no content");

      const lines = newAuditLines().filter((line) => line.kind === "audit");
      if (lines.length !== 1 || lines[0]!.tool !== tool || !DECISIONS.has(lines[0]!.decision as string)) fail(`expected one audit line with a decision, got ${JSON.stringify(lines).slice(0, 500)}`);
      const audited = new Set(((lines[0]!.argv as string[][]) ?? []).map((argv) => JSON.stringify(argv)));

      for (const recorded of BINARIES.flatMap((binary) => takeRecordings(join(recordings, binary), binary))) {
        const argv = toolArgv(recorded);
        try {
          checkArgv(recorded.binary, argv, trees[recorded.binary]);
        } catch (error) {
          fail(`a child ran with argv ${JSON.stringify(argv)} that argv-guard refuses: ${(error as Error).message}`);
        }
        if (!audited.has(JSON.stringify([recorded.binary, ...recorded.argv].map(redactText)))) fail(`a child ran that the audit line does not show: ${JSON.stringify(recorded.argv)}`);
        const outside = outsidePaths(recorded);
        if (outside.length > 0) fail(`a child was given paths outside the workspace: ${JSON.stringify(outside)} (cwd ${recorded.cwd})`);
      }
      if (unhandled.length > 0) fail(`unhandled rejection: ${String(unhandled[0])}`);
      if (Object.getOwnPropertyNames(Object.prototype).length !== prototypeKeys.length || ({} as Record<string, unknown>).polluted !== undefined) fail("Object.prototype was changed");
      return result;
    },
    assertOutsideUntouched() {
      const now = canaryState(canary);
      expect(now.entries, "files appeared in or vanished from the canary tree").toEqual(canaryBefore.entries);
      for (const [rel, before] of Object.entries(canaryBefore.files)) {
        expect(now.files[rel]?.atimeMs, `canary ${rel} was read`).toBe(before.atimeMs);
        expect(now.files[rel]?.mtimeMs, `canary ${rel} was written`).toBe(before.mtimeMs);
      }
      expect(readdirSync(root).sort(), "something was created next to the workspace").toEqual(rootEntries);
      expect(existsSync("/tmp/talos-mcp-fuzz-escape")).toBe(false);
    },
    async close() {
      process.off("unhandledRejection", onUnhandled);
      await client.close();
      await sim.stop();
      await omni.stop();
      // Contents last: reading them moves their atime.
      for (const [rel, content] of Object.entries(CANARY_FILES)) expect(readFileSync(join(canary, rel), "utf8"), `canary ${rel} changed`).toBe(content);
    },
  };
}
