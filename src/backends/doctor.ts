// `talos-mcp doctor`: what the server would use — binaries (path, version, pinned?), the
// talosconfig and omniconfig contexts with their roles, the workspace — and what is missing, each
// with the command that fixes it.
import { access, constants, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { readFile } from "node:fs/promises";
import type { CliBinary } from "../server/tool-spec.js";
import { SERVICE_ACCOUNT_ENV_NAMES, serviceAccountKeyProblem } from "../omni/auth.js";
import { discoverBinary, type BinaryInfo } from "./binaries.js";
import { readTalosconfig, resolveTalosconfigPath, type TalosconfigInfo } from "./talosconfig.js";
import { PINNED } from "./versions.js";

export interface OmniconfigInfo {
  path: string;
  current?: string;
  contexts: { name: string; url?: string; identity?: string }[];
}

export interface DoctorReport {
  binaries: Record<CliBinary, BinaryInfo | { missing: true; fix: string }>;
  talosconfig?: TalosconfigInfo | { path: string; error: string };
  omniconfig?: OmniconfigInfo | { path: string; error: string };
  workspace: { path: string; exists: boolean; writable: boolean };
  /** The Omni service-account key in the environment (never its value), or its problem. */
  omniKey?: { source: string } | { source: string; problem: string };
  warnings: string[];
  missing: { what: string; fix: string }[];
}

export function resolveOmniconfigPath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return flag;
  if (env.OMNICONFIG) return env.OMNICONFIG;
  return join(env.TALOS_HOME || join(env.HOME || homedir(), ".talos"), "omni", "config");
}

export async function readOmniconfig(path: string): Promise<OmniconfigInfo> {
  const doc = (parseYaml(await readFile(path, "utf8")) ?? {}) as { context?: string; contexts?: Record<string, { url?: string; auth?: { siderov1?: { identity?: string } } }> };
  return {
    path,
    current: doc.context,
    contexts: Object.entries(doc.contexts ?? {}).map(([name, ctx]) => ({ name, url: ctx.url, identity: ctx.auth?.siderov1?.identity })),
  };
}

const exists = (path: string) => access(path).then(() => true, () => false);

export async function runDoctor(
  input: { talosconfig?: string; omniconfig?: string; workspace: string; binaries: { talosctl?: string; omnictl?: string } },
  env: NodeJS.ProcessEnv = process.env,
): Promise<DoctorReport> {
  const warnings: string[] = [];
  const missing: { what: string; fix: string }[] = [];
  const binaries = {} as DoctorReport["binaries"];
  for (const binary of ["talosctl", "omnictl"] as const) {
    const info = await discoverBinary(binary, { explicitPath: input.binaries[binary] }).catch((error: Error) => {
      warnings.push(error.message);
      return undefined;
    });
    if (!info) {
      const fix = `run \`npm run clis\` (scripts/build-clis builds ${binary} ${PINNED[binary]}) or set ${binary.toUpperCase()}`;
      binaries[binary] = { missing: true, fix };
      missing.push({ what: `${binary} binary`, fix });
    } else {
      binaries[binary] = info;
      if (!info.supported) warnings.push(`${binary} ${info.version} at ${info.path} is outside the supported range (pinned ${PINNED[binary]})`);
    }
  }

  const report: DoctorReport = { binaries, workspace: { path: input.workspace, exists: false, writable: false }, warnings, missing };
  const talosPath = resolveTalosconfigPath(input.talosconfig);
  if (talosPath && (await exists(talosPath))) {
    report.talosconfig = await readTalosconfig(talosPath).catch((error: Error) => ({ path: talosPath, error: error.message }));
  } else {
    missing.push({ what: "talosconfig (needed by live tools)", fix: "pass --talosconfig, set TALOSCONFIG, or create a cluster in the workspace with the gen-config tool" });
  }
  const omniPath = resolveOmniconfigPath(input.omniconfig);
  if (await exists(omniPath)) {
    report.omniconfig = await readOmniconfig(omniPath).catch((error: Error) => ({ path: omniPath, error: error.message }));
  } else {
    warnings.push(`no omniconfig at ${omniPath}: the omni tools need one (omnictl config new, or --omniconfig)`);
  }
  // Omni tools and Omni-issued (SideroV1) talosconfig contexts need a service-account key.
  const keyVar = SERVICE_ACCOUNT_ENV_NAMES.find((name) => env[name]);
  if (keyVar) {
    const problem = serviceAccountKeyProblem(env[keyVar]!);
    report.omniKey = problem ? { source: keyVar, problem } : { source: keyVar };
    if (problem) warnings.push(`${keyVar} ${problem}: the Omni tools and SideroV1 talosconfig contexts will refuse to run`);
  } else {
    const tc = report.talosconfig;
    const sideroV1 = tc && !("error" in tc) ? tc.contexts.filter((c) => c.auth === "siderov1").map((c) => c.name) : [];
    if (sideroV1.length > 0 || report.omniconfig) {
      warnings.push(
        `no Omni service-account key in the environment${sideroV1.length ? ` (talosconfig contexts ${sideroV1.join(", ")} sign in through Omni)` : ""}: set OMNI_SERVICE_ACCOUNT_KEY or omniServiceAccountKeyFile in the config (omnictl serviceaccount create <name>)`,
      );
    }
  }
  const ws = await stat(input.workspace).catch(() => undefined);
  report.workspace = { path: input.workspace, exists: Boolean(ws?.isDirectory()), writable: ws ? await access(input.workspace, constants.W_OK).then(() => true, () => false) : false };
  if (!ws) warnings.push(`workspace ${input.workspace} does not exist yet; the server creates it (0700) on first use`);
  return report;
}

export function formatDoctorReport(report: DoctorReport): string {
  const lines: string[] = [];
  for (const [name, info] of Object.entries(report.binaries)) {
    lines.push("missing" in info ? `✗ ${name}: missing — ${info.fix}` : `✓ ${name} ${info.version}${info.pinned ? " (pinned)" : ""} at ${info.path} [${info.source}]`);
  }
  const tc = report.talosconfig;
  if (tc && "error" in tc) lines.push(`✗ talosconfig ${tc.path}: ${tc.error}`);
  else if (tc) lines.push(`✓ talosconfig ${tc.path}: ${tc.contexts.map((c) => `${c.name}${c.name === tc.current ? "*" : ""} [${c.roles.join(",") || c.auth}]`).join(", ")}`);
  const oc = report.omniconfig;
  if (oc && "error" in oc) lines.push(`✗ omniconfig ${oc.path}: ${oc.error}`);
  else if (oc) lines.push(`✓ omniconfig ${oc.path}: ${oc.contexts.map((c) => `${c.name} ${c.url ?? ""}`).join(", ")}`);
  if (report.omniKey) lines.push(`${"problem" in report.omniKey ? "✗" : "✓"} Omni service-account key from ${report.omniKey.source}`);
  lines.push(`${report.workspace.exists ? "✓" : "·"} workspace ${report.workspace.path}${report.workspace.exists ? (report.workspace.writable ? " (writable)" : " (NOT writable)") : " (created on first use)"}`);
  for (const warning of report.warnings) lines.push(`! ${warning}`);
  for (const item of report.missing) lines.push(`✗ missing ${item.what}: ${item.fix}`);
  return lines.join("\n");
}
