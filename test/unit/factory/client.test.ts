// The factory client against a stand-in factory on loopback: extension lists cached per factory
// and version (memory and disk), schematic posting, and errors that say what went wrong.
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FactoryClient, FactoryError } from "../../../src/factory/client.js";
import { EMPTY_SCHEMATIC_ID } from "../../../src/factory/schematic.js";
import { startStandInFactory, type StandInFactory } from "../../../src/sim/factory/server.js";

let factory: StandInFactory;
beforeAll(async () => (factory = await startStandInFactory()));
afterAll(() => factory.close());

describe("FactoryClient", () => {
  it("reads the official extensions once, then from the disk cache in a new client", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "talos-mcp-factory-cache-"));
    const first = new FactoryClient({ baseUrl: `${factory.url}/`, cacheDir });
    const before = factory.requests.length;
    const list = await first.officialExtensions("v1.12.6");
    expect(list.map((e) => e.name)).toContain("siderolabs/gvisor");
    await first.officialExtensions("v1.12.6");
    expect(factory.requests.length - before).toBe(1);
    expect(readdirSync(cacheDir)).toHaveLength(1);

    const second = new FactoryClient({ baseUrl: factory.url, cacheDir });
    expect((await second.officialExtensions("v1.12.6")).map((e) => e.name)).toEqual(list.map((e) => e.name));
    expect(factory.requests.length - before).toBe(1);
  });

  it("says when the factory does not know the version, and does not cache the failure", async () => {
    const client = new FactoryClient({ baseUrl: factory.url });
    await expect(client.officialExtensions("v9.9.9")).rejects.toThrow(/does not know Talos v9\.9\.9/);
    await expect(client.officialExtensions("v9.9.9")).rejects.toBeInstanceOf(FactoryError);
    expect(factory.requests.filter((r) => r.path === "/version/v9.9.9/extensions/official")).toHaveLength(2);
  });

  it("posts the schematic as YAML and returns the id", async () => {
    const client = new FactoryClient({ baseUrl: factory.url });
    expect(await client.createSchematic("customization: {}\n")).toBe(EMPTY_SCHEMATIC_ID);
    expect(factory.requests.at(-1)).toMatchObject({ method: "POST", path: "/schematics", body: "customization: {}\n", contentType: "application/yaml" });
  });

  it("reports a refusal with the factory's message, and server errors with the status", async () => {
    const client = new FactoryClient({ baseUrl: factory.url });
    await expect(client.createSchematic("bogus: 1\n")).rejects.toThrow(/HTTP 400\).*field bogus not found/s);
    factory.failWith = 503;
    try {
      await expect(client.createSchematic("customization: {}\n")).rejects.toThrow(/HTTP 503/);
      await expect(client.officialExtensions("v1.12.6")).rejects.toThrow(/HTTP 503/);
    } finally {
      factory.failWith = undefined;
    }
  });

  it("names the factory when it cannot be reached", async () => {
    const client = new FactoryClient({ baseUrl: "http://127.0.0.1:1", timeoutMs: 2_000 });
    await expect(client.officialExtensions("v1.12.6")).rejects.toThrow(/Image Factory at http:\/\/127\.0\.0\.1:1 is unreachable/);
  });
});
