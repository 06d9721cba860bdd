// Reads a text an agent writes (plain text or Markdown) the way policy-check judges it: the commands
// that would run — in code blocks, `$ ` lines, inline `code` and talosctl/omnictl written out in
// prose — and the prose clauses around them, each command marked when its sentence states it as
// something not to do ("there is no `talosctl etcd backup`").
import { clauses, isStatedAgainst, type Clause } from "./prose.js";
import { parseShell, type ShellCommand } from "./shell-words.js";

export interface CommandSpan extends ShellCommand {
  /** Where it was written: a code block, a `$ ` line, a bare command line, inline code, or prose. */
  source: "code" | "prompt" | "line" | "inline" | "prose";
  /** Named only to say not to run it (negated, contrasted, quoted from the user). */
  statedAgainst: boolean;
  /** The prose it belongs to: its sentence, or the paragraph that introduces its code block. */
  lead: string;
}

export interface ParsedText {
  commands: CommandSpan[];
  clauses: Clause[];
}

/** Programs that make a code span or a bare line a command. */
const PROGRAMS = new Set([
  "talosctl", "omnictl", "kubectl", "kubeadm", "ssh", "scp", "sftp", "mosh", "ssh-copy-id", "apt", "apt-get", "aptitude", "yum", "dnf", "microdnf", "apk",
  "pacman", "zypper", "emerge", "nix-env", "rpm", "dpkg", "snap", "brew", "pip", "pip3", "pipx", "npm", "systemctl", "service", "update-ca-certificates",
  "update-ca-trust", "trust", "vi", "vim", "nano", "emacs", "sed", "echo", "cat", "tee", "cp", "mv", "rm", "chmod", "chown", "mkdir", "touch", "ln", "install",
  "printf", "journalctl", "crictl", "curl", "wget", "docker", "helm", "top", "htop", "ls",
]);
/** Programs that start a command line even without a prompt or fence (not English words). */
const BARE_LINE = /^(talosctl|omnictl|kubectl|kubeadm|ssh|scp|sftp|ssh-copy-id|apt|apt-get|yum|dnf|apk|pacman|zypper|emerge|nix-env|rpm|dpkg|pip|pip3|npm|brew|systemctl|update-ca-certificates|update-ca-trust|vi|vim|nano|sed|sudo|crictl|journalctl|curl)\s/;
const NOT_A_COMMAND_LINE = /^\S+\s+(is|are|was|has|have|does|do|should|must|can|will)\b/i;
/** Fence languages whose lines are commands to run ("" = unlabelled). */
const SHELL_LANGUAGES = new Set(["", "sh", "bash", "shell", "zsh", "console", "shell-session", "terminal", "powershell", "ps1"]);
/** Words after which talosctl/omnictl in prose is English, not a command ("talosctl is the CLI"). */
const PROSE_STOP = new Set(["to", "and", "or", "then", "on", "in", "with", "for", "from", "of", "the", "a", "an", "is", "are", "was", "has", "have", "had", "can", "cannot", "will", "would", "should", "must", "does", "do", "did", "until", "every", "after", "before", "if", "when", "so", "but", "which", "that", "this", "it", "its", "you", "your", "as", "at", "by", "instead", "again", "first", "once", "only", "also", "command", "commands", "subcommand", "cli", "itself"]);

/** An introduction that presents the commands after it as what not to do. */
const WARNS_AGAINST = /\b(?:don['’]t|do not|never|avoid|instead of|rather than|not like this|wrong|incorrect)\b/i;

const isProgram = (word: string | undefined) => word !== undefined && PROGRAMS.has(word.replace(/^.*\//, ""));

interface Paragraph {
  from: number;
  to: number;
  /** A bare command line: its commands are already read, prose commands are not looked for again. */
  commandLine: boolean;
}

/** The words of talosctl/omnictl written out in a prose clause, up to the clause's end or an English word. */
function proseCommands(clause: Clause): { words: string[]; start: number; end: number }[] {
  const found: { words: string[]; start: number; end: number }[] = [];
  for (const match of clause.text.matchAll(/\b(talosctl|omnictl)(?=\s+[-a-z])/g)) {
    const words = [match[1]!];
    let end = clause.start + match.index + match[0].length;
    for (const token of clause.text.slice(match.index + match[0].length).matchAll(/\S+/g)) {
      const raw = token[0];
      const word = raw.replace(/[.,;:!?)"']+$/, "");
      const previous = words.at(-1)!;
      const isValue = previous.startsWith("-") && !previous.includes("=") && !word.startsWith("-");
      if (!word || (!isValue && PROSE_STOP.has(word.toLowerCase())) || !/^[-\w@./:=,$<>{}~"'+*]+$/.test(word)) break;
      words.push(word);
      end = clause.start + match.index + match[0].length + token.index + word.length;
      if (word !== raw) break;
    }
    if (words.length > 1) found.push({ words, start: clause.start + match.index, end });
  }
  return found;
}

export function parseText(text: string): ParsedText {
  const commands: CommandSpan[] = [];
  const paragraphs: Paragraph[] = [];
  const lines = text.split("\n");
  let offset = 0;
  let paragraph: Paragraph | undefined;
  /** The last prose paragraph: it introduces the commands that follow it. */
  let lead: Paragraph | undefined;
  const endParagraph = () => {
    if (paragraph) paragraphs.push(paragraph);
    lead = paragraph ?? lead;
    paragraph = undefined;
  };
  const addShell = (code: string, at: number, source: CommandSpan["source"]) => {
    const intro = lead ? text.slice(lead.from, lead.to) : "";
    // "Don't do this:" / "Instead of:" right before the commands: they are what not to do.
    const introClause = lead && intro.trimEnd().endsWith(":") ? clauses(text, text, lead.from, lead.to).at(-1) : undefined;
    const statedAgainst = introClause !== undefined && WARNS_AGAINST.test(introClause.text);
    for (const command of parseShell(code, at)) commands.push({ ...command, source, statedAgainst, lead: intro });
  };

  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    const lineStart = offset;
    offset += line.length + 1;
    const fence = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (fence) {
      endParagraph();
      const closer = new RegExp(`^\\s*${fence[1]![0] === "`" ? "`" : "~"}{${fence[1]!.length},}\\s*$`);
      const blockStart = offset;
      let blockEnd = offset;
      while (index + 1 < lines.length && !closer.test(lines[index + 1]!)) {
        index += 1;
        blockEnd += lines[index]!.length + 1;
      }
      index += 1;
      offset = blockEnd + (index < lines.length ? lines[index]!.length + 1 : 0);
      const language = fence[2]!.toLowerCase();
      if (SHELL_LANGUAGES.has(language)) {
        const block = text.slice(blockStart, blockEnd);
        const promptOnly = language === "console" || language === "shell-session" || /^\s*\$\s/m.test(block);
        let at = blockStart;
        for (const blockLine of block.split("\n")) {
          // Comments are prose; in a transcript block only `$ ` lines run (the rest is output).
          const comment = /^(\s*#\s*)(\S.*)$/.exec(blockLine);
          const prompt = /^(\s*\$\s+)(.*)$/.exec(blockLine);
          if (comment) paragraphs.push({ from: at + comment[1]!.length, to: at + blockLine.length, commandLine: false });
          else if (prompt && promptOnly) addShell(prompt[2]!, at + prompt[1]!.length, "code");
          at += blockLine.length + 1;
        }
        if (!promptOnly) addShell(block, blockStart, "code");
      }
      // A data block (YAML, JSON, …) between a lead and its commands does not break the lead.
      continue;
    }
    const prompt = /^(\s*\$\s+)(.*)$/.exec(line);
    const bare = line.replace(/^\s*(?:[-*+]\s+|\d+[.)]\s+)?/, "");
    if (prompt) {
      endParagraph();
      addShell(prompt[2]!, lineStart + prompt[1]!.length, "prompt");
      continue;
    }
    if (BARE_LINE.test(bare) && !NOT_A_COMMAND_LINE.test(bare)) {
      endParagraph();
      addShell(bare, lineStart + line.length - bare.length, "line");
      paragraphs.push({ from: lineStart + line.length - bare.length, to: lineStart + line.length, commandLine: true });
      continue;
    }
    if (line.trim() === "") {
      endParagraph();
      continue;
    }
    // List items, headings, table rows and quotes start a paragraph of their own.
    if (/^\s*(?:[-*+]\s|\d+[.)]\s|#{1,6}\s|\||>)/.test(line)) endParagraph();
    if (!paragraph) paragraph = { from: lineStart, to: lineStart + line.length, commandLine: false };
    else paragraph.to = lineStart + line.length;
  }
  endParagraph();

  // Inline code: commands are judged as commands and blanked from the prose; other multi-word
  // spans (quoted messages) are blanked too; single words (paths, names) stay part of the prose.
  const pieces: string[] = [];
  let copied = 0;
  const inline: { span: CommandSpan[]; start: number; end: number }[] = [];
  paragraphs.sort((a, b) => a.from - b.from);
  for (const p of paragraphs) {
    if (p.commandLine) continue;
    for (const match of text.slice(p.from, p.to).matchAll(/`([^`\n]+)`/g)) {
      const start = p.from + match.index;
      const end = start + match[0].length;
      const content = match[1]!;
      const shell = parseShell(content, start + 1);
      const isCommand = isProgram(shell[0]?.words[0]);
      pieces.push(text.slice(copied, start), isCommand || /\s/.test(content.trim()) ? "_".repeat(end - start) : ` ${content} `);
      copied = end;
      if (isCommand) inline.push({ span: shell.map((c) => ({ ...c, source: "inline", statedAgainst: false, lead: "" })), start, end });
    }
  }
  pieces.push(text.slice(copied));
  const masked = pieces.join("");
  const allClauses = paragraphs.flatMap((p) => clauses(text, masked, p.from, p.to).map((clause) => ({ clause, commandLine: p.commandLine })));
  let next = 0;
  for (const { clause, commandLine } of allClauses) {
    const sentence = text.slice(clause.sentence.start, clause.sentence.end);
    while (next < inline.length && inline[next]!.start < clause.start) next += 1;
    for (; next < inline.length && inline[next]!.end <= clause.end; next += 1) {
      const code = inline[next]!;
      const statedAgainst = isStatedAgainst(clause, code.start - clause.start, code.end - clause.start);
      for (const command of code.span) commands.push({ ...command, statedAgainst, lead: sentence });
    }
    if (commandLine) continue;
    for (const found of proseCommands(clause)) {
      commands.push({
        words: found.words,
        start: found.start,
        end: found.end,
        line: text.slice(found.start, found.end),
        inLoop: false,
        repeated: false,
        source: "prose",
        statedAgainst: isStatedAgainst(clause, found.start - clause.start, found.end - clause.start),
        lead: sentence,
      });
    }
  }
  commands.sort((a, b) => a.start - b.start);
  return { commands, clauses: allClauses.map((c) => c.clause) };
}

/** The commands in a text (code blocks, `$ ` lines, bare command lines, inline code, talosctl/omnictl in prose). */
export function findCommands(text: string): CommandSpan[] {
  return parseText(text).commands;
}
