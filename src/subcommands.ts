// Subcommands other than serve and doctor, loaded lazily so `talos-mcp serve` never pays for them.
export interface Subcommand {
  summary: string;
  run(argv: string[]): Promise<number>;
}

export const SUBCOMMANDS: Record<string, Subcommand> = {
  sim: { summary: "simulated Talos cluster: up | events | scenarios", run: async (argv) => (await import("./sim/index.js")).runSimCli(argv) },
  docs: { summary: "offline docs index: index | search", run: async (argv) => (await import("./docs/cli.js")).runDocsCli(argv) },
  audit: { summary: "audit log: verify FILE… (hash chain)", run: async (argv) => (await import("./audit/cli.js")).runAuditCli(argv) },
  eval: { summary: "agent evaluation tasks: list | setup | verify | teardown | trace | run | connect", run: async (argv) => (await import("./eval/cli.js")).runEvalCli(argv) },
  token: { summary: "HTTP bearer tokens: add | list", run: async (argv) => (await import("./transports/tokens.js")).runTokenCli(argv) },
  approve: { summary: "approve a pending plan: PLAN_ID | --list", run: async (argv) => (await import("./server/approval-cli.js")).runApprovalCli("approve", argv) },
  reject: { summary: "reject a pending plan: PLAN_ID", run: async (argv) => (await import("./server/approval-cli.js")).runApprovalCli("reject", argv) },
  "policy-check": { summary: "grade text or a chat transcript against the Talos rules: [FILE|-] [--json]", run: async (argv) => (await import("./policy/cli.js")).runPolicyCheckCli(argv) },
};
