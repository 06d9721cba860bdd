// Turns a docs page (Mintlify MDX) into searchable Markdown sections: frontmatter read, imports,
// JSX comments and the version banner dropped, callout/tab components kept as their text, and
// `<CodeBlock>{`… ${release} …`}</CodeBlock>` template literals resolved with the variables the
// docs export from snippets/custom-variables.mdx — so commands read v1.13.9, not ${release}.
import { parse as parseYaml } from "yaml";

export interface Frontmatter {
  title?: string;
  description?: string;
  [key: string]: unknown;
}

export interface Section {
  heading: string;
  anchor: string;
  text: string;
}

/** `export const release = 'v1.13.9', version = "v1.13"` → { release: "v1.13.9", version: "v1.13" }. */
export function parseVariables(source: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const statement of source.matchAll(/export\s+const\s+([^;]+?)(?:;|\n\n|$)/gs)) {
    for (const match of statement[1]!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(["'`])([^"'`]*)\2/g)) vars[match[1]!] = match[3]!;
  }
  return vars;
}

export function splitFrontmatter(source: string): { frontmatter: Frontmatter; body: string } {
  const match = /^---\n([\s\S]*?)\n---\n?/.exec(source);
  if (!match) return { frontmatter: {}, body: source };
  let frontmatter: Frontmatter = {};
  try {
    frontmatter = (parseYaml(match[1]!) ?? {}) as Frontmatter;
  } catch {
    frontmatter = {};
  }
  return { frontmatter, body: source.slice(match[0].length) };
}

export function cleanMdx(body: string, variables: Record<string, string>): string {
  const substitute = (text: string) => text.replace(/\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g, (whole, name: string) => variables[name] ?? whole);
  return (
    body
      // <CodeBlock lang="sh">{`…`}</CodeBlock> → a fenced block with variables resolved.
      .replace(/<CodeBlock([^>]*)>\s*\{\s*`([\s\S]*?)`\s*\}\s*<\/CodeBlock>/g, (_m, attrs: string, code: string) => {
        const lang = /lang(?:uage)?=["']([^"']+)["']/.exec(attrs)?.[1] ?? "";
        return `\n\`\`\`${lang}\n${substitute(code).replace(/\\`/g, "`").trim()}\n\`\`\`\n`;
      })
      .replace(/^\s*import\s+[^\n]*\n/gm, "")
      .replace(/^\s*export\s+const\s+[^\n]*\n/gm, "")
      .replace(/\{\/\*[\s\S]*?\*\/\}/g, "")
      .replace(/<VersionWarningBanner\s*\/>/g, "")
      // Components that only wrap text (Note, Tip, Tabs, …): keep the text, drop the tags.
      .replace(/<\/?(Note|Info|Warning|Tip|Check|Tabs|Tab|Update|Steps|Step|Accordion|AccordionGroup|Card|CardGroup|Frame)\b[^>]*>/g, "")
      .replace(/\n{3,}/g, "\n\n")
      .trim()
  );
}

function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/`/g, "")
    .replace(/[^a-z0-9\s-]/g, "")
    .trim()
    .replace(/\s+/g, "-");
}

/** One section per heading (## and ###); text before the first heading is the page intro. */
export function sections(markdown: string, title: string): Section[] {
  const out: Section[] = [];
  let current: Section = { heading: title, anchor: "", text: "" };
  let inFence = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const heading = !inFence && /^(#{2,3})\s+(.*)$/.exec(line);
    if (heading) {
      if (current.text.trim()) out.push({ ...current, text: current.text.trim() });
      current = { heading: heading[2]!.trim(), anchor: slug(heading[2]!), text: "" };
    } else current.text += `${line}\n`;
  }
  if (current.text.trim()) out.push({ ...current, text: current.text.trim() });
  return out;
}
