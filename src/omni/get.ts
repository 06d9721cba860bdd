// `omnictl get … -o json` prints one pretty-printed JSON object per resource, back to back (not an
// array), so the stream is split by tracking brace depth outside strings.
export function parseJsonStream(stdout: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < stdout.length; i++) {
    const char = stdout[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (char === "\\") escaped = true;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === "{") {
      if (depth === 0) start = i;
      depth++;
    } else if (char === "}") {
      depth--;
      if (depth === 0) values.push(JSON.parse(stdout.slice(start, i + 1)));
    }
  }
  if (depth !== 0) throw new Error("omnictl JSON output ended inside an object");
  return values;
}

/** The resource types omni-get offers, mapped to the names omnictl resolves. */
export const OMNI_GET_TYPES = {
  clusters: "clusters",
  machines: "machinestatuses",
  machinesets: "machinesets",
  clusterstatus: "clusterstatuses",
} as const;
export type OmniGetType = keyof typeof OMNI_GET_TYPES;
