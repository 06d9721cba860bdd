// The published bin runs the bundle (scripts/bundle.mjs): before its first answer, `talos-mcp serve`
// loads the bundle's entry, the modules the entry itself imports and the serve-start chunk; a tool's
// module and the guard stay in chunks loaded at the first call; no start-path module imports
// node:crypto, node:http or node:child_process. Observed in the real server process with loader
// hooks (test/fixtures/module-log), through a real MCP client.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, resultText, startStdioServer, type StdioServer } from "../helpers/stdio-server.js";

const BUNDLE = join(REPO_ROOT, "dist/bundle");
const moduleLog = join(tmpdir(), `talos-mcp-module-log-${process.pid}.txt`);
let server: StdioServer;

beforeAll(async () => {
  writeFileSync(moduleLog, "");
  const register = pathToFileURL(join(REPO_ROOT, "test/fixtures/module-log/register.mjs")).href;
  server = await startStdioServer({ env: { NODE_OPTIONS: `--import=${register}`, TALOS_MCP_MODULE_LOG: moduleLog } });
});
afterAll(async () => {
  await server?.close();
});

const resolvedSoFar = () => [...new Set(readFileSync(moduleLog, "utf8").split("\n").filter(Boolean))];
const bundleFiles = (urls: string[]) => urls.filter((url) => url.startsWith("file:")).map(fileURLToPath).filter((path) => path.startsWith(`${BUNDLE}/`));

/** The repository files a bundle chunk holds, from its source map ([] for a chunk with no code of its own). */
function sourcesOf(chunk: string): string[] {
  const map = `${chunk}.map`;
  if (!existsSync(map)) return [];
  const { sources } = JSON.parse(readFileSync(map, "utf8")) as { sources: string[] };
  return sources.map((source) => relative(REPO_ROOT, resolve(dirname(chunk), source)));
}

/** Chunks that only re-export another chunk's bindings (what Rolldown writes for a dynamic import of a grouped module). */
const reexportsOnly = (chunk: string) => /^export \{[^}]*\} from "\.\/[\w.-]+";\s*(\/\/# sourceMappingURL=\S+\s*)?$/.test(readFileSync(chunk, "utf8"));

describe("the bundled server", () => {
  let atStart: string[];

  it("the bin is a shim that runs dist/bundle/cli.js", async () => {
    await server.client.listTools();
    atStart = resolvedSoFar();
    expect(readFileSync(join(REPO_ROOT, "dist/src/cli.js"), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n(\/\/.*\n)*import "\.\.\/bundle\/cli\.js";\n$/);
    expect(bundleFiles(atStart)).toContain(join(BUNDLE, "cli.js"));
  });

  it("before the first call: the entry, the entry's own imports and the serve-start chunk, nothing else with code", () => {
    const entry = readFileSync(join(BUNDLE, "cli.js"), "utf8");
    const entryImports = [...entry.matchAll(/^import [^;]*?from "\.\/([\w.-]+)";/gm)].map((match) => join(BUNDLE, match[1]!));
    const expected = new Set([join(BUNDLE, "cli.js"), ...entryImports]);
    const loaded = bundleFiles(atStart);
    const serveStart = loaded.filter((chunk) => /\/serve-start-[\w-]+\.js$/.test(chunk));
    expect(serveStart, "one serve-start chunk").toHaveLength(1);
    const others = loaded.filter((chunk) => !expected.has(chunk) && !serveStart.includes(chunk) && !reexportsOnly(chunk));
    // A chunk here holds a module `talos-mcp serve` now loads at start that the start group does not
    // reach: add it to SERVE_START in scripts/bundle.mjs, or load it at first use.
    expect(others.map((chunk) => ({ chunk: relative(BUNDLE, chunk), holds: sourcesOf(chunk) }))).toEqual([]);
    expect(sourcesOf(serveStart[0]!)).toEqual(expect.arrayContaining(["src/config.ts", "src/serve.ts", "src/server/create-server.ts", "src/transports/stdio.ts"]));
  });

  it("before the first call: no tool module, no guard, no node:crypto, node:http or node:child_process", () => {
    const code = bundleFiles(atStart).flatMap(sourcesOf);
    expect(code.filter((source) => source.startsWith("tools/") && source !== "tools/modules.ts")).toEqual([]);
    expect(code).not.toContain("src/server/guard.ts");
    expect(atStart.filter((url) => ["node:crypto", "node:http", "node:child_process"].includes(url))).toEqual([]);
  });

  it("the first call loads the tool's module and the guard, from their own chunks", async () => {
    const result = await server.client.callTool({ name: "policy-check", arguments: { text: "talosctl get members" } });
    expect(result.isError, resultText(result)).toBeFalsy();
    const later = bundleFiles(resolvedSoFar()).filter((chunk) => !bundleFiles(atStart).includes(chunk));
    const code = later.flatMap(sourcesOf);
    expect(code).toEqual(expect.arrayContaining(["tools/policy-check.ts", "src/server/guard.ts"]));
  });
});
