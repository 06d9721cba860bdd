// Hostile input, by hand: known attacks, each with the refusal it must get. Calls go through the
// fuzz harness, so every invariant of fuzz/harness.ts (one audit line, argv-guard on every child,
// nothing outside the workspace touched, no prototype pollution) holds for these too.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTACK_STRINGS } from "./fuzz/arbitraries.js";
import { createWorld, type FuzzWorld } from "./fuzz/harness.js";

let world: FuzzWorld;
let node: string;
beforeAll(async () => {
  world = await createWorld();
  node = world.vocabulary.plausible.find((value) => /^127\./.test(value))!;
}, 180_000);
afterAll(async () => {
  world?.assertOutsideUntouched();
  await world?.close();
});

const text = (result: CallToolResult) => (result.content as { text?: string }[]).map((c) => c.text ?? "").join("\n");
const MEGABYTE = "A".repeat(1_000_000);
const bomb = ATTACK_STRINGS.find((value) => value.startsWith("a: &a"))!;
const deepList = "[".repeat(10_000) + "]".repeat(10_000);
const deepMap = '{"a":'.repeat(10_000) + "1" + "}".repeat(10_000);

type Case = [name: string, tool: string, args: () => unknown, refusal: RegExp];

/** The guard's refusal of a bad field: it names the field, and says what is expected. */
const invalid = (tool: string, field: string, expected?: RegExp) =>
  new RegExp(`Invalid input for ${tool}: .*(field|unknown field) '${field.replace(/\./g, "\\.")}(\\.[^']*)?'${expected ? `.*${expected.source}` : ""}`);

const CASES: Case[] = [
  // Flags smuggled in node names and resource ids.
  ["a flag as a node", "version", () => ({ nodes: ["--nodes=10.0.0.66"] }), invalid("version", "nodes.0", /must be a node IP address or hostname/)],
  ["a short flag as a node", "reboot", () => ({ nodes: ["-n"] }), invalid("reboot", "nodes.0", /must be a node IP address or hostname/)],
  ["a flag as a resource id (talosctl get)", "get", () => ({ nodes: [node], type: "members", id: "--talosconfig=/etc/passwd" }), invalid("get", "id")],
  ["a short flag as an Omni resource id", "omni-get", () => ({ type: "machines", id: "-n" }), /Denied by rule argv-guard: short flag or dash-prefixed value '-n'[\s\S]*Nothing was run/],
  ["a target flag as an Omni resource id", "omni-get", () => ({ type: "clusters", id: "--insecure-skip-tls-verify" }), /Denied by rule argv-guard: --insecure-skip-tls-verify may only be set by the server/],
  ["a credential flag as an Omni resource id", "omni-get", () => ({ type: "clusters", id: "--omniconfig" }), /Denied by rule argv-guard: --omniconfig may only be set by the server/],
  ["a flag as a command of cli-help", "cli-help", () => ({ binary: "talosctl", command: ["--talosconfig"] }), invalid("cli-help", "command.0")],
  ["a flag as a context name", "version", () => ({ context: "--context=other", nodes: [node] }), invalid("version", "context")],
  ["a context that is not allowed", "version", () => ({ context: "other", nodes: [node] }), /Denied by rule argv-guard: context 'other' is not allowed for this server/],
  // `=`-joined flags.
  ["an =-joined flag as an extra SAN", "gen-config", () => ({ cluster: "demo2", endpoint: "https://10.5.0.2:6443", additionalSans: ["--endpoints=10.0.0.66"] }), invalid("gen-config", "additionalSans.0", /must be an IP address or DNS name/)],
  ["an =-joined flag as an endpoint", "gen-config", () => ({ cluster: "demo2", endpoint: "--endpoints=https://10.0.0.66:6443" }), invalid("gen-config", "endpoint")],
  ["an =-joined flag as an install disk", "gen-config", () => ({ cluster: "demo2", endpoint: "https://10.5.0.2:6443", installDisk: "--install-disk=/dev/sdb" }), invalid("gen-config", "installDisk", /must be a block device path/)],
  ["an =-joined flag as an image", "upgrade", () => ({ nodes: [node], image: "--image=evil/installer:v1" }), invalid("upgrade", "image")],
  // Unicode dashes.
  ["an em dash flag as a node", "version", () => ({ nodes: ["—nodes=10.0.0.66"] }), invalid("version", "nodes.0")],
  ["an en dash flag as an Omni id", "omni-get", () => ({ type: "machines", id: "–n" }), invalid("omni-get", "id")],
  ["a full-width dash flag as a service", "logs", () => ({ nodes: [node], service: "－－tail" }), invalid("logs", "service")],
  ["a minus-sign flag as a kubernetes version", "gen-config", () => ({ cluster: "demo2", endpoint: "https://10.5.0.2:6443", kubernetesVersion: "−−1.35.2" }), invalid("gen-config", "kubernetesVersion")],
  // `..` and symlink escapes.
  ["a .. escape", "validate-config", () => ({ file: "../canary/secret.yaml" }), /Denied by rule workspace-paths/],
  ["a .. escape through a subfolder", "validate-config", () => ({ file: "demo/../../canary/secret.yaml" }), /Denied by rule workspace-paths/],
  ["an absolute path outside", "validate-config", () => ({ file: "/etc/passwd" }), /Denied by rule workspace-paths/],
  ["a symlinked folder out of the workspace", "validate-config", () => ({ file: "escape/secret.yaml" }), /Denied by rule workspace-paths/],
  ["a symlinked file out of the workspace", "patch-config", () => ({ file: "demo/link.yaml", patches: [{ inline: "machine: {}" }], output: "demo/out.yaml" }), /Denied by rule workspace-paths/],
  ["a write through a symlinked folder", "patch-config", () => ({ file: "demo/controlplane.yaml", patches: [{ inline: "machine: {}" }], output: "escape/new-file.yaml" }), /Denied by rule workspace-paths/],
  ["a patch file through a symlink", "patch-config", () => ({ file: "demo/controlplane.yaml", patches: [{ file: "escape/dir/nested.yaml" }], output: "demo/out.yaml" }), /Denied by rule workspace-paths/],
  ["a write through a dangling symlink", "template-export", () => ({ cluster: "demo", output: "dangling.yaml" }), /Denied by rule workspace-paths/],
  ["a template from outside", "template-validate", () => ({ template: "../canary/secret.yaml" }), /Denied by rule workspace-paths/],
  ["a template directory through a symlink", "template-sync", () => ({ template: "escape" }), /Denied by rule workspace-paths/],
  ["a cluster name that is a path", "gen-config", () => ({ cluster: "..", endpoint: "https://10.5.0.2:6443" }), invalid("gen-config", "cluster")],
  // NUL and newlines.
  ["a NUL in a path", "validate-config", () => ({ file: "demo/controlplane.yaml\u0000.txt" }), invalid("validate-config", "file", /must not contain NUL bytes/)],
  ["a newline and a flag in a node", "version", () => ({ nodes: ["10.0.0.2\n--nodes=10.0.0.66"] }), invalid("version", "nodes.0")],
  ["a newline and a flag in an Omni user", "omni-kubeconfig", () => ({ cluster: "demo", user: "bot\n--break-glass" }), invalid("omni-kubeconfig", "user")],
  // 1 MB strings.
  ["a 1 MB node name", "version", () => ({ nodes: [MEGABYTE] }), invalid("version", "nodes.0")],
  ["a 1 MB policy text", "policy-check", () => ({ text: MEGABYTE }), invalid("policy-check", "text")],
  ["a 1 MB inline patch", "patch-config", () => ({ file: "demo/controlplane.yaml", patches: [{ inline: MEGABYTE }], output: "demo/out.yaml" }), invalid("patch-config", "patches.0")],
  ["a 1 MB path", "validate-config", () => ({ file: MEGABYTE }), invalid("validate-config", "file")],
  // Prototype-pollution keys in JSON (JSON.parse makes them own keys, as the transports do).
  ["a constructor.prototype key", "policy-check", () => JSON.parse('{"text": "talosctl version", "constructor": {"prototype": {"polluted": "yes"}}}'), invalid("policy-check", "constructor")],
  ["a __proto__ key in a nested patch", "patch-config", () => JSON.parse('{"file": "demo/controlplane.yaml", "patches": [{"inline": "machine: {}", "__proto__": {"polluted": "yes"}}], "output": "demo/out.yaml"}'), invalid("patch-config", "patches.0.__proto__")],
];

describe("known attacks are refused, each with its rule or field", () => {
  it.each(CASES)("%s (%s)", async (_name, tool, args, refusal) => {
    const result = await world.call(tool, args());
    expect(result.isError, text(result)).toBe(true);
    expect(text(result)).toMatch(refusal);
  });
});

describe("YAML bombs and deep nesting in patches and templates", () => {
  it.each([
    ["a billion-laughs patch", bomb],
    ["a deeply nested list patch", deepList],
    ["a deeply nested JSON patch", deepMap],
  ])("%s: refused or failed with a clear error, without expanding it", async (_name, inline) => {
    const started = Date.now();
    const result = await world.call("patch-config", { file: "demo/controlplane.yaml", patches: [{ inline }], output: "demo/bomb-out.yaml" });
    expect(result.isError, text(result)).toBe(true);
    expect(text(result)).toMatch(/patches\.0\.inline is not valid YAML\/JSON|Invalid input for patch-config|talosctl machineconfig patch failed/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it.each([
    ["a billion-laughs template", bomb],
    ["a deeply nested template", deepList],
  ])("%s: template tools answer with a clear error", async (_name, content) => {
    writeFileSync(join(world.workspace, "omni", "bomb.yaml"), content);
    for (const tool of ["template-validate", "template-sync", "template-status"]) {
      const result = await world.call(tool, { template: "omni/bomb.yaml" });
      // template-validate reports an invalid template as its (successful) answer; the others fail.
      if (tool === "template-validate") expect(text(result)).toMatch(/omni\/bomb\.yaml: INVALID|Excessive alias count/);
      else expect(result.isError, `${tool}: ${text(result)}`).toBe(true);
      expect(text(result)).not.toMatch(/Maximum call stack|RangeError|out of memory/);
    }
  });
});

describe("accepted but inert", () => {
  it("a top-level __proto__ key is dropped by the protocol layer before the guard; nothing is polluted", async () => {
    // The SDK parses tool arguments as a zod record, which skips "__proto__" keys: the call
    // arrives without it (the harness checks Object.prototype after every call).
    const result = await world.call("version", JSON.parse(`{"nodes": ["${node}"], "__proto__": {"polluted": "yes"}}`));
    expect(text(result)).toMatch(/talosctl version failed/);
  });

  it("an Omni group that starts with dashes is passed =-joined, as a value, never as a flag", async () => {
    const result = await world.call("omni-kubeconfig", { cluster: "demo", user: "bot", groups: ["--force"] });
    // The recording stub answers exit 1: the call fails at the CLI, after argv-guard passed it.
    expect(text(result)).toMatch(/omnictl kubeconfig failed/);
  });

  it("prototype keys inside free-form overlay options stay data", async () => {
    const args = JSON.parse('{"talosVersion": "v1.12.6", "overlay": {"image": "siderolabs/sbc-raspberrypi", "name": "rpi_generic", "options": {"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}}}');
    const result = await world.call("image-schematic", args);
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/Image Factory at http:\/\/127\.0\.0\.1:9 is unreachable/);
  });
});
