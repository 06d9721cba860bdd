// talos://rules and talos://rules/{id} through a real MCP client and server over an in-memory pipe.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerRuleResources } from "../../../resources/rules.js";
import { RULE_IDS } from "../../../src/policy/rule-ids.js";
import { RULES } from "../../../src/policy/rules.js";
import type { ResourceDeps } from "../../../src/server/resource-types.js";

let client: Client;
let server: McpServer;

beforeEach(async () => {
  server = new McpServer({ name: "rules-test", version: "0.0.0" });
  // The rule resources need nothing from the session: the table is static data.
  registerRuleResources(server, {} as ResourceDeps);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: "rules-test-client", version: "0.0.0" });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
});

afterEach(async () => {
  await client.close();
  await server.close();
});

const textOf = (result: Awaited<ReturnType<Client["readResource"]>>) => {
  const [content] = result.contents;
  if (!content || !("text" in content)) throw new Error("expected a text resource");
  return { mimeType: content.mimeType, value: JSON.parse(content.text) as unknown };
};

describe("rule resources", () => {
  it("talos://rules returns the whole rule table as JSON", async () => {
    const { mimeType, value } = textOf(await client.readResource({ uri: "talos://rules" }));
    expect(mimeType).toBe("application/json");
    expect(value).toEqual(JSON.parse(JSON.stringify(RULES)));
  });

  it("talos://rules/{id} returns one rule", async () => {
    const { mimeType, value } = textOf(await client.readResource({ uri: "talos://rules/bootstrap-once" }));
    expect(mimeType).toBe("application/json");
    expect(value).toMatchObject({ id: "bootstrap-once", source: "seed gotcha 6" });
    expect((value as { docs: string }).docs).toMatch(/^https:\/\/docs\.siderolabs\.com\//);
  });

  it("lists the table and one resource per rule id", async () => {
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toContain("talos://rules");
    for (const id of RULE_IDS) expect(uris).toContain(`talos://rules/${id}`);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(["talos://rules/{id}"]);
  });

  it("completes rule ids by prefix", async () => {
    const result = await client.complete({ ref: { type: "ref/resource", uri: "talos://rules/{id}" }, argument: { name: "id", value: "no-" } });
    expect(result.completion.values).toEqual(["no-ssh", "no-node-file-edits", "no-package-managers", "no-kubeadm", "no-cert-systemd-changes"]);
  });

  it("refuses an unknown id with InvalidParams naming the known ids", async () => {
    const read = client.readResource({ uri: "talos://rules/no-such-rule" });
    await expect(read).rejects.toBeInstanceOf(McpError);
    await expect(read).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
    await expect(read).rejects.toThrow(/unknown rule 'no-such-rule'.*bootstrap-once/);
  });
});
