import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalSchematicYaml, schematicId, schematicSchema } from "../../../src/factory/schematic.js";
import { configFor, session, text } from "../../helpers/session.js";
import { REPO_ROOT } from "../../helpers/stdio-server.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";

describe("schematic canonical form and id", () => {
  it("the empty schematic has the documented id", () => {
    const empty = schematicSchema.parse({});
    expect(canonicalSchematicYaml(empty)).toBe("customization: {}\n");
    expect(schematicId(empty)).toBe("376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba");
  });

  it("writes yaml.v3 style: struct order, 4-space indentation, omitempty", () => {
    const yaml = canonicalSchematicYaml(
      schematicSchema.parse({
        overlay: { image: "siderolabs/sbc-raspberrypi", name: "rpi_generic" },
        customization: { extraKernelArgs: ["vga=791"], systemExtensions: { officialExtensions: ["siderolabs/gvisor"] } },
      }),
    );
    expect(yaml).toBe(
      "overlay:\n    image: siderolabs/sbc-raspberrypi\n    name: rpi_generic\ncustomization:\n    extraKernelArgs:\n        - vga=791\n    systemExtensions:\n        officialExtensions:\n            - siderolabs/gvisor\n",
    );
  });

  it("rejects unknown fields and YAML-unsafe values, naming them", () => {
    expect(schematicSchema.safeParse({ customization: { bogus: 1 } }).success).toBe(false);
    expect(schematicSchema.safeParse({ customization: { extraKernelArgs: ["- injected: x"] } }).success).toBe(false);
  });
});

describe("image-schematic against a stand-in factory", () => {
  const official = readFileSync(join(REPO_ROOT, "test/unit/factory/fixtures/extensions-v1.12.6.json"), "utf8");
  let server: Server;
  let url: string;
  let lie = false;
  const posted: string[] = [];

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      if (req.method === "GET" && req.url === "/version/v1.12.6/extensions/official") return void res.writeHead(200, { "content-type": "application/json" }).end(official);
      if (req.method === "GET" && req.url?.startsWith("/version/")) return void res.writeHead(404).end();
      if (req.method === "POST" && req.url === "/schematics") {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks).toString();
        posted.push(body);
        const id = lie ? "f".repeat(64) : createHash("sha256").update(body).digest("hex");
        return void res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ id }));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const call = async (args: Record<string, unknown>) => {
    const { call } = await session(configFor(mkdtempSync(join(tmpdir(), "talos-mcp-factory-")), ["--factory-url", url]));
    return call("image-schematic", args);
  };

  it("returns the id, installer image and media URLs", async () => {
    const result = await call({ talosVersion: "v1.12.6", extensions: ["siderolabs/iscsi-tools", "siderolabs/gvisor"] });
    const out = result.structuredContent as Record<string, any>;
    expect(out.schematicId).toMatch(/^[0-9a-f]{64}$/);
    expect(posted.at(-1)).toContain("            - siderolabs/gvisor\n            - siderolabs/iscsi-tools\n");
    expect(out.installerImage).toBe(`127.0.0.1:${new URL(url).port}/metal-installer/${out.schematicId}:v1.12.6`);
    expect(out.urls.iso).toBe(`${url}/image/${out.schematicId}/v1.12.6/metal-amd64.iso`);
  });

  it("refuses extensions the factory does not list, and unknown versions", async () => {
    expect(text(await call({ talosVersion: "v1.12.6", extensions: ["siderolabs/not-real"] }))).toMatch(/unknown extension\(s\).*siderolabs\/not-real/);
    expect(text(await call({ talosVersion: "v9.9.9", extensions: ["siderolabs/gvisor"] }))).toMatch(/does not know Talos v9\.9\.9/);
  });

  it("refuses a server answer that does not match the local id", async () => {
    lie = true;
    try {
      expect(text(await call({ talosVersion: "v1.12.6" }))).toMatch(/hashes to 376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba/);
    } finally {
      lie = false;
    }
  });
});
