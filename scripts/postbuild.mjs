// After tsc: bundle the server (scripts/bundle.mjs: dist/bundle/, and the bin dist/src/cli.js that
// loads it), make the published bin executable (npx runs it directly), copy the data files
// that sit next to the modules that read them (simulator scenarios, the stand-in factory's answers,
// the Kubernetes pins), and write the manifests the server lists its tools and prompts from at
// start (src/server/tool-manifest.ts, prompts/index.ts) from the modules and prompt files.
import { chmodSync, cpSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bundle } from "./bundle.mjs";

const root = new URL("..", import.meta.url);
await bundle();
chmodSync(new URL("dist/src/cli.js", root), 0o755);
const dataOnly = (path) => !path.endsWith(".ts");
for (const path of ["src/sim/scenarios/", "src/sim/factory/", "src/backends/kubernetes-pins.json"]) {
  const from = new URL(path, root);
  if (existsSync(from)) cpSync(from, new URL(`dist/${path}`, root), { recursive: true, filter: dataOnly });
}

const { buildToolManifest } = await import(new URL("dist/src/server/tool-manifest.js", root).href);
const { writeFileAtomic } = await import(new URL("dist/src/fs/atomic.js", root).href);
await writeFileAtomic(fileURLToPath(new URL("dist/tools/manifest.json", root)), `${JSON.stringify(await buildToolManifest())}\n`, 0o644);
const { buildPromptManifest } = await import(new URL("dist/prompts/index.js", root).href);
await writeFileAtomic(fileURLToPath(new URL("dist/prompts/manifest.json", root)), `${JSON.stringify(buildPromptManifest())}\n`, 0o644);
