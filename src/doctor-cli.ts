// `talos-mcp doctor [--json]`: what the server would use, and what is missing with the fix.
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { formatDoctorReport, runDoctor } from "./backends/doctor.js";

export async function runDoctorCli(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        json: { type: "boolean" },
        talosconfig: { type: "string" },
        omniconfig: { type: "string" },
        workspace: { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`talos-mcp doctor: ${(error as Error).message} (see talos-mcp doctor --help)\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write("Usage: talos-mcp doctor [--json] [--talosconfig FILE] [--omniconfig FILE] [--workspace DIR]\n");
    return 0;
  }
  const report = await runDoctor({
    talosconfig: values.talosconfig,
    omniconfig: values.omniconfig,
    workspace: resolve(values.workspace ?? "talos-workspace"),
    binaries: { talosctl: process.env.TALOSCTL || undefined, omnictl: process.env.OMNICTL || undefined },
  });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctorReport(report)}\n`);
  return report.missing.length > 0 ? 1 : 0;
}
