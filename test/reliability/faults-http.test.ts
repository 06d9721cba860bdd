// Faults of the services the server calls over HTTP: the docs site (its MCP endpoint) and the
// Image Factory — slow (no answer), failing (HTTP 500), answering garbage, answering without end,
// dropping the connection. Local stand-ins on 127.0.0.1:0 switch between a correct answer and
// each fault. The built server runs over stdio; every fault must give a clear isError result
// within the client's timeout with bounded memory, and the next call must be served.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { peakRssMiB, settledDescendants } from "../helpers/processes.js";
import { resultText, startStdioServer, type StdioServer } from "../helpers/stdio-server.js";

type Mode = "ok" | "slow" | "failing" | "garbage" | "endless" | "reset";

/** The docs client gives up after 15 s, the factory client after 20 s; plus slack for a loaded machine. */
const WITHIN_MS = { docs: 15_000 + 10_000, factory: 20_000 + 10_000 };

/** An HTTP stand-in that answers with `healthy` in mode ok and misbehaves otherwise. */
async function standIn(healthy: (req: IncomingMessage, res: ServerResponse, body: string) => Promise<void> | void) {
  const state = { mode: "ok" as Mode };
  const open = new Set<ServerResponse>();
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    switch (state.mode) {
      case "ok":
        return healthy(req, res, body);
      case "slow":
        open.add(res);
        return; // never answers
      case "failing":
        return void res.writeHead(500, { "content-type": "text/plain" }).end("internal server error\n");
      case "garbage":
        return void res.writeHead(200, { "content-type": "application/json" }).end("<html><body>{not json]</body>\u0000\u0001");
      case "endless": {
        res.writeHead(200, { "content-type": "application/json" });
        const chunk = "x".repeat(64 * 1024);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once("drain", pump);
        };
        return pump();
      }
      case "reset":
        return void req.socket.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The docs site's MCP endpoint, reduced to its search tool. */
function docsSite() {
  return standIn(async (req, res, body) => {
    const mcp = new McpServer({ name: "docs-stand-in", version: "1" });
    mcp.registerTool("search_sidero_documentation", { description: "search", inputSchema: { query: z.string(), version: z.string().optional() } }, async ({ query }) => ({
      content: [{ type: "text", text: `Title: Bootstrap\nLink: https://docs.siderolabs.com/talos/v1.12/getting-started/getting-started\nContent: ${query}: bootstrap etcd once.` }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => void transport.close());
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body ? JSON.parse(body) : undefined);
  });
}

/** The Image Factory's POST /schematics: the id is the sha256 of the (canonical) body. */
function imageFactory() {
  return standIn((req, res, body) => {
    if (req.method === "POST" && req.url === "/schematics") {
      return void res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ id: createHash("sha256").update(body).digest("hex") }));
    }
    res.writeHead(404).end();
  });
}

const EXPECTED: Record<Exclude<Mode, "ok">, { docs: RegExp; factory: RegExp }> = {
  slow: { docs: /the docs site did not answer \(The operation was aborted due to timeout\)/, factory: /Image Factory at .* is unreachable: no answer within 20000 ms/ },
  failing: { docs: /the docs site did not answer \(.*internal server error/, factory: /Image Factory refused the schematic \(HTTP 500\): internal server error/ },
  garbage: { docs: /the docs site did not answer \(.*is not valid JSON\)/, factory: /Image Factory answered the schematic with something that is not JSON/ },
  endless: { docs: /the docs site did not answer \(the docs site sent more than 8388608 bytes; the answer was not read\)/, factory: /Image Factory at .* sent more than 8388608 bytes; the answer was not read/ },
  reset: { docs: /the docs site did not answer \(fetch failed\)/, factory: /Image Factory at .* is unreachable: (other side closed|socket hang up|terminated|ECONNRESET)/ },
};

let docs: Awaited<ReturnType<typeof docsSite>>;
let factory: Awaited<ReturnType<typeof imageFactory>>;
let server: StdioServer;
let queries = 0;

beforeAll(async () => {
  docs = await docsSite();
  factory = await imageFactory();
  server = await startStdioServer({ args: ["--docs", "live", "--docs-url", `${docs.url}/mcp`, "--factory-url", factory.url] });
});
afterAll(async () => {
  await server?.close();
  await docs?.close();
  await factory?.close();
});

async function timed(name: string, args: Record<string, unknown>) {
  const started = Date.now();
  const result = await server.client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
  return { result, text: resultText(result), ms: Date.now() - started };
}
// A new query and new kernel arguments each time: answers are cached, and a cache hit is not a call.
const searchDocs = () => timed("docs-search", { query: `bootstrap etcd ${++queries}` });
const makeSchematic = () => timed("image-schematic", { talosVersion: "v1.12.6", extraKernelArgs: [`console=ttyS${++queries}`] });

describe("docs site and Image Factory faults", () => {
  it("both answer when healthy", async () => {
    const [search, schematic] = await Promise.all([searchDocs(), makeSchematic()]);
    expect(search.result.isError, search.text).toBeFalsy();
    expect(search.text).toMatch(/Bootstrap/);
    expect(schematic.result.isError, schematic.text).toBeFalsy();
  });

  it.each(Object.keys(EXPECTED) as Exclude<Mode, "ok">[])("%s: a clear isError within the client's timeout, bounded memory, then served again", async (mode) => {
    const peakBefore = peakRssMiB(server.pid);
    docs.state.mode = mode;
    factory.state.mode = mode;
    const [search, schematic] = await Promise.all([searchDocs(), makeSchematic()]);
    docs.state.mode = "ok";
    factory.state.mode = "ok";

    expect(search.result.isError, search.text).toBe(true);
    expect(search.text).toMatch(EXPECTED[mode].docs);
    expect(search.ms).toBeLessThan(WITHIN_MS.docs);
    expect(schematic.result.isError, schematic.text).toBe(true);
    expect(schematic.text).toMatch(EXPECTED[mode].factory);
    expect(schematic.ms).toBeLessThan(WITHIN_MS.factory);
    expect(peakRssMiB(server.pid) - peakBefore).toBeLessThan(64);
    expect(await settledDescendants(server.pid)).toEqual([]);

    const [again, schematicAgain] = await Promise.all([searchDocs(), makeSchematic()]);
    expect(again.result.isError, again.text).toBeFalsy();
    expect(schematicAgain.result.isError, schematicAgain.text).toBeFalsy();
  });
});
