// Finds the shell commands in a piece of text an agent proposes (a plan, a runbook, an answer) and
// splits them into words, so the rules judge what would run — not prose that merely mentions a
// forbidden thing ("Talos has no SSH"). Commands are: lines of fenced code blocks, `$ ` prompt
// lines, inline `code` spans, and bare lines that start with a known program.

export interface CommandSpan {
  /** The command's words (quotes removed; sudo/env assignments dropped). */
  words: string[];
  /** Character offsets of the command in the original text. */
  start: number;
  end: number;
  /** The whole logical line or block the command came from (for loop detection). */
  context: string;
}

/** Programs whose appearance at the start of a bare line makes that line a command. */
const KNOWN_PROGRAMS =
  /^(talosctl|omnictl|kubectl|kubeadm|ssh|scp|sftp|apt|apt-get|yum|dnf|apk|pacman|zypper|pip|pip3|systemctl|update-ca-certificates|vi|vim|nano|sed|echo|cat|sudo|until|while|for|watch|retry|timeout|curl)\b/;

/** Splits a line into simple commands at ;, &&, ||, |, and $( … ), keeping offsets. */
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
    const separator = two === "&&" || two === "||" || two === "$(" ? 2 : ch === ";" || ch === "|" || ch === "(" || ch === ")" || ch === "`" ? 1 : 0;
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

const WRAPPERS = new Set(["$", "#", "sudo", "do", "then", "else", "until", "while", "if", "!", "time", "watch", "exec", "nohup", "xargs", "retry", "timeout"]);
const COUNTING_WRAPPERS = new Set(["watch", "retry", "timeout"]);

/** Shell-like word splitting of one simple command (quotes grouped and removed). */
export function shellWords(command: string): string[] {
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
  // Drop prompts, wrappers, shell keywords and environment assignments: judge the program itself
  // (loops stay visible to the rules through the command's context).
  while (words.length && (WRAPPERS.has(words[0]!) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!))) {
    const wrapper = words.shift()!;
    // `watch -n 5 cmd`, `retry 3 cmd`, `timeout 30s cmd`: their own options and counts come first.
    if (COUNTING_WRAPPERS.has(wrapper)) while (words.length && /^(-|\d+[smh]?$)/.test(words[0]!)) words.shift();
  }
  return words;
}

export function findCommands(text: string): CommandSpan[] {
  const spans: CommandSpan[] = [];
  const add = (line: string, lineStart: number, context: string) => {
    for (const part of splitCommands(line, lineStart)) {
      const words = shellWords(part.text);
      if (words.length) spans.push({ words, start: part.start, end: part.start + part.text.length, context });
    }
  };
  let offset = 0;
  let inFence = false;
  let fence: { lines: { text: string; start: number }[] } | undefined;
  for (const line of text.split("\n")) {
    const lineStart = offset;
    offset += line.length + 1;
    if (/^\s*(```|~~~)/.test(line)) {
      if (inFence && fence) {
        const block = fence.lines.map((l) => l.text).join("\n");
        for (const l of fence.lines) add(l.text.replace(/\\\s*$/, ""), l.start, block);
      }
      inFence = !inFence;
      fence = inFence ? { lines: [] } : undefined;
      continue;
    }
    if (inFence) {
      fence!.lines.push({ text: line, start: lineStart });
      continue;
    }
    const prompt = /^(\s*\$\s+)(.*)$/.exec(line);
    if (prompt) {
      add(prompt[2]!, lineStart + prompt[1]!.length, line);
      continue;
    }
    const bare = line.replace(/^\s*(?:[-*]\s+|\d+\.\s+)?/, "");
    if (KNOWN_PROGRAMS.test(bare) && !/^\w+\s+(is|are|was|has|have|does|do|should|must|can|will)\b/i.test(bare)) {
      add(bare, lineStart + (line.length - bare.length), line);
      continue;
    }
    for (const match of line.matchAll(/`([^`]+)`/g)) add(match[1]!, lineStart + match.index! + 1, line);
  }
  return spans;
}
