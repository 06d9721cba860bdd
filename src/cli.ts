#!/usr/bin/env node
// Entry point: `talos-mcp [serve] …` (default), `doctor`, `sim`, `docs`, `token`.
// Anything that is not a known subcommand or flag fails with a message naming it (exit 2).
// The server (config, every tool, the transports) loads only when serving or asked for help:
// subcommands such as `sim up` and `eval verify` start without paying for it.
import { SERVER_VERSION } from "./server/package-info.js";
import { SUBCOMMANDS } from "./subcommands.js";
import type { Config } from "./config.js";

const help = (serveHelp: () => string) => `talos-mcp ${SERVER_VERSION} — MCP server for Talos Linux and Omni, with a policy guard

Usage:
  talos-mcp [serve] [flags]          serve MCP over stdio (default) or HTTP
  talos-mcp doctor [--json]          check binaries, talosconfig/omniconfig, workspace
${Object.entries(SUBCOMMANDS)
  .map(([name, sub]) => `  talos-mcp ${name.padEnd(25)}${sub.summary}`)
  .join("\n")}
  talos-mcp --help | --version

Serve flags:
${serveHelp()}

Environment: TALOSCTL, OMNICTL (binary paths), TALOSCONFIG, OMNICONFIG,
OMNI_SERVICE_ACCOUNT_KEY / SIDERO_SERVICE_ACCOUNT_KEY (Omni service account, never a tool argument).
`;

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(help((await import("./config.js")).serveHelp));
    return 0;
  }
  if (first === "--version" || first === "-v") {
    process.stdout.write(`${SERVER_VERSION}\n`);
    return 0;
  }
  if (first === "doctor") return (await import("./doctor-cli.js")).runDoctorCli(rest);
  if (first !== undefined && first in SUBCOMMANDS) return SUBCOMMANDS[first]!.run(rest);

  const serveArgs = first === "serve" ? rest : argv;
  if (first !== undefined && first !== "serve" && !first.startsWith("-")) {
    process.stderr.write(`talos-mcp: unknown command '${first}' (see talos-mcp --help)\n`);
    return 2;
  }
  const [{ buildConfig, ConfigError, parseServeFlags, serveHelp }, { TOOL_CATALOG }] = await Promise.all([import("./config.js"), import("./server/tool-catalog.js")]);
  let config: Config;
  try {
    const flags = parseServeFlags(serveArgs);
    if (flags.help) {
      process.stdout.write(help(serveHelp));
      return 0;
    }
    if (flags.version) {
      process.stdout.write(`${SERVER_VERSION}\n`);
      return 0;
    }
    config = buildConfig({ flags, env: process.env, cwd: process.cwd(), knownTools: TOOL_CATALOG.map((tool) => tool.name) });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`talos-mcp: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // stdout belongs to the MCP stdio transport: logs go to stderr only.
  const [{ pino }, { redactValue }, { runServe }] = await Promise.all([import("pino"), import("./exec/redact.js"), import("./serve.js")]);
  const log = pino({ level: config.logLevel, base: { name: "talos-mcp" }, formatters: { log: (object) => redactValue(object) } }, pino.destination(2));
  return runServe(config, log);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`talos-mcp: ${error.message}\n`);
    process.exitCode = 1;
  },
);
