// What users install: the Dockerfile (parsed and checked, since no Docker daemon runs here),
// server.json for the MCP registry, and the npm package contents.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DockerfileParser } from "dockerfile-ast";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../helpers/stdio-server.js";

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));

describe("Dockerfile", () => {
  const dockerfile = DockerfileParser.parse(readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8"));
  const instructions = dockerfile.getInstructions().map((i) => ({ keyword: i.getKeyword(), args: i.getArgumentsContent() ?? "" }));
  const stages = dockerfile.getFROMs().map((from) => from.getBuildStage());
  const runtime = instructions.slice(instructions.findLastIndex((i) => i.keyword === "FROM"));

  it("is multi-stage: Go builds the CLIs, Node builds and runs the server", () => {
    expect(stages).toEqual(["clis", "build", "runtime"]);
    expect(dockerfile.getFROMs()[0]!.getImageName()).toBe("golang");
    expect(instructions.some((i) => i.keyword === "RUN" && i.args.includes("scripts/build-clis"))).toBe(true);
    expect(dockerfile.getFROMs().every((from) => from.getImageTag() && from.getImageTag() !== "latest")).toBe(true);
  });

  it("runs as a non-root user with volumes, HTTP by default and a health check", () => {
    const user = runtime.findIndex((i) => i.keyword === "USER");
    expect(user).toBeGreaterThan(0);
    expect(runtime[user]!.args).not.toMatch(/^(root|0)$/);
    expect(runtime.findIndex((i) => i.keyword === "CMD")).toBeGreaterThan(user);
    expect(runtime.find((i) => i.keyword === "VOLUME")!.args).toMatch(/\/workspace.*\/state/);
    expect(runtime.find((i) => i.keyword === "HEALTHCHECK")!.args).toContain("/healthz");
    expect(runtime.find((i) => i.keyword === "CMD")!.args).toMatch(/"--transport", "http".*"--tokens"/);
  });

  it("never pipes a download into a shell and has no syntax problems", () => {
    for (const i of instructions) expect(i.args, i.keyword).not.toMatch(/curl[^|]*\|\s*(ba)?sh|wget[^|]*\|\s*(ba)?sh/);
    expect(instructions.map((i) => i.keyword)).not.toContain("ADD");
    const known = new Set(["FROM", "WORKDIR", "RUN", "COPY", "ENV", "USER", "VOLUME", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD", "ARG"]);
    for (const i of instructions) expect(known.has(i.keyword), i.keyword).toBe(true);
  });
});

describe("server.json", () => {
  it("matches package.json", () => {
    const server = JSON.parse(readFileSync(join(REPO_ROOT, "server.json"), "utf8"));
    expect(server.version).toBe(pkg.version);
    expect(server.packages[0]).toMatchObject({ registryType: "npm", identifier: pkg.name, version: pkg.version, transport: { type: "stdio" } });
  });
});

describe("npm package", () => {
  it("ships the built server, prompts and the CLI build script; no tests or TypeScript sources", () => {
    const [pack] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
    const files: string[] = pack.files.map((f: { path: string }) => f.path);
    expect(files).toEqual(expect.arrayContaining(["dist/src/cli.js", "dist/tools/index.js", "prompts/create-cluster.md", "scripts/build-clis", "dist/src/sim/scenarios/fresh-3cp-2w.yaml", "README.md"]));
    expect(files.filter((f) => f.startsWith("test/") || (f.endsWith(".ts") && !f.endsWith(".d.ts")))).toEqual([]);
    expect(pkg.bin["talos-mcp"]).toBe("dist/src/cli.js");
    expect(readFileSync(join(REPO_ROOT, "dist/src/cli.js"), "utf8").startsWith("#!/usr/bin/env node")).toBe(true);
    expect(Object.keys(pkg.dependencies)).not.toContain("vitest");
  });
});
