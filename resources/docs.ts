// docs://versions, docs://search/{query} and docs://page/{+path} (a page's Markdown, with its URL).
import { ProtocolError, ProtocolErrorCode, ResourceTemplate } from "@modelcontextprotocol/server";
import { DEFAULT_DOCS_VERSION, docsService } from "../src/docs/service.js";
import { SHARED_FOR_AN_HOUR, type RegisterResources } from "../src/server/resource-types.js";
import { frameUntrusted, untrustedMeta } from "../src/server/untrusted.js";

const DOCS_SOURCE = "documentation pages";

/** A docs page path: letters, digits, '.', '_', '-' and '/', never '.' or '..' segments. */
export function docsPagePath(raw: string): string | undefined {
  const path = raw.replace(/^\/+/, "").replace(/\.mdx?$/, "");
  if (!/^[A-Za-z0-9._/-]+$/.test(path) || path.split("/").some((part) => part === ".." || part === "." || part === "")) return undefined;
  return path;
}

export const registerDocsResources: RegisterResources = (server, deps) => {
  const docs = () => docsService(deps.config);
  server.registerResource(
    "docs-versions",
    "docs://versions",
    { title: "Docs versions", description: "Talos versions the docs cover (newest first).", mimeType: "application/json" },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(await docs().versions()) }] }),
  );
  server.registerResource(
    "docs-search",
    new ResourceTemplate("docs://search/{version}/{query}", {
      list: undefined,
      complete: { version: async (value) => (await docs().versions()).filter((v) => v.startsWith(value)) },
    }),
    { title: "Docs search", description: `Search results as JSON; version like ${DEFAULT_DOCS_VERSION}.`, mimeType: "application/json" },
    async (uri, variables) => {
      const query = decodeURIComponent(String(variables.query)).trim();
      if (!query || query.length > 500) throw new ProtocolError(ProtocolErrorCode.InvalidParams, "query must be 1-500 characters");
      const outcome = await docs().search({ query, version: String(variables.version), limit: 8 });
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(outcome, null, 2), _meta: untrustedMeta(DOCS_SOURCE) }] };
    },
  );
  server.registerResource(
    "docs-page",
    new ResourceTemplate("docs://page/{+path}", { list: undefined }),
    { title: "Docs page", description: "A docs page as Markdown, e.g. docs://page/talos/v1.12/getting-started/getting-started", mimeType: "text/markdown", cacheHint: SHARED_FOR_AN_HOUR },
    async (uri, variables) => {
      const path = docsPagePath(String(variables.path));
      if (!path) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `invalid docs page path '${String(variables.path)}': use a path like talos/v1.12/getting-started/getting-started (no '..')`);
      const page = await docs().page(path).catch((error: Error) => {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, error.message);
      });
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text: frameUntrusted(`${DOCS_SOURCE} (${page.url})`, page.markdown), _meta: untrustedMeta(DOCS_SOURCE) }] };
    },
  );
};
