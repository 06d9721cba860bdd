import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeGoStringConcat, loadTalosApi, protoRoot, rawDescriptorFromGo } from "../../../src/sim/protos.js";

describe("Talos API definitions for the simulator", () => {
  it("finds the protos via TALOS_MCP_PROTO_DIR, else the cache dir", () => {
    expect(protoRoot({ TALOS_MCP_PROTO_DIR: "/p", TALOS_MCP_CACHE: "/c" })).toBe("/p");
    expect(protoRoot({ TALOS_MCP_CACHE: "/c" })).toBe(join("/c", "protos"));
    expect(protoRoot({})).toMatch(/\.cache\/talos-mcp\/protos$/);
  });

  it("names `npm run clis` when the definitions are missing", () => {
    expect(() => loadTalosApi("/nonexistent/protos")).toThrow(/the Talos API definitions are missing under \/nonexistent\/protos: run `npm run clis`/);
  });

  it("decodes Go string literals the way protoc-gen-go writes raw descriptors", () => {
    expect([...decodeGoStringConcat(String.raw`"\n\x0fa\"b" + "\\\001\u00e9"`)]).toEqual([10, 15, 97, 34, 98, 92, 1, 0xc3, 0xa9]);
    expect(rawDescriptorFromGo('const file_x_rawDesc = "" +\n\t"\\n\\x01" +\n\t"z"\n\nvar y')).toEqual(Buffer.from([10, 1, 122]));
  });

  it("loads the real Machine, Cluster and COSI State services", () => {
    const api = loadTalosApi();
    const machine = (api.machine as any).MachineService.service;
    expect(Object.keys(machine)).toEqual(expect.arrayContaining(["Bootstrap", "ApplyConfiguration", "EtcdSnapshot", "EtcdRecover", "Version"]));
    expect((api.cluster as any).ClusterService.service.HealthCheck.responseStream).toBe(true);
    expect((api.cosi as any).resource.State.service.List.path).toBe("/cosi.resource.State/List");
  });
});
