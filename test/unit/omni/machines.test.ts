import { describe, expect, it } from "vitest";
import { machinesFromJson } from "../../../src/omni/machines.js";

// Two resources as `omnictl get machinestatus --output=json` prints them: indented objects back to back.
const output = [
  { metadata: { id: "7a6d2d28-5d49-491c-a00f-1bc3dd59775d", type: "MachineStatuses.omni.sidero.dev" }, spec: { managementaddress: "fdae:41e4:649b:9303::2", network: { hostname: "m-1", addresses: ["10.5.0.2/24", "fdae:41e4:649b:9303::2/64"] } } },
  { metadata: { id: "4a5629fd-a74d-4aaf-aff0-bf8d228d1c72" }, spec: { managementaddress: "", network: null } },
]
  .map((item) => JSON.stringify(item, null, 4))
  .join("\n");

describe("machinesFromJson", () => {
  it("collects machine UUIDs, SideroLink addresses, interface addresses without their prefix length, and hostnames", () => {
    expect(machinesFromJson(output)).toEqual({
      ids: ["7a6d2d28-5d49-491c-a00f-1bc3dd59775d", "4a5629fd-a74d-4aaf-aff0-bf8d228d1c72"],
      addresses: ["fdae:41e4:649b:9303::2", "10.5.0.2", "fdae:41e4:649b:9303::2"],
      hostnames: ["m-1"],
    });
  });

  it("an empty list is no machines, and truncated output is an error (the guard then refuses)", () => {
    expect(machinesFromJson("")).toEqual({ ids: [], addresses: [], hostnames: [] });
    expect(() => machinesFromJson(output.slice(0, -3))).toThrow(/it ends inside one, truncated/);
  });
});
