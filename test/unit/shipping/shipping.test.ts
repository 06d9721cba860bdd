// What users install: the Dockerfile (parsed and checked: no Docker daemon runs here, and hadolint
// is in neither the Debian nor the npm registry reachable here — the npm "hadolint" is only a
// wrapper that downloads the binary), server.json for the MCP registry, and the npm package.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DockerfileParser } from "dockerfile-ast";
import { describe, expect, it } from "vitest";
import { PINNED } from "../../../src/backends/versions.js";
import { parseServeFlags } from "../../../src/config.js";
import { REPO_ROOT } from "../../helpers/stdio-server.js";

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
const read = (file: string) => readFileSync(join(REPO_ROOT, file), "utf8");

describe("Dockerfile", () => {
  const dockerfile = DockerfileParser.parse(read("Dockerfile"));
  const instructions = dockerfile.getInstructions().map((i) => ({
    keyword: i.getKeyword(),
    args: i.getArgumentsContent() ?? "",
    words: i.getArguments().map((a) => a.getValue()),
    // COPY --from=…, --chown=…: kept apart from the arguments by the parser.
    flags: "getFlags" in i ? (i as unknown as { getFlags(): { getName(): string }[] }).getFlags().map((f) => f.getName()) : [],
  }));
  const froms = dockerfile.getFROMs();
  const stageOf = (name: string) => {
    const start = instructions.findIndex((i) => i.keyword === "FROM" && i.words.at(-1) === name);
    const end = instructions.findIndex((i, index) => index > start && i.keyword === "FROM");
    return instructions.slice(start, end === -1 ? undefined : end);
  };
  const runtime = stageOf("runtime");
  const jsonArray = (keyword: string, stage = runtime) => JSON.parse(stage.find((i) => i.keyword === keyword)!.args.replace(/^CMD\s+/, "")) as string[];

  it("uses only known instructions, no ADD, and pinned base images (no latest)", () => {
    const known = new Set(["FROM", "ARG", "WORKDIR", "RUN", "COPY", "ENV", "USER", "VOLUME", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD"]);
    for (const i of instructions) expect(known.has(i.keyword), i.keyword).toBe(true);
    for (const from of froms) {
      expect(from.getImageTag(), from.getImageName()!).toMatch(/^\d+(\.\d+)*-[a-z-]+$/);
      expect(from.getImageTag()).not.toBe("latest");
    }
  });

  it("is multi-stage: Go builds the pinned CLIs, Node builds the server, a slim Node image runs it", () => {
    expect(froms.map((f) => f.getBuildStage())).toEqual(["clis", "build", "runtime"]);
    expect(froms.map((f) => f.getImageName())).toEqual(["golang", "node", "node"]);
    expect(froms[2]!.getImageTag()).toMatch(/slim/);
    const clis = stageOf("clis");
    expect(clis.some((i) => i.keyword === "RUN" && i.args.includes("bash scripts/build-clis"))).toBe(true);
    const build = stageOf("build").filter((i) => i.keyword === "RUN").map((i) => i.args).join("\n");
    for (const step of ["npm ci", "npm run build", "npm prune --omit=dev"]) expect(build).toContain(step);
  });

  it("needs no Kubernetes binaries: kube-apiserver, etcd and helm serve the simulator's Kubernetes scenarios and the tests", () => {
    const text = instructions.map((i) => i.args).join("\n");
    expect(text).not.toMatch(/build-k8s|kube-apiserver|etcd|helm/);
  });

  it("builds the CLI versions the server pins, with build-clis' own defaults", () => {
    const args = Object.fromEntries(stageOf("clis").filter((i) => i.keyword === "ARG").map((i) => i.args.split("=") as [string, string]));
    expect(args).toEqual({ TALOS_VERSION: PINNED.talosctl, OMNI_VERSION: PINNED.omnictl });
    const script = read("scripts/build-clis");
    expect(script).toContain(`TALOS_VERSION="\${TALOS_VERSION:-${PINNED.talosctl}}"`);
    expect(script).toContain(`OMNI_VERSION="\${OMNI_VERSION:-${PINNED.omnictl}}"`);
  });

  it("copies only sources that exist and that .dockerignore does not exclude", () => {
    const ignored = read(".dockerignore").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    const copies = instructions.filter((i) => i.keyword === "COPY" && !i.flags.includes("from"));
    expect(copies.length).toBeGreaterThan(5);
    for (const copy of copies) {
      for (const source of copy.words.slice(0, -1)) {
        expect(existsSync(join(REPO_ROOT, source)), `COPY ${source}`).toBe(true);
        expect(ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)), `COPY ${source} is excluded by .dockerignore`).toBe(false);
      }
    }
    for (const secret of ["node_modules", ".git", "test", "talos-workspace"]) expect(ignored).toContain(secret);
  });

  it("runtime: server, dependencies, prompts and both binaries, found through TALOSCTL / OMNICTL", () => {
    const copied = runtime.filter((i) => i.keyword === "COPY").map((i) => i.args).join("\n");
    for (const part of ["/app/dist", "/app/node_modules", "/app/package.json", "/app/prompts/*.md", "/out/talosctl", "/out/omnictl"]) expect(copied).toContain(part);
    const env = runtime.filter((i) => i.keyword === "ENV").map((i) => i.args).join(" ");
    expect(env).toMatch(/TALOSCTL=\/usr\/local\/bin\/talosctl/);
    expect(env).toMatch(/OMNICTL=\/usr\/local\/bin\/omnictl/);
    expect(copied).toMatch(/\/out\/talosctl \/out\/omnictl \/usr\/local\/bin\//);
  });

  it("runs as a non-root user, with volumes, HTTP on 8080 by default and a health check without curl", () => {
    const user = runtime.findIndex((i) => i.keyword === "USER");
    expect(user).toBeGreaterThan(0);
    expect(runtime[user]!.args).not.toMatch(/^(root|0)(:|$)/);
    expect(runtime.findIndex((i) => i.keyword === "CMD")).toBeGreaterThan(user);
    expect(runtime.find((i) => i.keyword === "VOLUME")!.args).toMatch(/"\/workspace", "\/state"/);
    expect(runtime.find((i) => i.keyword === "EXPOSE")!.args).toBe("8080");
    const healthcheck = runtime.find((i) => i.keyword === "HEALTHCHECK")!.args;
    expect(healthcheck).toMatch(/CMD \["node", "-e", .*127\.0\.0\.1:8080\/healthz/);
    expect(healthcheck).not.toMatch(/curl|wget/);
  });

  it("the default command is serve over HTTP with tokens and the volumes, and every flag is real", () => {
    expect(jsonArray("ENTRYPOINT")).toEqual(["node", "/app/dist/src/cli.js"]);
    const [subcommand, ...flags] = jsonArray("CMD");
    expect(subcommand).toBe("serve");
    expect(parseServeFlags(flags)).toMatchObject({ transport: "http", host: "0.0.0.0", port: "8080", tokens: "/state/tokens.yaml", workspace: "/workspace" });
  });

  it("never pipes a download into a shell and keeps apt lean", () => {
    for (const i of instructions) expect(i.args, i.keyword).not.toMatch(/(curl|wget)[^|]*\|\s*(ba|z)?sh/);
    for (const run of instructions.filter((i) => i.keyword === "RUN" && i.args.includes("apt-get install"))) {
      expect(run.args).toContain("--no-install-recommends");
      expect(run.args).toContain("rm -rf /var/lib/apt/lists/*");
    }
  });
});

describe("server.json", () => {
  const server = JSON.parse(read("server.json"));
  const npm = server.packages.find((p: { registryType: string }) => p.registryType === "npm");

  it("matches package.json and the registry's limits", () => {
    expect(server.$schema).toBe("https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json");
    expect(server.name).toMatch(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/);
    expect(server.description.length).toBeLessThanOrEqual(100);
    expect(server.version).toBe(pkg.version);
    expect(npm).toMatchObject({ identifier: pkg.name, version: pkg.version, runtimeHint: "npx", transport: { type: "stdio" } });
  });

  it("offers only flags the server accepts and environment variables it reads", () => {
    for (const arg of npm.packageArguments) {
      expect(arg.type).toBe("named");
      const argv = arg.format === "boolean" ? [arg.name] : [arg.name, arg.default ?? "x"];
      expect(() => parseServeFlags(argv), arg.name).not.toThrow();
    }
    const help = read("src/cli.ts");
    for (const variable of npm.environmentVariables) expect(help, variable.name).toContain(variable.name);
    expect(npm.environmentVariables.find((v: { name: string }) => v.name === "OMNI_SERVICE_ACCOUNT_KEY").isSecret).toBe(true);
  });
});

describe("npm package", () => {
  const [pack] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  const files = new Map<string, number>(pack.files.map((f: { path: string; mode: number }) => [f.path, f.mode]));

  it("ships the built server, every prompt, the eval tasks and the CLI build script; no tests, sources or benchmarks", () => {
    const prompts = execFileSync("ls", [join(REPO_ROOT, "prompts")], { encoding: "utf8" }).split("\n").filter((f) => f.endsWith(".md"));
    expect(prompts.length).toBeGreaterThan(5);
    const evalFiles = ["eval/mcpchecker/eval.yaml", "eval/tasks/cluster/create-cluster/definition.yaml", "eval/tasks/cluster/create-cluster/task.yaml", "eval/scenarios/fresh-3cp-2w-fast.yaml", "eval/fixtures/README.md", "dist/src/sim/factory/extensions-v1.12.6.json"];
    // build-clis and build-k8s source scripts/lib; build-k8s reads its pins from dist/ when src/ is not there.
    const buildScripts = ["scripts/build-clis", "scripts/build-k8s", "scripts/lib/go-build.sh", "dist/src/backends/kubernetes-pins.json"];
    // The manifests the server lists tools and prompts from at start (without them it still works, at the old start-up cost).
    const manifests = ["dist/tools/manifest.json", "dist/prompts/manifest.json"];
    for (const file of ["dist/src/cli.js", "dist/tools/index.js", "dist/prompts/index.js", ...manifests, ...buildScripts, "README.md", "server.json", ...prompts.map((p) => `prompts/${p}`), ...evalFiles]) {
      expect(files.has(file), file).toBe(true);
    }
    expect([...files.keys()].filter((f) => /^(test|bench|coverage)\//.test(f) || (f.endsWith(".ts") && !f.endsWith(".d.ts")))).toEqual([]);
  });

  it("its bin is an executable script with a node shebang, and no dev tool is a runtime dependency", () => {
    const bin = pkg.bin["talos-mcp"] as string;
    expect(bin).toBe("dist/src/cli.js");
    expect(read(bin).startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(files.get(bin)! & 0o111).not.toBe(0);
    for (const dev of ["vitest", "typescript", "dockerfile-ast", "@types/node"]) expect(Object.keys(pkg.dependencies)).not.toContain(dev);
  });

  it("every package the shipped code imports is a runtime dependency (not only present because another package pulls it in)", () => {
    const imported = new Set<string>();
    for (const file of [...files.keys()].filter((f) => f.startsWith("dist/") && f.endsWith(".js"))) {
      // Built JavaScript: type-only imports are gone, so each specifier left is loaded at run time.
      const text = read(file);
      const statements = text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm);
      const dynamic = text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g);
      for (const match of [...statements, ...dynamic]) {
        const specifier = match[1] ?? match[2];
        if (/^(node:|\.|\/)/.test(specifier!)) continue;
        const parts = specifier!.split("/");
        imported.add(specifier!.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
      }
    }
    expect(imported.size).toBeGreaterThan(10);
    expect([...imported].filter((name) => !(name in pkg.dependencies)).sort()).toEqual([]);
  });
});
