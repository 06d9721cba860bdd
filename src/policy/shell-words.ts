// Shell code for policy-check: splits a snippet (a code block, a `$ ` line, an inline `code` span)
// into the simple commands that would run, with their words (quotes removed; sudo, env assignments
// and wrappers such as watch dropped) and whether they sit in a loop or under a retrying wrapper.

export interface ShellCommand {
  /** The program and its arguments. */
  words: string[];
  /** Character offsets of the command in the whole text. */
  start: number;
  end: number;
  /** The logical line it came from (continuations joined), for `a || b` chains. */
  line: string;
  /** Inside a for/while/until loop, or its condition. */
  inLoop: boolean;
  /** Run under a wrapper that repeats it (watch, retry). */
  repeated: boolean;
}

/** Splits a line into simple commands at ;, &&, ||, |, &, and $( … ), keeping offsets. */
function splitCommands(line: string, offset: number): { text: string; start: number }[] {
  const parts: { text: string; start: number }[] = [];
  let current = "";
  let start = 0;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      current += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
      continue;
    }
    const two = line.slice(i, i + 2);
    const redirect = ch === "&" && (line[i - 1] === ">" || line[i + 1] === ">");
    const separator = two === "&&" || two === "||" || two === "$(" ? 2 : ch === ";" || ch === "|" || ch === "(" || ch === ")" || ch === "`" || (ch === "&" && !redirect) ? 1 : 0;
    if (separator) {
      if (current.trim()) parts.push({ text: current, start: offset + start });
      current = "";
      i += separator - 1;
      start = i + 1;
      continue;
    }
    current += ch;
  }
  if (current.trim()) parts.push({ text: current, start: offset + start });
  return parts;
}

const WRAPPERS = new Set(["$", "sudo", "doas", "env", "command", "do", "then", "else", "until", "while", "if", "elif", "!", "time", "watch", "exec", "nohup", "xargs", "retry", "timeout"]);
/** Wrappers whose own options and counts come before the command: `watch -n 5 cmd`, `retry 3 cmd`, `timeout 30s cmd`. */
const COUNTING_WRAPPERS = new Set(["watch", "retry", "timeout"]);
const REPEATING_WRAPPERS = new Set(["watch", "retry"]);

/** Shell-like word splitting of one simple command (quotes grouped and removed). */
function splitWords(command: string): string[] {
  const words: string[] = [];
  let word = "";
  let quote: string | undefined;
  let inWord = false;
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The words of one simple command, with prompts, wrappers, keywords and environment assignments dropped (returned apart). */
function shellWords(command: string): { words: string[]; dropped: string[] } {
  const words = splitWords(command);
  const dropped: string[] = [];
  while (words.length && (WRAPPERS.has(words[0]!) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!))) {
    const wrapper = words.shift()!;
    dropped.push(wrapper);
    if (COUNTING_WRAPPERS.has(wrapper)) while (words.length && /^(-|\d+[smh]?$)/.test(words[0]!)) words.shift();
  }
  return { words, dropped };
}

/** Blanks (same length, newlines kept) what is not shell to run: `\` line continuations and here-document bodies. */
function runnableText(code: string): string {
  const joined = code.replace(/\\\r?\n/g, (m) => " ".repeat(m.length));
  const lines = joined.split("\n");
  let tag: string | undefined;
  return lines
    .map((line) => {
      if (tag !== undefined) {
        if (line.trim() === tag) tag = undefined;
        return " ".repeat(line.length);
      }
      tag = /<<-?\s*['"]?(\w+)['"]?/.exec(line)?.[1];
      return line;
    })
    .join("\n");
}

/** Strips a trailing `# comment` (a # that starts a word, outside quotes). */
function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "#" && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** The simple commands of a shell snippet that starts at `offset` in the whole text. */
export function parseShell(code: string, offset: number): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let loops = 0;
  let lineStart = 0;
  for (const line of runnableText(code).split("\n")) {
    const start = lineStart;
    lineStart += line.length + 1;
    const runnable = withoutComment(line);
    for (const part of splitCommands(runnable, offset + start)) {
      const first = splitWords(part.text)[0];
      if (first === "done") {
        loops = Math.max(0, loops - 1);
        continue;
      }
      if (first === "for") {
        loops += 1;
        continue;
      }
      if (first === "while" || first === "until") loops += 1;
      const { words, dropped } = shellWords(part.text);
      if (!words.length || words[0] === "fi" || words[0] === "esac") continue;
      const indent = part.text.length - part.text.trimStart().length;
      commands.push({
        words,
        start: part.start + indent,
        end: part.start + part.text.trimEnd().length,
        line: line.trim(),
        inLoop: loops > 0,
        repeated: dropped.some((word) => REPEATING_WRAPPERS.has(word)),
      });
    }
  }
  return commands;
}
