// After tsc: make the published bin executable (npx runs it directly) and copy the data files
// that sit next to the modules that read them (simulator scenarios, the stand-in factory's answers).
import { chmodSync, cpSync, existsSync } from "node:fs";

const root = new URL("..", import.meta.url);
chmodSync(new URL("dist/src/cli.js", root), 0o755);
for (const dir of ["src/sim/scenarios", "src/sim/factory"]) {
  const from = new URL(`${dir}/`, root);
  const dataOnly = (path) => !path.endsWith(".ts");
  if (existsSync(from)) cpSync(from, new URL(`dist/${dir}/`, root), { recursive: true, filter: dataOnly });
}
