// The pinned omnictl (v1.9.3) on real templates: each documented template error as omnictl prints
// it, parsed into structured issues (section, cluster, field, line, document). Offline: validate
// never contacts Omni.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseTemplateErrors, type TemplateIssue } from "../../src/omni/template.js";

const OMNICTL = join(process.env.TALOS_MCP_CACHE ?? join(homedir(), ".cache/talos-mcp"), "bin/omnictl");
const CP_ID = "430d882a-51a8-48b3-ae00-90c5b0b5b0b0";
const WORKER_ID = "430d882a-51a8-48b3-ae00-90c5b0b5b0b1";
const CLUSTER = "kind: Cluster\nname: demo\nkubernetes:\n  version: v1.33.1\ntalos:\n  version: v1.10.3";
const CONTROL_PLANE = `kind: ControlPlane\nmachines:\n  - ${CP_ID}`;
const WORKERS = `kind: Workers\nmachines:\n  - ${WORKER_ID}`;
const docs = (...parts: string[]) => `${parts.join("\n---\n")}\n`;

const dir = mkdtempSync(join(tmpdir(), "omni-validate-"));
mkdirSync(join(dir, "patches"));
writeFileSync(join(dir, "patches/ntp.yaml"), "machine:\n  time:\n    servers: [time.example]\n");

async function validate(name: string, text: string): Promise<{ ok: boolean; issues: TemplateIssue[]; stdout: string }> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  try {
    const { stdout } = await promisify(execFile)(OMNICTL, ["cluster", "template", "validate", `--file=${file}`, `--allowed-dir=${dir}`], { env: { PATH: process.env.PATH, HOME: dir, BROWSER: "echo" } });
    return { ok: true, issues: [], stdout };
  } catch (error) {
    const { stderr } = error as { stderr: string };
    return { ok: false, stdout: "", issues: parseTemplateErrors(stderr, text) };
  }
}

describe("omnictl cluster template validate (real v1.9.3)", () => {
  it("accepts a good template with a patch file, silently", async () => {
    const result = await validate("good", docs(`${CLUSTER}\npatches:\n  - file: patches/ntp.yaml`, CONTROL_PLANE, WORKERS));
    expect(result).toEqual({ ok: true, issues: [], stdout: "" });
  });

  it.each<[string, string, Partial<TemplateIssue>[]]>([
    ["no cluster", docs(CONTROL_PLANE), [{ message: "template should contain 1 cluster, got 0" }]],
    ["two clusters", docs(CLUSTER, CLUSTER, CONTROL_PLANE), [{ message: "template should contain 1 cluster, got 2" }]],
    ["no control plane", docs(CLUSTER), [{ message: "template should contain 1 controlplane, got 0" }]],
    [
      "bad cluster name and Talos version",
      docs(CLUSTER.replace("name: demo", 'name: "de mo"').replace("version: v1.10.3", "version: 1.10.3"), CONTROL_PLANE),
      [
        { cluster: "de mo", field: "name", message: "name should only contain letters, digits, dashes and underscores" },
        { cluster: "de mo", field: "version", message: "version should start with 'v'" },
      ],
    ],
    ["duplicate workers", docs(CLUSTER, CONTROL_PLANE, WORKERS, WORKERS), [{ message: 'duplicate workers with name ""' }, { message: `machine "${WORKER_ID}" is used in multiple workers: ["" ""]` }]],
    ["unreferenced machine", docs(CLUSTER, CONTROL_PLANE, "kind: Machine\nname: 430d882a-51a8-48b3-ae00-90c5b0b5b0b9"), [{ message: 'machine "430d882a-51a8-48b3-ae00-90c5b0b5b0b9" is not used in controlplane or workers' }]],
    ["locked control-plane machine", docs(CLUSTER, CONTROL_PLANE, `kind: Machine\nname: ${CP_ID}\nlocked: true`), [{ message: `machine "${CP_ID}" is locked and used in controlplane` }]],
    ["machine ID not a UUID", docs(CLUSTER, "kind: ControlPlane\nmachines:\n  - node-1"), [{ section: "controlplane", message: 'invalid machine ID "node-1": invalid UUID length: 6' }]],
    ["reserved workers name", docs(CLUSTER, CONTROL_PLANE, `kind: Workers\nname: control-planes\nmachines: [${WORKER_ID}]`), [{ section: "workers", message: 'name "control-planes" cannot be used in workers' }]],
    ["unknown field", docs(CLUSTER, CONTROL_PLANE, `${WORKERS}\nbogusField: 1`), [{ document: 3, line: 15, column: 1, field: "bogusField", message: "field bogusField not found in type models.Workers" }]],
    ["unknown kind", docs(CLUSTER, CONTROL_PLANE, "kind: Bogus\nname: x"), [{ document: 3, line: 12, column: 1, field: "kind", message: 'unknown model kind "Bogus"' }]],
    ["patch outside the allowed directory", docs(`${CLUSTER}\npatches:\n  - file: ../outside.yaml`, CONTROL_PLANE), [{ cluster: "demo", section: 'patch "../outside.yaml"', message: expect.stringMatching(/failed to access "\.\.\/outside\.yaml".*escapes/) as unknown as string }]],
  ])("%s", async (name, text, expected) => {
    const result = await validate(name.replaceAll(" ", "-"), text);
    expect(result.ok).toBe(false);
    expect(result.issues).toEqual(expected.map((issue) => expect.objectContaining(issue)));
    expect(result.issues).toHaveLength(expected.length);
  });
});
