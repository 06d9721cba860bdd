import { describe, expect, it } from "vitest";
import { z } from "zod";
import { hiddenBy, visibleTools } from "../../../src/server/registry.js";
import { defineTool, type AnyToolSpec } from "../../../src/server/tool-spec.js";

const tool = (name: string, toolset: AnyToolSpec["toolset"], risk: AnyToolSpec["risk"], minRole: AnyToolSpec["minRole"]) =>
  defineTool({ name, title: name, description: name, toolset, risk, minRole, openWorld: false, rules: [], input: z.object({}).strict(), run: async () => ({}) });

const tools = [
  tool("policy-check", "policy", "read", "none"),
  tool("health", "talos", "read", "reader"),
  tool("etcd-backup", "etcd", "local-write", "etcd:backup"),
  tool("reboot", "lifecycle", "mutate", "operator"),
  tool("bootstrap", "talos", "irreversible", "admin"),
];
const base = { config: { disableTools: [] as string[], readOnly: false }, caller: {}, effectiveRole: "admin" as const };
const names = (input: Parameters<typeof visibleTools>[1]) => visibleTools(tools, input).map((t) => t.name);

describe("tool registry filters", () => {
  it("shows everything to an admin", () => {
    expect(names(base)).toEqual(["policy-check", "health", "etcd-backup", "reboot", "bootstrap"]);
  });

  it("applies the role ceiling", () => {
    expect(names({ ...base, effectiveRole: "reader" })).toEqual(["policy-check", "health"]);
    expect(names({ ...base, effectiveRole: "operator" })).toEqual(["policy-check", "health", "etcd-backup", "reboot"]);
  });

  it("read-only wins over everything, including an explicit --tools", () => {
    const input = { ...base, config: { ...base.config, readOnly: true, tools: ["bootstrap", "health"] } };
    expect(names(input)).toEqual(["health"]);
    expect(hiddenBy(tools[4]!, input)).toBe("read-only");
  });

  it("narrows by toolsets, tools and disable-tools, in that order", () => {
    expect(names({ ...base, config: { ...base.config, toolsets: ["talos"] } })).toEqual(["health", "bootstrap"]);
    expect(names({ ...base, config: { ...base.config, tools: ["health", "reboot"] } })).toEqual(["health", "reboot"]);
    expect(names({ ...base, config: { ...base.config, disableTools: ["bootstrap"] } })).not.toContain("bootstrap");
    expect(hiddenBy(tools[1]!, { ...base, config: { ...base.config, toolsets: ["etcd"], tools: ["policy-check"] } })).toBe("toolsets");
  });

  it("honours a caller's token toolsets", () => {
    expect(names({ ...base, caller: { toolsets: ["policy"] } })).toEqual(["policy-check"]);
  });
});
