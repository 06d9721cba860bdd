#!/usr/bin/env node
// The floor for cold-start comparisons: the smallest useful server on the SDK talos-mcp itself
// uses (one tool, stdio). Nothing talos-mcp does at start can be cheaper than this.
import { z } from "zod";

const { McpServer, StdioServerTransport } = await import("@modelcontextprotocol/server")
  .then(async (server) => ({ McpServer: server.McpServer, StdioServerTransport: (await import("@modelcontextprotocol/server/stdio")).StdioServerTransport }))
  .catch(async () => ({
    McpServer: (await import("@modelcontextprotocol/sdk/server/mcp.js")).McpServer,
    StdioServerTransport: (await import("@modelcontextprotocol/sdk/server/stdio.js")).StdioServerTransport,
  }));

const server = new McpServer({ name: "floor", version: "1.0.0" });
server.registerTool("echo", { description: "Echo the text back.", inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: "text", text }] }));
await server.connect(new StdioServerTransport());
