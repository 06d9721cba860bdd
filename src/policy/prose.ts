// Prose for policy-check: splits running text into sentences and clauses and tells an instruction
// ("ssh into the node") from a statement against it ("Talos has no SSH", "don't run kubeadm",
// "instead of `apt install`, …", "you asked me to SSH in, but …"). Rules judge prose and code
// alike; this is what keeps explanations of the rules from being reported as breaking them.

export interface Span {
  start: number;
  end: number;
}

export interface Clause extends Span {
  /** The clause's text, same length as the original slice (inline commands blanked out). */
  text: string;
  /** The sentence the clause belongs to, as written (inline code kept). */
  sentence: Span;
}

/** Abbreviations whose full stop does not end a sentence. */
const ABBREVIATION = /\b(?:e\.g|i\.e|etc|vs|cf|approx|incl)\.$/i;

/** Splits a paragraph into sentences at . ! ? followed by a space or the end. */
export function sentences(text: string, from: number, to: number): Span[] {
  const spans: Span[] = [];
  let start = from;
  for (let i = from; i < to; i += 1) {
    const ch = text[i]!;
    if ((ch === "." || ch === "!" || ch === "?") && (i + 1 >= to || /\s/.test(text[i + 1]!))) {
      if (ch === "." && ABBREVIATION.test(text.slice(Math.max(from, i - 8), i + 1))) continue;
      if (text.slice(start, i + 1).trim()) spans.push({ start, end: i + 1 });
      start = i + 1;
    }
  }
  if (text.slice(start, to).trim()) spans.push({ start, end: to });
  return spans;
}

/** Clause boundaries that always start a new clause: ; : ( ) dashes used as punctuation, "but", "however". */
const HARD_BOUNDARY = /[;()]|:(?=\s|$)|\s[—–]\s|\s--?\s|[—–]|,?\s+but\s|,?\s+however\b/gi;
/** A comma starts a new clause when the next words begin one ("…, so use talosctl"). */
const COMMA_LEADS = /^,\s*(?:so|then|and then|just|simply|instead|otherwise|yet|because|since|which means)\b/i;
/** …or when what came before was an introductory clause ("If talosctl can't reach it, ssh in")… */
const SUBORDINATE = /^\W*(?:if|when|whenever|once|after|before|since|because|as soon as|in case|unless|while|although|though|to|for)\b/i;
/** …or an interjection on its own ("Sure, ssh in"; but "No SSH, shell or apt" is one clause). */
const INTERJECTION = /^\W*(?:ok(?:ay)?|sure|yes|no|well|now|first|next|then|finally|alternatively|otherwise|also|don['’]t worry|no worries|no problem)\W*$/i;

/** Splits one sentence into clauses (offsets into `text`). */
function clauseSpans(text: string, sentence: Span): Span[] {
  const cuts: number[] = [sentence.start];
  const body = text.slice(sentence.start, sentence.end);
  for (const match of body.matchAll(HARD_BOUNDARY)) cuts.push(sentence.start + match.index, sentence.start + match.index + match[0].length);
  cuts.push(sentence.end);
  const pieces: Span[] = [];
  for (let i = 0; i + 1 < cuts.length; i += 2) {
    if (cuts[i + 1]! > cuts[i]!) pieces.push({ start: cuts[i]!, end: cuts[i + 1]! });
  }
  // Commas: split where a new clause clearly starts, never inside a list ("no SSH, shell, apt or systemd").
  const spans: Span[] = [];
  for (const piece of pieces) {
    let start = piece.start;
    for (let i = piece.start; i < piece.end; i += 1) {
      if (text[i] !== ",") continue;
      const before = text.slice(start, i);
      if (COMMA_LEADS.test(text.slice(i, piece.end)) || (start === piece.start && (SUBORDINATE.test(before) || INTERJECTION.test(before)))) {
        spans.push({ start, end: i });
        start = i + 1;
      }
    }
    spans.push({ start, end: piece.end });
  }
  return spans.filter((span) => text.slice(span.start, span.end).trim() !== "");
}

/** Clauses of a paragraph of `text` (from..to); `masked` is `text` with inline commands blanked. */
export function clauses(text: string, masked: string, from: number, to: number): Clause[] {
  return sentences(masked, from, to).flatMap((sentence) => clauseSpans(masked, sentence).map((span) => ({ ...span, text: masked.slice(span.start, span.end), sentence })));
}

// Cues that turn what follows (to the end of its clause) into a statement against it.
const NEGATION =
  /\b(?:no(?!-)|not|never|none|nothing|nor|neither|without|avoid(?:s|ing)?|skip(?:s|ping)?|cannot|can not|will not|do not|does not|did not|should not|must not|refuses?|lacks?|replaces|replaced by|forbid(?:s|den)?|prohibit(?:s|ed)?|no longer)\b|\b\w+n['’]t\b/i;
// Someone else's words, another system's habits, or what Talos does itself ("Talos manages its own
// trust store"): not the agent's instruction.
const NOT_AN_INSTRUCTION =
  /\b(?:(?:manages|maintains|keeps|has|ships|brings) its own|you asked|asked (?:me )?to|you want(?:ed)? (?:me )?to|you['’]d like|you would like|your request|you mentioned|you suggested|you(?:['’]re| are) trying to|traditional(?:ly)?|conventional|other (?:linux )?(?:distributions|distros|systems|operating systems)|general-purpose|regular linux|(?:you['’]d|you would|would) (?:normally|usually)|linux admins?|linux habits?|on (?:ubuntu|debian|rhel|centos|fedora)|kubeadm(?:-based)? clusters|elsewhere)\b/i;
// Cues whose reach ends at the next comma: "instead of SSH, use talosctl".
const CONTRAST = /\b(?:instead of|rather than|unlike|as opposed to|in place of|compared (?:to|with)|(?:the )?(?:equivalent|counterpart) (?:of|to))\b/gi;
// A negation right after the thing: "SSH is not available", "`apt install` won't work".
const NEGATED_AFTER = /^\W*(?:\S+\s+){0,3}?(?:\S*n['’]t|not|never|unavailable|unsupported|absent|missing|forbidden|disabled|gone|wrong|invalid|invented|incorrect|made[- ]up|bogus)\b/i;
// The rest of a list the thing is in: "apt, yum, dnf and zypper are unavailable".
const REST_OF_LIST = /^(?:\s*(?:,|\band\b|\bor\b|\bnor\b)\s*[\w./-]+)+/i;

/** Whether the words at clause.text[from..to] are stated against (negated, advised against, quoted, contrasted). */
export function isStatedAgainst(clause: Clause, from: number, to: number): boolean {
  const before = clause.text.slice(0, from);
  if (NEGATION.test(before) || NOT_AN_INSTRUCTION.test(before)) return true;
  for (const cue of before.matchAll(CONTRAST)) {
    if (!before.slice(cue.index + cue[0].length).includes(",")) return true;
  }
  return NEGATED_AFTER.test(clause.text.slice(to).replace(REST_OF_LIST, ""));
}
