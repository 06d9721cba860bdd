// After tsc: make the published bin executable (npx runs it directly) and copy the data files
// that sit next to the modules that read them (simulator scenarios, the stand-in factory's answers,
// the Kubernetes pins).
import { chmodSync, cpSync, existsSync } from "node:fs";

const root = new URL("..", import.meta.url);
chmodSync(new URL("dist/src/cli.js", root), 0o755);
const dataOnly = (path) => !path.endsWith(".ts");
for (const path of ["src/sim/scenarios/", "src/sim/factory/", "src/backends/kubernetes-pins.json"]) {
  const from = new URL(path, root);
  if (existsSync(from)) cpSync(from, new URL(`dist/${path}`, root), { recursive: true, filter: dataOnly });
}
