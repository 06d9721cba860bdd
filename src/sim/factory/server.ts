// A stand-in Image Factory on loopback that answers as the documented API does: the official
// extension list of one version (extensions-v1.12.6.json, shaped like the factory's answer; a
// subset with placeholder digests), 404 for others, and POST /schematics with the sha256 of the
// body it received (the body is already canonical when it comes from us). Tests and eval tasks
// (custom images) use it instead of the real factory, which is not reachable from here.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export const KNOWN_VERSION = "v1.12.6";
const official = readFileSync(new URL("./extensions-v1.12.6.json", import.meta.url), "utf8");

export interface StandInFactory {
  url: string;
  requests: { method: string; path: string; body: string; contentType?: string }[];
  /** Answer POST /schematics with this id instead of the body's hash. */
  forgeId?: string;
  /** Status to answer every request with (e.g. 500), instead of the normal answer. */
  failWith?: number;
  close(): Promise<void>;
}

export async function startStandInFactory(): Promise<StandInFactory> {
  const state: Omit<StandInFactory, "url" | "close"> = { requests: [] };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    state.requests.push({ method: req.method ?? "", path: req.url ?? "", body, contentType: req.headers["content-type"] });
    const json = (status: number, value: unknown) => void res.writeHead(status, { "content-type": "application/json" }).end(typeof value === "string" ? value : JSON.stringify(value));
    if (state.failWith) return json(state.failWith, { error: "stand-in failure" });
    if (req.method === "GET" && req.url === `/version/${KNOWN_VERSION}/extensions/official`) return json(200, official);
    if (req.method === "GET" && req.url?.startsWith("/version/")) return void res.writeHead(404).end("version not found\n");
    if (req.method === "POST" && req.url === "/schematics") {
      if (/^\s*(bogus|owner):/m.test(body)) return void res.writeHead(400).end("yaml: unmarshal errors:\n  line 1: field bogus not found in type schematic.Schematic\n");
      const id = state.forgeId ?? createHash("sha256").update(body).digest("hex");
      return json(201, { id, schematic: body });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}
