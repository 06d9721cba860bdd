// One fuzz suite over some tools: for each, TALOS_MCP_FUZZ_RUNS generated inputs (500 in CI,
// 10,000 in `npm run test:nightly`), every call checked by the harness's invariants.
import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { createWorld, type FuzzWorld } from "./harness.js";

export const FUZZ_RUNS = Number(process.env.TALOS_MCP_FUZZ_RUNS ?? 500);

export function fuzzTools(title: string, tools: string[]): void {
  describe(title, () => {
    let world: FuzzWorld;
    beforeAll(async () => {
      world = await createWorld();
    }, 180_000);
    afterAll(async () => {
      world?.assertOutsideUntouched();
      await world?.close();
    });

    it.each(tools)(`%s: ${FUZZ_RUNS} generated inputs keep every invariant`, async (tool) => {
      await fc.assert(
        fc.asyncProperty(world.argumentsFor(tool), async (args) => {
          await world.call(tool, args);
        }),
        { numRuns: FUZZ_RUNS },
      );
      world.assertOutsideUntouched();
    }, 60_000 + FUZZ_RUNS * 250);
  });
}
