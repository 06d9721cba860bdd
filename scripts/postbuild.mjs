// tsc does not set the executable bit; the published bin must be runnable by `npx talos-mcp`.
import { chmodSync } from "node:fs";
chmodSync(new URL("../dist/src/cli.js", import.meta.url), 0o755);
