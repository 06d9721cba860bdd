// talos://rules (the rule table as JSON) and talos://rules/{id} (one rule).
import { ResourceNotFoundError, ResourceTemplate } from "@modelcontextprotocol/server";
import { RULE_IDS, isRuleId } from "../src/policy/rule-ids.js";
import { RULES, ruleById } from "../src/policy/rules.js";
import { SHARED_FOR_AN_HOUR, type RegisterResources } from "../src/server/resource-types.js";

const json = (uri: string, value: unknown) => ({ contents: [{ uri, mimeType: "application/json", text: JSON.stringify(value, null, 2) }] });

export const registerRuleResources: RegisterResources = (server) => {
  server.registerResource(
    "rules",
    "talos://rules",
    { title: "Talos rules", description: "Every rule the server enforces: id, what it stops, where it comes from, docs link.", mimeType: "application/json", cacheHint: SHARED_FOR_AN_HOUR },
    async (uri) => json(uri.href, RULES),
  );
  server.registerResource(
    "rule",
    new ResourceTemplate("talos://rules/{id}", {
      list: async () => ({ resources: RULE_IDS.map((id) => ({ uri: `talos://rules/${id}`, name: id, title: ruleById(id).title, mimeType: "application/json" })) }),
      complete: { id: (value) => RULE_IDS.filter((id) => id.startsWith(value)) },
    }),
    { title: "One Talos rule", description: "A single rule by id.", mimeType: "application/json", cacheHint: SHARED_FOR_AN_HOUR },
    async (uri, variables) => {
      const id = String(variables.id);
      if (!isRuleId(id)) throw new ResourceNotFoundError(uri.href, `unknown rule '${id}'; known rules: ${RULE_IDS.join(", ")}`);
      return json(uri.href, ruleById(id));
    },
  );
};
