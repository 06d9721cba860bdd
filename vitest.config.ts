import { defineConfig } from "vitest/config";

// Integration and contract tests spawn real processes (the built server, talosctl, omnictl,
// the simulator); two cores are all a CI machine has, so keep parallelism modest.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    fileParallelism: true,
  },
});
