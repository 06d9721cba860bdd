// A tokens file for HTTP tests: entries hashed as `talos-mcp token add` stores them.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { hashToken } from "../../src/transports/tokens.js";

export function writeTokensFile(dir: string, tokens: Record<string, { token: string; role: "reader" | "operator" | "admin" }>): string {
  const path = join(dir, "tokens.yaml");
  const entries = Object.entries(tokens).map(([name, { token, role }]) => `  - { name: ${name}, token: "sha256:${hashToken(token).toString("hex")}", role: ${role} }`);
  writeFileSync(path, ["tokens:", ...entries].join("\n"));
  return path;
}
