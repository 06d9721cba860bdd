// Tokens files for HTTP tests: entries hashed as `talos-mcp token add` stores them.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { hashToken } from "../../src/transports/tokens.js";

export interface TestGrant {
  token: string;
  role: "reader" | "operator" | "admin";
  toolsets?: string[];
  expires?: string;
}

/** One entry of a tokens file: the grant with its token replaced by the stored hash. */
export function tokenEntry(name: string, grant: TestGrant) {
  return { name, ...grant, token: `sha256:${hashToken(grant.token).toString("hex")}` };
}

/** The YAML of a tokens file granting each named caller. */
export function tokensYaml(tokens: Record<string, TestGrant>): string {
  return stringify({ tokens: Object.entries(tokens).map(([name, grant]) => tokenEntry(name, grant)) });
}

export function writeTokensFile(dir: string, tokens: Record<string, TestGrant>): string {
  const path = join(dir, "tokens.yaml");
  writeFileSync(path, tokensYaml(tokens));
  return path;
}
