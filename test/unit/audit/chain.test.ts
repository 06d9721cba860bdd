// The audit hash chain as pure functions: sealing, checking one line, and verifying a file —
// intact chains pass; every way of damaging one (edit, removal, reorder, truncation, splice of
// another log, a forged first line) is caught at the first bad line.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GENESIS, headOf, openLine, ROTATE_KIND, sealLine, verifyChain } from "../../../src/audit/chain.js";

function chain(records: Record<string, unknown>[], prev = GENESIS): { text: string; lines: string[]; head: string } {
  const lines: string[] = [];
  let head = prev;
  for (const record of records) {
    const sealed = sealLine(record, head);
    lines.push(sealed.line);
    head = sealed.hash;
  }
  return { text: lines.map((l) => `${l}\n`).join(""), lines, head };
}

const calls = (n: number, tag = "t") => Array.from({ length: n }, (_, i) => ({ kind: "audit", tool: `${tag}${i}`, decision: "allowed", n: i }));
const join = (lines: string[]) => lines.map((l) => `${l}\n`).join("");

describe("sealLine / openLine", () => {
  it("seals a record with prev and a hash over the exact bytes before the seal", () => {
    const { line, hash } = sealLine({ kind: "audit", tool: "version" }, GENESIS);
    expect(line).toBe(`{"kind":"audit","tool":"version","prev":"${GENESIS}","hash":"${hash}"}`);
    const body = `{"kind":"audit","tool":"version","prev":"${GENESIS}"}`;
    expect(hash).toBe(createHash("sha256").update(body).digest("hex"));
    expect(JSON.parse(line)).toEqual({ kind: "audit", tool: "version", prev: GENESIS, hash });
    expect(openLine(line)).toEqual({ ok: true, record: { kind: "audit", tool: "version" }, prev: GENESIS, hash });
    expect(headOf(line)).toBe(hash);
  });

  it("keeps unicode, quotes and nested values intact", () => {
    const record = { kind: "audit", args: { text: 'a "quoted" — ünïcode ✓ \\ back', nested: [1, { deep: null }] } };
    const { line } = sealLine(record, GENESIS);
    const opened = openLine(line);
    expect(opened.ok && opened.record).toEqual(record);
  });

  it("refuses a bad prev or a record that carries its own prev/hash", () => {
    expect(() => sealLine({ kind: "audit" }, "abc")).toThrow(/prev must be a sha256/);
    expect(() => sealLine({ kind: "audit", prev: GENESIS }, GENESIS)).toThrow(/must not carry/);
    expect(() => sealLine({ kind: "audit", hash: "x" }, GENESIS)).toThrow(/must not carry/);
  });

  it.each([
    ["blank", "", /blank line/],
    ["no seal", '{"kind":"audit"}', /no hash seal/],
    ["a pino line from before the chain", '{"kind":"audit","time":"2026-01-01T00:00:00.000Z","tool":"version"}', /no hash seal/],
    ["upper-case hash", `{"kind":"audit","prev":"${GENESIS}","hash":"${"A".repeat(64)}"}`, /no hash seal/],
    ["short hash", `{"kind":"audit","prev":"${GENESIS}","hash":"${"a".repeat(63)}"}`, /no hash seal/],
    ["broken JSON before the seal", `{"kind":"audit",,"prev":"${GENESIS}","hash":"${"a".repeat(64)}"}`, /not valid JSON/],
    ["an array", `[1,"hash":"${"a".repeat(64)}"}`, /not valid JSON/],
    ["no prev", `{"kind":"audit","hash":"${"a".repeat(64)}"}`, /no valid prev/],
    ["short prev", `{"kind":"audit","prev":"abc","hash":"${"a".repeat(64)}"}`, /no valid prev/],
  ])("rejects a line with %s", (_name, line, reason) => {
    const opened = openLine(line);
    expect(opened.ok).toBe(false);
    expect(!opened.ok && opened.reason).toMatch(reason);
    expect(headOf(line)).toBeUndefined();
  });

  it("rejects any edited byte of a sealed line", () => {
    const { line } = sealLine({ kind: "audit", tool: "bootstrap", decision: "denied" }, GENESIS);
    const edits = [line.replace("denied", "allowed"), line.replace("bootstrap", "bootstrap "), line.replace('"kind"', '"kind" ')];
    for (const edited of edits) expect(openLine(edited)).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match its hash/) });
    // Re-sealing after the edit makes the line valid on its own (only the next line can tell).
    const forged = sealLine({ kind: "audit", tool: "bootstrap", decision: "allowed" }, GENESIS);
    expect(openLine(forged.line).ok).toBe(true);
  });
});

describe("verifyChain", () => {
  it("accepts an empty file and an intact chain, reporting lines and head", () => {
    expect(verifyChain("")).toEqual({ ok: true, lines: 0, head: GENESIS, continuesFrom: undefined });
    const { text, head } = chain(calls(5));
    expect(verifyChain(text)).toEqual({ ok: true, lines: 5, head, continuesFrom: undefined });
  });

  it("names the edited line when its content no longer matches its hash", () => {
    const { lines } = chain(calls(6));
    lines[3] = lines[3]!.replace('"decision":"allowed"', '"decision":"denied"');
    expect(verifyChain(join(lines))).toMatchObject({ ok: false, line: 4, lines: 3, reason: expect.stringMatching(/edited/) });
  });

  it("names the line after an edited-and-resealed line (its link breaks)", () => {
    const { lines } = chain(calls(6));
    const opened = openLine(lines[2]!);
    if (!opened.ok) throw new Error("fixture");
    lines[2] = sealLine({ ...opened.record, decision: "denied" }, opened.prev).line;
    expect(verifyChain(join(lines))).toMatchObject({ ok: false, line: 4, reason: expect.stringMatching(/does not link to line 3/) });
  });

  it("names the line where a line was removed, for every position", () => {
    const { lines } = chain(calls(5));
    for (let removed = 0; removed < lines.length - 1; removed++) {
      const damaged = lines.filter((_, i) => i !== removed);
      const verdict = verifyChain(join(damaged));
      expect(verdict.ok, `removed line ${removed + 1}`).toBe(false);
      expect(verdict).toMatchObject({ line: removed + 1 });
    }
  });

  it("names the first out-of-order line, for every swap of neighbours", () => {
    const { lines } = chain(calls(5));
    for (let i = 0; i < lines.length - 1; i++) {
      const swapped = [...lines];
      [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
      expect(verifyChain(join(swapped)), `swap ${i + 1}/${i + 2}`).toMatchObject({ ok: false, line: i + 1 });
    }
  });

  it("names a line cut off mid-way, for every cut inside the last line", () => {
    const { text, lines } = chain(calls(3));
    const lastStart = text.length - lines[2]!.length - 1;
    for (let cut = lastStart + 1; cut < text.length; cut++) {
      expect(verifyChain(text.slice(0, cut)), `cut at ${cut}`).toMatchObject({ ok: false, line: 3, lines: 2, reason: expect.stringMatching(/incomplete line/) });
    }
  });

  it("names a cut in the middle of the file, a blank line and a foreign line", () => {
    const { lines } = chain(calls(4));
    expect(verifyChain(join([lines[0]!, lines[1]!.slice(0, 40), lines[2]!]))).toMatchObject({ ok: false, line: 2, reason: expect.stringMatching(/no hash seal/) });
    expect(verifyChain(join([lines[0]!, "", lines[1]!]))).toMatchObject({ ok: false, line: 2, reason: "blank line" });
    expect(verifyChain(join([lines[0]!, '{"kind":"audit","tool":"x"}', lines[1]!]))).toMatchObject({ ok: false, line: 2 });
  });

  it("rejects a file whose first line does not start a chain (lines removed from the start)", () => {
    const { lines } = chain(calls(4));
    expect(verifyChain(join(lines.slice(1)))).toMatchObject({ ok: false, line: 1, reason: expect.stringMatching(/does not start a chain/) });
  });

  it("rejects lines spliced in from another log, even though each is valid on its own", () => {
    const a = chain(calls(3, "a"));
    const b = chain(calls(3, "b"));
    expect(verifyChain(join([...a.lines, ...b.lines]))).toMatchObject({ ok: false, line: 4 });
    expect(verifyChain(join([a.lines[0]!, b.lines[1]!]))).toMatchObject({ ok: false, line: 2 });
  });

  it("accepts a file that continues a rotated one, and checks the link when told what it follows", () => {
    const first = chain(calls(3));
    const second = chain([{ kind: ROTATE_KIND, reason: "size", previous: "audit.jsonl.1" }, ...calls(2)], first.head);
    expect(verifyChain(second.text)).toMatchObject({ ok: true, lines: 3, continuesFrom: first.head, head: second.head });
    expect(verifyChain(second.text, { after: first.head })).toMatchObject({ ok: true, continuesFrom: first.head });
    // The previous file lost its last line: the link no longer fits.
    const shortened = chain(calls(2));
    expect(verifyChain(second.text, { after: shortened.head })).toMatchObject({ ok: false, line: 1, reason: expect.stringMatching(/previous file/) });
    // A following file must start with the rotate record.
    expect(verifyChain(chain(calls(2), first.head).text, { after: first.head })).toMatchObject({ ok: false, line: 1, reason: expect.stringMatching(/audit-rotate/) });
    // The rotate record itself removed: the next line links to a hash that is not there.
    expect(verifyChain(join(second.lines.slice(1)))).toMatchObject({ ok: false, line: 1 });
  });

  it("rejects a rotate record anywhere but the first line", () => {
    const { lines, head } = chain(calls(2));
    const rotate = sealLine({ kind: ROTATE_KIND, reason: "size", previous: "x" }, head).line;
    expect(verifyChain(join([...lines, rotate]))).toMatchObject({ ok: false, line: 3, reason: expect.stringMatching(/middle of a file/) });
  });
});
