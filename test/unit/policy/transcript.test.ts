// What policy-check grades in its input: plain text as is; chat transcripts (JSON array, object
// with messages, JSON Lines) message by message, only the roles asked for; bad input named.
import { describe, expect, it } from "vitest";
import { readPolicyInput, TranscriptError } from "../../../src/policy/transcript.js";

const assistant = new Set(["assistant"]);
const error = (raw: string) => {
  try {
    readPolicyInput(raw, assistant);
  } catch (caught) {
    expect(caught).toBeInstanceOf(TranscriptError);
    return (caught as Error).message;
  }
  throw new Error("accepted");
};

describe("readPolicyInput", () => {
  it("takes plain text and Markdown as one text", () => {
    expect(readPolicyInput("# Plan\n$ talosctl -n 10.5.0.2 dmesg\n", assistant)).toEqual({ format: "text", texts: [{ text: "# Plan\n$ talosctl -n 10.5.0.2 dmesg\n" }] });
  });

  it("grades only the assistant's messages of an array, with their index and role", () => {
    const raw = JSON.stringify([
      { role: "system", content: "You operate Talos." },
      { role: "user", content: "ssh into cp-1" },
      { role: "assistant", content: "Talos has no SSH." },
      { role: "assistant", content: null, tool_calls: [] },
    ]);
    expect(readPolicyInput(raw, assistant)).toEqual({ format: "chat", texts: [{ text: "Talos has no SSH.", chat: { index: 2, role: "assistant" } }] });
    expect(readPolicyInput(raw, new Set(["user", "assistant"])).texts.map((t) => t.chat?.role)).toEqual(["user", "assistant"]);
  });

  it("reads an object with messages and content parts, keeping text parts only", () => {
    const raw = JSON.stringify({
      model: "x",
      messages: [{ role: "assistant", content: [{ type: "text", text: "First." }, { type: "tool_use", id: "1", input: {} }, "Second."] }],
    });
    expect(readPolicyInput(raw, assistant).texts).toEqual([{ text: "First.\n\nSecond.", chat: { index: 0, role: "assistant" } }]);
  });

  it("reads a file that starts with a byte-order mark", () => {
    expect(readPolicyInput(`\uFEFF${JSON.stringify([{ role: "assistant", content: "ok" }])}`, assistant).format).toBe("chat");
  });

  it("reads JSON Lines of messages", () => {
    const raw = `${JSON.stringify({ role: "user", content: "hi" })}\n${JSON.stringify({ role: "assistant", content: "Use talosctl." })}\n`;
    expect(readPolicyInput(raw, assistant)).toEqual({ format: "chat", texts: [{ text: "Use talosctl.", chat: { index: 1, role: "assistant" } }] });
  });

  it("names what is wrong with bad input", () => {
    expect(error("   \n")).toMatch(/input is empty/);
    expect(error('{"foo": 1}')).toMatch(/array of \{role, content\} messages or an object with a "messages" array, not object with keys foo/);
    expect(error('{"messages": [')).toMatch(/starts like JSON but does not parse/);
    expect(error("[1]")).toMatch(/messages\[0\] must be an object/);
    expect(error('[{"content": "x"}]')).toMatch(/messages\[0\]\.role must be a non-empty string/);
    expect(error('[{"role": "assistant"}]')).toMatch(/messages\[0\] has no content/);
    expect(error('[{"role": "assistant", "content": 5}]')).toMatch(/messages\[0\]\.content must be a string or an array of parts, not number/);
    expect(error('[{"role": "assistant", "content": [{"text": 5}]}]')).toMatch(/content\[0\]\.text must be a string/);
  });
});
