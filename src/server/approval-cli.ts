// `talos-mcp approve PLAN_ID` / `talos-mcp reject PLAN_ID` / `talos-mcp approve --list`: a person
// decides a pending plan from a terminal on the server's machine. The command reaches the running
// server through its approval store (files in the state directory, 0700/0600): whoever can run it
// as the server's user could equally write those files, so the terminal adds no new authority —
// and it needs no network port, no running page and no secret. With the kubernetes state backend
// (several replicas) it reaches the same store in the API, with the pod's or a kubeconfig's
// credentials. The plan is shown before deciding; destructive plans need their confirmation value
// typed (or --confirm).
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { defaultStateDir } from "../config.js";
import { closedReason, decidePlan } from "./approvals.js";
import { isPlanId, type ApprovalStore, type PlanState } from "./approval-store.js";
import { openStateBackend } from "../state/open.js";
import { describePlan } from "./consent.js";

const USAGE = `Usage:
  talos-mcp approve PLAN_ID [STATE] [--confirm VALUE] [--yes]
  talos-mcp reject PLAN_ID [STATE]
  talos-mcp approve --list [STATE]
STATE names the server's state, as serve was given it:
  --state-dir DIR   the file backend (default $TALOS_MCP_STATE_DIR, else $XDG_STATE_HOME/talos-mcp)
  --state kubernetes [--state-kubeconfig FILE] [--state-namespace NS]
                    the kubernetes backend (default: the pod's service account and namespace)
`;

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Asks a question on an interactive terminal; undefined when there is none. */
  ask?: (question: string) => Promise<string>;
  now: () => number;
}

function terminalIo(): Io {
  const interactive = process.stdin.isTTY && process.stdout.isTTY;
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    ask: interactive
      ? async (question) => {
          const rl = createInterface({ input: process.stdin, output: process.stdout });
          try {
            return await rl.question(question);
          } finally {
            rl.close();
          }
        }
      : undefined,
    now: Date.now,
  };
}

function show(state: PlanState, now: number): string {
  const { record } = state;
  const status = closedReason(state, now) ?? "waiting for a person's decision";
  return [`${record.id}: ${record.tool} asked by ${record.caller} at ${record.createdAt}, expires ${record.expiresAt}`, `Status: ${status}`, "", describePlan(record.plan, record.files), ""].join("\n");
}

export async function runApprovalCli(verb: "approve" | "reject", argv: string[], io: Io = terminalIo(), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values: { "state-dir"?: string; state?: string; "state-kubeconfig"?: string; "state-namespace"?: string; confirm?: string; yes?: boolean; list?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { "state-dir": { type: "string" }, state: { type: "string" }, "state-kubeconfig": { type: "string" }, "state-namespace": { type: "string" }, confirm: { type: "string" }, yes: { type: "boolean" }, list: { type: "boolean" }, help: { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    io.err(`talos-mcp ${verb}: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const backend = values.state ?? "file";
  if (backend !== "file" && backend !== "kubernetes") {
    io.err(`talos-mcp ${verb}: --state '${backend}' is not one of: file, kubernetes\n${USAGE}`);
    return 2;
  }
  let state;
  try {
    state = await openStateBackend(
      {
        stateDir: resolve(values["state-dir"] ?? defaultStateDir(env)),
        state: { backend, kubeconfig: values["state-kubeconfig"] && resolve(values["state-kubeconfig"]), namespace: values["state-namespace"], leaseSeconds: 15, lockWaitMs: 0 },
      },
      env,
    );
  } catch (error) {
    io.err(`talos-mcp ${verb}: ${(error as Error).message}\n`);
    return 2;
  }
  try {
    return await decideFromTerminal(verb, values, positionals, state.approvals, state.where, io);
  } catch (error) {
    io.err(`talos-mcp ${verb}: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await state.close();
  }
}

async function decideFromTerminal(
  verb: "approve" | "reject",
  values: { confirm?: string; yes?: boolean; list?: boolean },
  positionals: string[],
  store: ApprovalStore,
  where: string,
  io: Io,
): Promise<number> {
  const now = io.now();
  if (values.list) {
    const open = (await store.list()).filter((state) => !closedReason(state, now));
    io.out(open.length ? open.map((state) => show(state, now)).join("\n") : "No plan is waiting for a decision.\n");
    return 0;
  }
  const [id, ...extra] = positionals;
  if (!isPlanId(id) || extra.length > 0) {
    io.err(`talos-mcp ${verb}: give one plan id like plan-abcdefghijklmnop (see \`talos-mcp approve --list\`)\n${USAGE}`);
    return 2;
  }
  const state = await store.get(id);
  if (!state) {
    io.err(`talos-mcp ${verb}: there is no plan ${id} in ${where} (is this the server's state: --state-dir, or --state kubernetes?)\n`);
    return 1;
  }
  io.out(show(state, now));
  const closed = closedReason(state, now);
  if (closed) {
    io.err(`talos-mcp ${verb}: plan ${id} cannot be decided: ${closed}\n`);
    return 1;
  }
  let typed = values.confirm;
  const expected = state.record.plan.typedConfirmation;
  if (verb === "approve") {
    if (expected !== undefined && typed === undefined) {
      if (!io.ask) {
        io.err(`talos-mcp approve: this change is destructive: pass --confirm ${expected} to approve it\n`);
        return 2;
      }
      typed = (await io.ask(`This cannot be undone. Type ${expected} to confirm: `)).trim();
    } else if (!values.yes && io.ask && !/^y(es)?$/i.test((await io.ask("Approve this change? [y/N] ")).trim())) {
      io.err("Not approved; nothing was recorded.\n");
      return 1;
    }
  }
  const by = `terminal (${userInfo().username})`;
  const result = await decidePlan(store, id, { approve: verb === "approve", typed, by, via: "terminal" }, io.now());
  if (!result.ok) {
    io.err(`talos-mcp ${verb}: ${result.reason}\n`);
    return 1;
  }
  io.out(
    result.decision.decision === "approved"
      ? `Approved ${id}. The agent can now call ${state.record.tool} again with planId ${id} (until ${state.record.expiresAt}).\n`
      : `Rejected ${id}. Nothing will run.\n`,
  );
  return 0;
}
