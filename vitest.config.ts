import { defineConfig } from "vitest/config";

// Integration and contract tests spawn real processes (the built server, talosctl, omnictl,
// the simulator); two cores are all a CI machine has, so keep parallelism modest.
//
// Two projects, run one after the other: the suite, then the secrets scan over what the whole
// suite recorded (test/setup/record-outputs.ts, test/secrets/scan.test.ts).
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    fileParallelism: true,
    globalSetup: ["test/setup/test-run-global.ts"],
    projects: [
      {
        extends: true,
        test: { name: "suite", include: ["test/**/*.test.ts"], exclude: ["test/secrets/**"], setupFiles: ["test/setup/record-outputs.ts"], sequence: { groupOrder: 0 } },
      },
      { extends: true, test: { name: "secrets-scan", include: ["test/secrets/*.test.ts"], sequence: { groupOrder: 1 } } },
    ],
  },
});
