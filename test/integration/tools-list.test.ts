// Golden snapshot of tools/list (names, descriptions, schemas, annotations) from the built server
// over stdio. A change to any tool's public surface shows up here; after an intended change run
// `npm run update-golden` and review the diff.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startStdioServer, type StdioServer } from "../helpers/stdio-server.js";

const GOLDEN = join(REPO_ROOT, "test/golden/tools-list.json");
let server: StdioServer;

beforeAll(async () => {
  server = await startStdioServer();
});
afterAll(async () => {
  await server?.close();
});

describe("tools/list", () => {
  it("matches the golden snapshot", async () => {
    const { tools } = await server.client.listTools();
    const snapshot = `${JSON.stringify(tools, null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, snapshot);
    expect(existsSync(GOLDEN), "test/golden/tools-list.json is missing: run npm run update-golden").toBe(true);
    expect(snapshot).toBe(readFileSync(GOLDEN, "utf8"));
  });
});
