// A real MCP client for the HTTP transport: Streamable HTTP (/mcp) or legacy SSE (/sse +
// /messages), authenticated with a bearer token.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

export async function connectHttp(baseUrl: string, token: string, kind: "streamable" | "sse" = "streamable", elicit = false) {
  const headers = { Authorization: `Bearer ${token}` };
  const transport =
    kind === "streamable"
      ? new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { requestInit: { headers } })
      : new SSEClientTransport(new URL(`${baseUrl}/sse`), { requestInit: { headers }, eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as object), ...headers } }) } });
  const client = new Client({ name: "t", version: "1" }, { capabilities: elicit ? { elicitation: { form: {} } } : {} });
  if (elicit) client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { confirm: true } }));
  await client.connect(transport);
  return { client, transport };
}
