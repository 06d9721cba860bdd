// What `talos-mcp policy-check` grades: plain text or Markdown as is, or the messages of a chat
// transcript — a JSON array of {role, content}, an object with `messages`, or JSON Lines of
// messages — with content as a string or as parts carrying `text`. Only the roles asked for are
// graded (by default the assistant's): a user asking to "ssh into the node" is not the agent's fault.

export class TranscriptError extends Error {}

export interface GradedText {
  text: string;
  /** Where the text came from in a chat transcript. */
  chat?: { index: number; role: string };
}

export interface PolicyInput {
  format: "text" | "chat";
  texts: GradedText[];
}

const describe = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "an array" : typeof value);

function contentText(content: unknown, where: string): string {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  if (!Array.isArray(content)) throw new TranscriptError(`${where}.content must be a string or an array of parts, not ${describe(content)}`);
  return content
    .map((part, i) => {
      if (typeof part === "string") return part;
      if (typeof part !== "object" || part === null) throw new TranscriptError(`${where}.content[${i}] must be a string or an object with text, not ${describe(part)}`);
      const text = (part as { text?: unknown }).text;
      if (text !== undefined && typeof text !== "string") throw new TranscriptError(`${where}.content[${i}].text must be a string, not ${describe(text)}`);
      // Parts without text (images, tool calls, tool results) carry nothing to grade as prose.
      return text ?? "";
    })
    .filter(Boolean)
    .join("\n\n");
}

function readMessages(messages: unknown[], roles: ReadonlySet<string>): GradedText[] {
  return messages.flatMap((message, index) => {
    const where = `messages[${index}]`;
    if (typeof message !== "object" || message === null || Array.isArray(message)) throw new TranscriptError(`${where} must be an object with role and content, not ${describe(message)}`);
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (typeof role !== "string" || role === "") throw new TranscriptError(`${where}.role must be a non-empty string (e.g. "assistant")`);
    if (!("content" in message)) throw new TranscriptError(`${where} has no content`);
    const text = contentText(content, where);
    return roles.has(role) && text.trim() ? [{ text, chat: { index, role } }] : [];
  });
}

function messagesOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === "object" && value !== null && Array.isArray((value as { messages?: unknown }).messages)) return (value as { messages: unknown[] }).messages;
  throw new TranscriptError(`JSON input must be an array of {role, content} messages or an object with a "messages" array, not ${describe(value)}${typeof value === "object" && value !== null ? ` with keys ${Object.keys(value).slice(0, 5).join(", ") || "(none)"}` : ""}`);
}

/** Reads the raw input: JSON (or JSON Lines) chat messages when it is JSON, plain text otherwise. */
export function readPolicyInput(input: string, roles: ReadonlySet<string>): PolicyInput {
  // Editors on some systems start UTF-8 files with a byte-order mark.
  const raw = input.replace(/^\uFEFF/, "");
  const trimmed = raw.trim();
  if (!trimmed) throw new TranscriptError("the input is empty: pass text, Markdown or a JSON chat transcript");
  if (!trimmed.startsWith("[") && !trimmed.startsWith("{")) return { format: "text", texts: [{ text: raw }] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    const lines = trimmed.split("\n").filter((line) => line.trim());
    const objects = lines.map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        return undefined;
      }
    });
    if (lines.length > 1 && objects.every((o) => typeof o === "object" && o !== null && !Array.isArray(o))) return { format: "chat", texts: readMessages(objects, roles) };
    throw new TranscriptError(`the input starts like JSON but does not parse (${(error as Error).message}); pass valid JSON chat messages, JSON Lines, or plain text`);
  }
  return { format: "chat", texts: readMessages(messagesOf(parsed), roles) };
}
