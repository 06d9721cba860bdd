// Reference servers and the tokenizer the benchmarks compare against. They are installed from npm
// into a directory outside the repository (never project dependencies): $TALOS_MCP_BENCH_PEERS,
// else ~/.cache/talos-mcp/bench-peers. Versions are pinned so figures compare across runs.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const PEER_VERSIONS = {
  "@modelcontextprotocol/server-everything": "2026.8.31",
  "mcp-server-kubernetes": "4.1.7",
  "gpt-tokenizer": "4.0.0",
};

export const PEERS_DIR = process.env.TALOS_MCP_BENCH_PEERS ?? join(homedir(), ".cache/talos-mcp/bench-peers");

/** Installs the pinned peers once (npm, no lifecycle scripts); returns the directory. */
export function ensurePeers() {
  const missing = Object.keys(PEER_VERSIONS).filter((name) => !existsSync(join(PEERS_DIR, "node_modules", name, "package.json")));
  if (missing.length === 0) return PEERS_DIR;
  mkdirSync(PEERS_DIR, { recursive: true });
  if (!existsSync(join(PEERS_DIR, "package.json"))) writeFileSync(join(PEERS_DIR, "package.json"), '{"private":true}\n');
  const specs = Object.entries(PEER_VERSIONS).map(([name, version]) => `${name}@${version}`);
  process.stderr.write(`bench: installing ${specs.join(" ")} into ${PEERS_DIR}\n`);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", PEERS_DIR, ...specs], { stdio: ["ignore", "ignore", "inherit"] });
  return PEERS_DIR;
}

export const peerPath = (...parts) => join(PEERS_DIR, "node_modules", ...parts);

/** Token counter: gpt-tokenizer's o200k_base encoding (the GPT-4o / GPT-5 family). */
export async function tokenCounter() {
  ensurePeers();
  const { countTokens } = await import(peerPath("gpt-tokenizer/esm/encoding/o200k_base.js"));
  return { name: `gpt-tokenizer@${PEER_VERSIONS["gpt-tokenizer"]} o200k_base`, count: (text) => countTokens(text) };
}
