// The Omni tools against a recording CLI runner: argv, the plan built from the template diff,
// credentials written 0600 without their contents in the result, and refusals before omnictl runs.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PolicyDenied, ToolError } from "../../../src/server/errors.js";
import type { CliResult, CliRunOptions, ToolContext } from "../../../src/server/tool-spec.js";
import omniGet from "../../../tools/omni-get.js";
import omniKubeconfig from "../../../tools/omni-kubeconfig.js";
import omniTalosconfig from "../../../tools/omni-talosconfig.js";
import templateExport from "../../../tools/template-export.js";
import templateStatus from "../../../tools/template-status.js";
import templateSync from "../../../tools/template-sync.js";
import { fakeServiceAccountKey } from "../../fixtures/fake-keys.js";

const KEY = fakeServiceAccountKey("automation");
const TEMPLATE = "kind: Cluster\nname: demo\nkubernetes:\n  version: v1.33.1\ntalos:\n  version: v1.10.3\n---\nkind: ControlPlane\nmachines: [430d882a-51a8-48b3-ae00-90c5b0b5b0b0]\n";

type Reply = Partial<CliResult> & { writeLastArg?: string };
interface Call {
  args: string[];
  options?: CliRunOptions;
}

let root: string;
let calls: Call[];
let replies: Reply[];
const savedEnv = { ...process.env };

function context(config: Record<string, unknown> = {}): ToolContext {
  const progress: string[] = [];
  const ctx = {
    config: { omniconfig: "/etc/talos-mcp/omniconfig", omniBreakGlass: false, ...config },
    caller: { transport: "memory", name: "test", role: "admin" },
    effectiveRole: "admin",
    signal: new AbortController().signal,
    progressMessages: progress,
    async progress(message: string) {
      progress.push(message);
    },
    async commandTree() {
      return undefined;
    },
    workspace: {
      root,
      async resolve(input: string, field: string) {
        const abs = isAbsolute(input) ? input : resolve(root, input);
        if (relative(root, abs).startsWith("..")) throw new PolicyDenied("workspace-paths", `${field} is outside the workspace`);
        return abs;
      },
      async resolveOutput(input: string, field: string, overwrite: boolean) {
        const abs = await this.resolve(input, field);
        if (!overwrite && existsSync(abs)) throw new ToolError(`${field} ${input} already exists`, { field });
        return abs;
      },
      async writeFile(abs: string, data: string | Uint8Array, mode = 0o600) {
        await mkdir(dirname(abs), { recursive: true });
        await writeFile(abs, data, { mode });
      },
      async mkdir(abs: string) {
        await mkdir(abs, { recursive: true });
      },
      async withScratchDir<T>(work: (dir: string) => Promise<T>) {
        const dir = mkdtempSync(join(root, ".scratch-"));
        try {
          return await work(dir);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    },
    cli: {
      async run(_binary: string, args: string[], options?: CliRunOptions): Promise<CliResult> {
        calls.push({ args, options });
        const reply = replies.shift() ?? {};
        if (reply.writeLastArg) writeFileSync(args.at(-1)!.replace(/^--[a-z-]+=/, ""), reply.writeLastArg);
        return { argv: args, exitCode: 0, stdout: "", stderr: "", truncated: false, durationMs: 1, aborted: false, ...reply };
      },
    },
  };
  return ctx as unknown as ToolContext;
}

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "omni-tools-")));
  mkdirSync(join(root, "omni"));
  writeFileSync(join(root, "omni/cluster.yaml"), TEMPLATE);
  calls = [];
  replies = [];
  process.env = { ...savedEnv, OMNI_SERVICE_ACCOUNT_KEY: KEY, OMNI_ENDPOINT: "http://127.0.0.1:8099" };
  delete process.env.SIDERO_SERVICE_ACCOUNT_KEY;
});
afterEach(() => {
  process.env = { ...savedEnv };
});

describe("template-sync", () => {
  const input = { template: "omni/cluster.yaml" };
  it("plans from the diff; an update alone is not destructive", async () => {
    replies.push({ stdout: "--- Clusters.omni.sidero.dev(default/demo)\n+++ Clusters.omni.sidero.dev(default/demo)\n@@ -1 +1 @@\n-a\n+b\n" });
    const plan = await templateSync.plan!(input, context());
    expect(calls[0]!.args).toEqual(["cluster", "template", "diff", `--file=${join(root, "omni/cluster.yaml")}`, `--allowed-dir=${root}`]);
    expect(calls[0]!.options).toMatchObject({ target: { omniconfig: "/etc/talos-mcp/omniconfig", auth: { env: { OMNI_SERVICE_ACCOUNT_KEY: KEY, OMNI_ENDPOINT: "http://127.0.0.1:8099" } } } });
    expect(plan).toMatchObject({ summary: "Sync Omni cluster template for demo: 0 to create, 1 to update, 0 to tear down", targets: ["Clusters(demo)"] });
    expect(plan.commands[0]!.slice(0, 4)).toEqual(["omnictl", "cluster", "template", "sync"]);
    expect(plan.destructive).toBeUndefined();
    expect(plan.typedConfirmation).toBeUndefined();
  });
  it("makes a machine-set teardown destructive with the cluster name to type", async () => {
    replies.push({ stdout: "--- MachineSets.omni.sidero.dev(default/demo-workers)\n+++ /dev/null\n-x\n" });
    const plan = await templateSync.plan!(input, context());
    expect(plan).toMatchObject({ destructive: true, typedConfirmation: "demo" });
    expect(plan.impact.join("\n")).toMatch(/tears down MachineSets\(demo-workers\)/);
  });
  it("says when Omni already matches", async () => {
    replies.push({ stdout: "" });
    expect((await templateSync.plan!(input, context())).impact).toEqual(["no change: Omni already matches the template"]);
  });
  it("runs sync and reports omnictl's actions", async () => {
    replies.push({ stdout: "* creating Clusters.omni.sidero.dev(demo)\n* creating MachineSets.omni.sidero.dev(demo-control-planes)\n" });
    const outcome = await templateSync.run(input, context());
    expect(calls[0]!.args[2]).toBe("sync");
    expect(outcome.structured).toEqual({ clusters: ["demo"], actions: [{ action: "creating", resource: "Clusters.omni.sidero.dev(demo)" }, { action: "creating", resource: "MachineSets.omni.sidero.dev(demo-control-planes)" }] });
  });
  it("refuses before omnictl runs when no key is configured", async () => {
    delete process.env.OMNI_SERVICE_ACCOUNT_KEY;
    await expect(templateSync.plan!(input, context())).rejects.toBeInstanceOf(ToolError);
    expect(calls).toEqual([]);
  });
  it("refuses a patch file outside the workspace before omnictl runs", async () => {
    writeFileSync(join(root, "omni/cluster.yaml"), `${TEMPLATE.split("---")[0]}patches:\n  - file: ../../etc/passwd\n---\nkind: ControlPlane\n`);
    await expect(templateSync.plan!(input, context())).rejects.toBeInstanceOf(PolicyDenied);
    expect(calls).toEqual([]);
  });
  it("quotes omnictl when the diff fails", async () => {
    replies.push({ exitCode: 1, stderr: "Error: rpc error: code = Unavailable desc = connection refused\n" });
    const error = (await templateSync.plan!(input, context()).catch((e: unknown) => e)) as ToolError;
    expect(error.details.cliMessage).toMatch(/connection refused/);
  });
});

describe("template-status", () => {
  it("polls until healthy, reporting progress in between", async () => {
    replies.push({ exitCode: 1, stdout: "Cluster demo PROVISIONING\n", stderr: "Error: cluster is not healthy\n" }, { exitCode: 0, stdout: "Cluster demo RUNNING Ready\n" });
    const ctx = context();
    const outcome = await templateStatus.run({ template: "omni/cluster.yaml", waitSeconds: 60, pollSeconds: 1 }, ctx);
    expect(outcome.structured).toMatchObject({ healthy: true, status: "Cluster demo RUNNING Ready" });
    expect(calls.map((c) => c.args.at(-1))).toEqual(["--wait=0s", "--wait=0s"]);
    expect((ctx as unknown as { progressMessages: string[] }).progressMessages[0]).toMatch(/not healthy yet[\s\S]*PROVISIONING/);
  });
  it("reports once without waiting by default", async () => {
    replies.push({ exitCode: 1, stdout: "Cluster demo PROVISIONING\n", stderr: "Error: cluster is not healthy\n" });
    const outcome = await templateStatus.run({ template: "omni/cluster.yaml", waitSeconds: 0, pollSeconds: 5 }, context());
    expect(outcome.structured).toMatchObject({ healthy: false });
    expect(calls).toHaveLength(1);
  });
});

describe("template-export", () => {
  it("writes omnictl's template into the workspace and refuses to overwrite by default", async () => {
    replies.push({ writeLastArg: TEMPLATE });
    const outcome = await templateExport.run({ cluster: "demo", output: "omni/exported.yaml", overwrite: false, includeKernelArgs: false }, context());
    expect(calls[0]!.args.slice(0, 4)).toEqual(["cluster", "template", "export", "--cluster=demo"]);
    expect(readFileSync(join(root, "omni/exported.yaml"), "utf8")).toBe(TEMPLATE);
    expect(outcome.structured).toMatchObject({ path: "omni/exported.yaml", clusters: ["demo"] });
    await expect(templateExport.run({ cluster: "demo", output: "omni/exported.yaml", overwrite: false, includeKernelArgs: false }, context())).rejects.toThrow(/already exists/);
  });
});

describe("omni-get", () => {
  it("asks for JSON and parses the stream", async () => {
    replies.push({ stdout: '{\n    "metadata": {"id": "demo"},\n    "spec": {"phase": "RUNNING"}\n}\n{\n    "metadata": {"id": "other"},\n    "spec": {}\n}\n' });
    const outcome = await omniGet.run({ type: "clusterstatus", selector: "env=prod" }, context());
    expect(calls[0]!.args).toEqual(["get", "clusterstatuses", "--output=json", "--selector=env=prod"]);
    expect(outcome.text).toBe("2 clusterstatus: demo, other");
  });

  it("takes label selectors only: every term is a label key (or !key) with an optional value, never a path or a flag", () => {
    const selector = (value: string) => omniGet.input.safeParse({ type: "clusters", selector: value }).success;
    for (const ok of ["env=prod", "omni.sidero.dev/cluster=demo", "!omni.sidero.dev/control-plane", "a=b,c!=d", "k8s.io/role==cp", "omni.sidero.dev/role-controlplane", "env=", "env!=", "a.b_c-d=v.1_x-2", "a,!b,c==d"]) expect(selector(ok), ok).toBe(true);
    for (const bad of ["/tmp/canary", "../etc/passwd", "env=prod,/etc/shadow", "-x", "--output=yaml", "=prod", ",env=prod", "env=prod,", "!/tmp/x", ""]) expect(selector(bad), bad).toBe(false);
    // Found by the fuzz suite (seed 1672439091): a key's name part or a value that is a path.
    for (const bad of ["demo/../../..", "demo/..", "a/b/c", "env=../../etc", "env=/etc/passwd", "env=a/b", "a..b/c", ".hidden=x", "env=-x", "env=x-", "env==!x", "a=b=c", "!env=prod", "Upper.Prefix/x"]) expect(selector(bad), bad).toBe(false);
  });
});

describe("credentials", () => {
  const kubeconfig = "apiVersion: v1\nusers:\n- name: x\n  user:\n    token: very-secret-token\n";
  it("omni-kubeconfig defaults to a one-hour token and has no default groups (Omni's would be system:masters)", () => {
    const parsed = omniKubeconfig.input.safeParse({ cluster: "demo", user: "automation", groups: ["ops:view"] });
    expect(parsed.success && parsed.data.ttlHours).toBe(1);
    expect(omniKubeconfig.input.safeParse({ cluster: "demo", user: "automation" }).success).toBe(false);
    expect(omniKubeconfig.input.safeParse({ cluster: "demo", user: "a", groups: ["ops:view"], ttlHours: 8760 }).success).toBe(false);
    expect(omniKubeconfig.risk).toBe("mutate");
  });
  it("omni-kubeconfig uses a service account, writes 0600 and returns only path, size and digest", async () => {
    replies.push({ writeLastArg: kubeconfig });
    const outcome = await omniKubeconfig.run({ cluster: "demo", user: "automation", groups: ["ops:view", "ops:edit"], ttlHours: 1, output: "omni/kubeconfig", overwrite: false }, context());
    expect(calls[0]!.args.slice(0, -1)).toEqual(["kubeconfig", "--cluster=demo", "--service-account", "--user=automation", "--groups=ops:view", "--groups=ops:edit", "--ttl=1h", "--force", "--merge=false"]);
    expect(statSync(join(root, "omni/kubeconfig")).mode & 0o777).toBe(0o600);
    expect(outcome.structured).toMatchObject({ path: "omni/kubeconfig", bytes: kubeconfig.length });
    expect(JSON.stringify(outcome)).not.toContain("very-secret-token");
    expect(JSON.stringify(calls)).not.toMatch(/very-secret-token/);
  });
  it("omni-talosconfig refuses break-glass unless the operator enabled it", async () => {
    await expect(omniTalosconfig.run({ breakGlass: true, output: "omni/talosconfig", overwrite: false }, context())).rejects.toBeInstanceOf(PolicyDenied);
    expect(calls).toEqual([]);
    replies.push({ writeLastArg: "context: x\n" });
    await omniTalosconfig.run({ cluster: "demo", breakGlass: true, output: "omni/talosconfig", overwrite: false }, context({ omniBreakGlass: true }));
    expect(calls[0]!.args).toContain("--break-glass");
  });
});
