// After tsc: bundle the server's own code into dist/bundle/ so that `talos-mcp serve` loads a few
// files at start instead of ≈60 modules, each of which pays Node's resolve, read, compile and link
// (bench/README.md, "Where start-up goes"). Rolldown rather than esbuild: esbuild splits code only
// by which entry points reach a module, which with this project's lazy imports (a tool module at
// its first call, the guard, the simulator, the transports) turned the start path into ≈90 chunk
// files; Rolldown's chunk groups put the start path in one chunk and keep every lazy part lazy.
//
// - Packages stay external: they are imported from node_modules as before (one zod and one MCP SDK
//   for us and the SDK, npm audit and the lockfile see what runs, licenses stay with the packages).
// - tsc's unbundled tree stays in dist/: the benchmarks and postbuild import its modules, and data
//   files (sim scenarios, manifests, pins) sit next to them. Each bundled module keeps its own
//   import.meta.url — the URL of its file in that tree — so everything found relative to a module
//   is found the same way bundled or not.
// - dist/src/cli.js, the bin, becomes a one-line module that imports dist/bundle/cli.js. A tree
//   built by tsc alone still runs (unbundled).
import { rmSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { rolldown, RolldownMagicString } from "rolldown";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = join(root, "dist/bundle");

/**
 * What `talos-mcp serve` imports, beside src/cli.ts's own imports, before it answers its first
 * tools/list over stdio (src/cli.ts, src/serve.ts). They and everything they import statically
 * become one chunk. A module newly imported at start but not reached from these loads as a chunk
 * of its own: test/integration/bundle.test.ts names it.
 */
export const SERVE_START = ["src/config.ts", "src/server/tool-catalog.ts", "src/exec/redact.ts", "src/serve.ts", "src/transports/stdio.ts"];

const BIN = "src/cli.ts";
const isPackage = (specifier) => !specifier.startsWith(".") && !specifier.startsWith("/") && !/^[A-Za-z]:/.test(specifier);

/** Static-import closure of `starts` in the module graph, as absolute ids. */
function staticClosure(getModuleInfo, starts) {
  const seen = new Set();
  const pending = [...starts];
  while (pending.length > 0) {
    const id = pending.pop();
    if (seen.has(id)) continue;
    seen.add(id);
    pending.push(...(getModuleInfo(id)?.importedIds ?? []));
  }
  return seen;
}

/** import.meta.url → the URL of the module's file in tsc's tree (dist/<path>.js), relative to the chunk directory. */
function moduleUrlPlugin() {
  return {
    name: "talos-mcp:module-url",
    transform(code, id) {
      if (!code.includes("import.meta.url")) return null;
      const built = relative(outDir, join(root, "dist", relative(root, id))).split(sep).join("/").replace(/\.ts$/, ".js");
      const source = new RolldownMagicString(code);
      for (const match of code.matchAll(/\bimport\.meta\.url\b/g)) source.overwrite(match.index, match.index + match[0].length, `new URL(${JSON.stringify(built)}, import.meta.url).href`);
      return { code: source };
    },
  };
}

export async function bundle() {
  let start = new Set();
  const startGroupPlugin = {
    name: "talos-mcp:start-group",
    buildEnd() {
      const info = (id) => this.getModuleInfo(id);
      const bin = staticClosure(info, [join(root, BIN)]);
      start = new Set([...staticClosure(info, SERVE_START.map((path) => join(root, path)))].filter((id) => !bin.has(id) && info(id) && !info(id).isExternal));
    },
  };
  const build = await rolldown({
    input: { cli: join(root, BIN) },
    cwd: root,
    // Required by includeDependenciesRecursively: false (below); the bin exports nothing anyway.
    preserveEntrySignatures: "allow-extension",
    platform: "node",
    tsconfig: join(root, "tsconfig.json"),
    external: (specifier) => specifier.startsWith("node:") || isPackage(specifier),
    plugins: [moduleUrlPlugin(), startGroupPlugin],
    onLog(level, log, handler) {
      // src/eval/host.ts imports serve.ts statically, src/cli.ts dynamically: both load one chunk.
      if (log.code === "INEFFECTIVE_DYNAMIC_IMPORT") return;
      handler(level, log);
    },
  });
  rmSync(outDir, { recursive: true, force: true });
  await build.write({
    dir: outDir,
    format: "es",
    sourcemap: true,
    sourcemapExcludeSources: true, // like tsc's maps: positions in src/, not a second copy of it
    entryFileNames: "[name].js",
    chunkFileNames: "[name]-[hash].js",
    codeSplitting: {
      // Dependencies of the start modules are in the set already; none outside it may join
      // (src/cli.ts's own imports stay in the entry, so `talos-mcp sim up` does not load the server).
      includeDependenciesRecursively: false,
      groups: [{ name: "serve-start", test: (id) => start.has(id) }],
    },
  });
  await build.close();
  const bin = join(root, "dist/src/cli.js");
  writeFileSync(bin, "#!/usr/bin/env node\n// The bundled server (scripts/bundle.mjs); `tsc` alone writes the unbundled src/cli.ts here.\nimport \"../bundle/cli.js\";\n");
  rmSync(`${bin}.map`, { force: true });
}
