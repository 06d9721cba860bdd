// The consent core, channel by channel, with a file store and recording fakes for the client.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decidePlan } from "../../../src/server/approvals.js";
import { FileApprovalStore } from "../../../src/server/approval-store.js";
import {
  consentSchema,
  describePlan,
  obtainConsent,
  pendingInstructions,
  type PullChannel,
  type PushChannel,
  type ConsentRound,
  type ConsentDeps,
  type ConsentOutcome,
  type ConsentRequest,
  type ElicitAnswer,
} from "../../../src/server/consent.js";
import { ConsentRefused } from "../../../src/server/errors.js";
import type { MutationPlan } from "../../../src/server/tool-spec.js";
import { fakeBase64PemPrivateKey } from "../../fixtures/fake-keys.js";

const plan: MutationPlan = { summary: "Reboot 10.0.0.2", commands: [["talosctl", "reboot"]], targets: ["10.0.0.2"], impact: ["node reboots"] };
const destructivePlan: MutationPlan = { ...plan, summary: "Reset cp-1", typedConfirmation: "cp-1", destructive: true };
const fingerprint = { files: { "demo/cp.yaml": "sha256:aa" }, previewSha256: undefined };
const base: ConsentRequest = { caller: "local", tool: "reboot", minRole: "operator", args: { nodes: ["10.0.0.2"] }, plan, destructive: false, fingerprint };

interface FakeChannel extends PushChannel {
  asked: string[];
  completedIds: string[];
  beats: number;
}

function channel(options: { form?: ElicitAnswer | Error; url?: (url: string, id: string) => Promise<ElicitAnswer["action"]> } = {}): FakeChannel {
  const ch: FakeChannel = {
    kind: "push",
    asked: [],
    completedIds: [],
    beats: 0,
    form: options.form !== undefined,
    url: options.url !== undefined,
    async elicitForm(message) {
      ch.asked.push(message);
      if (options.form instanceof Error) throw options.form;
      return options.form!;
    },
    async elicitUrl(message, url, id) {
      ch.asked.push(message);
      return options.url!(url, id);
    },
    async completed(id) {
      ch.completedIds.push(id);
    },
    async waiting() {
      ch.beats += 1;
    },
  };
  return ch;
}

function deps(config: Partial<ConsentDeps["config"]> = {}, now = () => 10_000): ConsentDeps {
  return {
    config: { consent: "elicit", consentTimeoutMs: 2_000, allowUnconfirmedDestructive: false, planTtlMs: 60_000, ...config },
    store: new FileApprovalStore(join(mkdtempSync(join(tmpdir(), "talos-mcp-consent-")), "approvals"), now),
    links: { linkFor: async (id, secret) => `http://127.0.0.1:1/approvals/${id}/${secret}`, command: (verb, id) => `talos-mcp ${verb} ${id}` },
    now,
  };
}

const pending = (outcome: ConsentOutcome) => {
  if (outcome.kind !== "pending") throw new Error(`expected pending, got ${outcome.kind}`);
  return outcome;
};
const approve = (d: ConsentDeps, id: string, typed?: string) => decidePlan(d.store, id, { approve: true, typed, by: "alice", via: "terminal" }, d.now());

describe("form elicitation (--consent elicit, a client that can ask)", () => {
  it("grants only on accept with confirm true", async () => {
    await expect(obtainConsent(base, channel({ form: { action: "accept", content: { confirm: true } } }), deps())).resolves.toEqual({ kind: "granted", via: "elicitation" });
    for (const answer of [{ action: "decline" as const }, { action: "cancel" as const }, { action: "accept" as const, content: { confirm: false } }, { action: "accept" as const, content: {} }]) {
      await expect(obtainConsent(base, channel({ form: answer }), deps())).rejects.toBeInstanceOf(ConsentRefused);
    }
  });

  it("treats an elicitation error or timeout as not confirmed", async () => {
    await expect(obtainConsent(base, channel({ form: new Error("Request timed out") }), deps())).rejects.toThrow(/timed out/);
  });

  it("needs the typed value for destructive plans", async () => {
    const request = { ...base, plan: destructivePlan, destructive: true };
    await expect(obtainConsent(request, channel({ form: { action: "accept", content: { confirm: true, typed: "cp-2" } } }), deps())).rejects.toThrow(/did not match "cp-1"/);
    await expect(obtainConsent(request, channel({ form: { action: "accept", content: { confirm: true, typed: "cp-1" } } }), deps())).resolves.toMatchObject({ kind: "granted" });
  });

  it("shows a redacted plan: keys and tokens in a dry-run diff never reach the client", async () => {
    const ch = channel({ form: { action: "decline" } });
    const leaky = { ...plan, summary: "Apply token: abcdef.0123456789abcdef", preview: `+    key: ${fakeBase64PemPrivateKey()}\n+  token: abcdef.0123456789abcdef` };
    await obtainConsent({ ...base, plan: leaky }, ch, deps()).catch(() => undefined);
    expect(ch.asked[0]).toContain("Preview:");
    expect(ch.asked[0]).not.toMatch(/LS0tLS1CRUdJTi|abcdef\.0123456789abcdef/);
    expect(JSON.stringify(consentSchema(leaky))).not.toMatch(/abcdef\.0123456789abcdef/);
  });
});

describe("a person approves out of band (elicit without form, and --consent approve)", () => {
  it("fails closed: the call is pending with a link and the terminal command; nothing is granted", async () => {
    const d = deps();
    const outcome = pending(await obtainConsent(base, channel(), d));
    expect(outcome.record).toMatchObject({ caller: "local", tool: "reboot", approver: "person", files: fingerprint.files, expiresAt: new Date(70_000).toISOString() });
    expect(outcome.approvalUrl).toBe(`http://127.0.0.1:1/approvals/${outcome.record.id}/${outcome.record.pageSecret}`);
    const text = pendingInstructions(outcome, d.links);
    expect(text).toMatch(/needs a person's approval, and you cannot give it/);
    expect(text).toContain(outcome.approvalUrl!);
    expect(text).toContain(`talos-mcp approve ${outcome.record.id}`);
  });

  it("approve mode goes to a person even when the client could show a form", async () => {
    const ch = channel({ form: { action: "accept", content: { confirm: true } } });
    expect((await obtainConsent(base, ch, deps({ consent: "approve" }))).kind).toBe("pending");
    expect(ch.asked).toEqual([]);
  });

  it("the call with the plan id stays pending until a person approves; then it runs once", async () => {
    const d = deps();
    const { record } = pending(await obtainConsent(base, channel(), d));
    const again = { ...base, planId: record.id };
    expect((await obtainConsent(again, channel(), d)).kind).toBe("pending");
    expect((await obtainConsent(again, channel(), d)).kind).toBe("pending");
    await approve(d, record.id);
    await expect(obtainConsent(again, channel(), d)).resolves.toEqual({ kind: "granted", via: "person", by: "alice", planId: record.id });
    await expect(obtainConsent(again, channel(), d)).rejects.toThrow(/already used/);
  });

  it("a rejected plan never runs", async () => {
    const d = deps();
    const { record } = pending(await obtainConsent(base, channel(), d));
    await decidePlan(d.store, record.id, { approve: false, by: "alice", via: "page" }, d.now());
    await expect(obtainConsent({ ...base, planId: record.id }, channel(), d)).rejects.toThrow(/alice rejected plan/);
  });

  it("an approval covers exactly what was shown: other arguments, another caller, changed files or preview are refused", async () => {
    const cases: [string, Partial<ConsentRequest>, RegExp][] = [
      ["arguments", { args: { nodes: ["10.0.0.3"] } }, /arguments or targets differ/],
      ["file", { fingerprint: { files: { "demo/cp.yaml": "sha256:bb" } } }, /demo\/cp\.yaml changed after plan/],
      ["new file", { fingerprint: { files: { ...fingerprint.files, "demo/patch.yaml": "sha256:cc" } } }, /demo\/patch\.yaml changed/],
      ["preview", { fingerprint: { ...fingerprint, previewSha256: "ff" } }, /preview is no longer the one shown/],
      ["caller", { caller: "other" }, /no plan .* from this caller/],
      ["tool", { tool: "reset" }, /no plan .* for reset/],
    ];
    for (const [label, change, reason] of cases) {
      const d = deps();
      const { record } = pending(await obtainConsent(base, channel(), d));
      await approve(d, record.id);
      await expect(obtainConsent({ ...base, ...change, planId: record.id }, channel(), d), label).rejects.toThrow(reason);
    }
  });

  it("a plan presented with other arguments is burnt", async () => {
    const d = deps();
    const { record } = pending(await obtainConsent(base, channel(), d));
    await approve(d, record.id);
    await expect(obtainConsent({ ...base, args: { nodes: ["10.0.0.3"] }, planId: record.id }, channel(), d)).rejects.toThrow(/differ/);
    await expect(obtainConsent({ ...base, planId: record.id }, channel(), d)).rejects.toThrow(/already used/);
  });

  it("expires", async () => {
    let now = 10_000;
    const d = deps({}, () => now);
    const { record } = pending(await obtainConsent(base, channel(), d));
    await approve(d, record.id);
    now = 70_000;
    await expect(obtainConsent({ ...base, planId: record.id }, channel(), d)).rejects.toThrow(/expired/);
  });

  it("URL elicitation: the person is sent to the page, the call waits for the decision, and the client hears it completed", async () => {
    const d = deps({}, Date.now);
    let seen: { url: string; id: string } | undefined;
    const ch = channel({
      url: async (url, id) => {
        seen = { url, id };
        setTimeout(() => void approve(d, id), 300);
        return "accept";
      },
    });
    const outcome = await obtainConsent(base, ch, d);
    expect(outcome).toMatchObject({ kind: "granted", via: "person", by: "alice" });
    expect(seen!.url).toMatch(new RegExp(`/approvals/${seen!.id}/[0-9a-f]{48}$`));
    expect(ch.completedIds).toEqual([seen!.id]);
  });

  it("URL elicitation declined: the plan is rejected; not answered in time: pending with the link", async () => {
    const d = deps({ consentTimeoutMs: 600 }, Date.now);
    await expect(obtainConsent(base, channel({ url: async () => "decline" }), d)).rejects.toThrow(/chose decline/);
    const waited = channel({ url: async () => "accept" });
    const outcome = pending(await obtainConsent(base, waited, d));
    expect(outcome.approvalUrl).toContain(outcome.record.id);
    expect(waited.beats).toBeGreaterThan(0);
    await approve(d, outcome.record.id);
    await expect(obtainConsent({ ...base, planId: outcome.record.id }, channel(), d)).resolves.toMatchObject({ kind: "granted", via: "person" });
  });
});

/** An MCP 2026-07-28 client: asked by ending the call; `answered` is the round it comes back with. */
function pull(modes: { form?: boolean; url?: boolean } = { form: true }, answered?: ConsentRound): PullChannel & { beats: number } {
  const ch = { kind: "pull" as const, form: modes.form ?? false, url: modes.url ?? false, answered, beats: 0, waiting: async () => void (ch.beats += 1) };
  return ch;
}

const asked = (outcome: ConsentOutcome) => {
  if (outcome.kind !== "ask") throw new Error(`expected ask, got ${outcome.kind}`);
  return outcome;
};

describe("pull channels (MCP 2026-07-28): the call ends with the question; the answer decides the stored plan", () => {
  it("asks with a form about a stored plan, and grants the answering call once", async () => {
    const d = deps();
    const question = asked(await obtainConsent(base, pull(), d));
    expect(question.question).toMatchObject({ kind: "form", schema: consentSchema(plan) });
    expect(question.question.kind === "form" && question.question.message).toContain("Reboot 10.0.0.2");
    expect(question.state).toEqual({ v: 1, planId: expect.stringMatching(/^plan-/), tool: "reboot", ask: "form" });
    const stored = await d.store.get(question.state.planId);
    expect(stored?.record).toMatchObject({ caller: "local", tool: "reboot", approver: "person", files: fingerprint.files });
    const yes = { state: question.state, answer: { action: "accept" as const, content: { confirm: true } } };
    await expect(obtainConsent(base, pull(undefined, yes), d)).resolves.toMatchObject({ kind: "granted", via: "person", by: "the client's user (elicitation)", planId: question.state.planId });
    expect((await d.store.get(question.state.planId))?.decision).toMatchObject({ decision: "approved", via: "elicitation" });
    await expect(obtainConsent(base, pull(undefined, yes), d)).rejects.toThrow(/already used/);
  });

  it("refuses decline, cancel, no confirmation and a wrong typed value — and records the rejection", async () => {
    const request = { ...base, plan: destructivePlan, destructive: true };
    const answers: [ElicitAnswer, RegExp][] = [
      [{ action: "decline" }, /chose decline/],
      [{ action: "cancel" }, /chose cancel/],
      [{ action: "accept", content: { confirm: false, typed: "cp-1" } }, /did not confirm/],
      [{ action: "accept", content: { confirm: true } }, /typed confirmation did not match "cp-1"/],
      [{ action: "accept", content: { confirm: true, typed: "cp-2" } }, /typed confirmation did not match "cp-1"/],
    ];
    for (const [answer, reason] of answers) {
      const d = deps();
      const { state } = asked(await obtainConsent(request, pull(), d));
      await expect(obtainConsent(request, pull(undefined, { state, answer }), d), JSON.stringify(answer)).rejects.toThrow(reason);
      expect((await d.store.get(state.planId))?.decision?.decision).toBe("rejected");
      await expect(obtainConsent(request, pull(undefined, { state, answer: { action: "accept", content: { confirm: true, typed: "cp-1" } } }), d)).rejects.toThrow(/rejected plan/);
    }
    const d = deps();
    const { state } = asked(await obtainConsent(request, pull(), d));
    await expect(obtainConsent(request, pull(undefined, { state, answer: { action: "accept", content: { confirm: true, typed: "cp-1" } } }), d)).resolves.toMatchObject({ kind: "granted" });
  });

  it("asks again when the answer is missing (same plan, same state)", async () => {
    const d = deps();
    const first = asked(await obtainConsent(base, pull(), d));
    const again = asked(await obtainConsent(base, pull(undefined, { state: first.state }), d));
    expect(again.state).toEqual(first.state);
    expect(again.question.kind).toBe("form");
  });

  it("asked again, the form shows the stored plan the answer decides, not what the asking call computed", async () => {
    const d = deps();
    const first = asked(await obtainConsent(base, pull(), d));
    const other = { ...base, args: { nodes: ["10.0.0.3"] }, plan: { ...plan, summary: "Reboot 10.0.0.3", targets: ["10.0.0.3"] } };
    const again = asked(await obtainConsent(other, pull(undefined, { state: first.state }), d));
    expect(again.state).toEqual(first.state);
    expect(again.question.message).toContain("Reboot 10.0.0.2");
    expect(again.question.message).not.toContain("10.0.0.3");
  });

  it("the answer covers exactly what was shown: other arguments, files, preview, caller or tool are refused", async () => {
    const cases: [string, Partial<ConsentRequest>, RegExp][] = [
      ["arguments", { args: { nodes: ["10.0.0.3"] } }, /arguments or targets differ/],
      ["file", { fingerprint: { files: { "demo/cp.yaml": "sha256:bb" } } }, /demo\/cp\.yaml changed after plan/],
      ["preview", { fingerprint: { ...fingerprint, previewSha256: "ff" } }, /preview is no longer the one shown/],
      ["caller", { caller: "other" }, /no plan .* from this caller/],
      ["tool", { tool: "reset" }, /no plan .* for reset/],
    ];
    for (const [label, change, reason] of cases) {
      const d = deps();
      const { state } = asked(await obtainConsent(base, pull(), d));
      const answer = { action: "accept" as const, content: { confirm: true } };
      await expect(obtainConsent({ ...base, ...change }, pull(undefined, { state, answer }), d), label).rejects.toThrow(reason);
      // Refused before the answer could decide it, or burnt by the attempt: never approved-and-unused.
      const after = await d.store.get(state.planId);
      expect(after?.decision === undefined || after?.redeemedAt !== undefined, label).toBe(true);
    }
  });

  it("a person who rejected on the page first wins over the form's answer", async () => {
    const d = deps();
    const { state } = asked(await obtainConsent(base, pull(), d));
    await decidePlan(d.store, state.planId, { approve: false, by: "alice", via: "page" }, d.now());
    await expect(obtainConsent(base, pull(undefined, { state, answer: { action: "accept", content: { confirm: true } } }), d)).rejects.toThrow(/alice rejected plan/);
  });

  it("URL: the link is the question; the answering call waits for the page's decision", async () => {
    const d = deps({}, Date.now);
    const { question, state } = asked(await obtainConsent(base, pull({ url: true }), d));
    expect(state.ask).toBe("url");
    expect(question).toMatchObject({ kind: "url", url: expect.stringMatching(new RegExp(`/approvals/${state.planId}/[0-9a-f]{48}$`)) });
    setTimeout(() => void approve(d, state.planId), 300);
    await expect(obtainConsent(base, pull({ url: true }, { state, answer: { action: "accept" } }), d)).resolves.toMatchObject({ kind: "granted", via: "person", by: "alice" });
  });

  it("URL declined: rejected; not decided in time: pending with the link, heartbeats meanwhile", async () => {
    const d = deps({ consentTimeoutMs: 600 }, Date.now);
    const first = asked(await obtainConsent(base, pull({ url: true }), d));
    await expect(obtainConsent(base, pull({ url: true }, { state: first.state, answer: { action: "decline" } }), d)).rejects.toThrow(/instead of opening the approval page/);
    expect((await d.store.get(first.state.planId))?.decision?.decision).toBe("rejected");
    const second = asked(await obtainConsent(base, pull({ url: true }), d));
    const waiting = pull({ url: true }, { state: second.state, answer: { action: "accept" } });
    expect(pending(await obtainConsent(base, waiting, d)).approvalUrl).toContain(second.state.planId);
    expect(waiting.beats).toBeGreaterThan(0);
  });

  it("a client that cannot ask, and approve mode with a form-capable client, get the out-of-band plan or the link", async () => {
    expect((await obtainConsent(base, pull({}), deps())).kind).toBe("pending");
    expect(asked(await obtainConsent(base, pull({ form: true, url: true }), deps({ consent: "approve" }))).question.kind).toBe("url");
    expect((await obtainConsent(base, pull({ form: true }), deps({ consent: "approve" }))).kind).toBe("pending");
  });
});

describe("--consent plan: the agent approves its own plans", () => {
  it("issues a plan id that the caller redeems once", async () => {
    const d = deps({ consent: "plan" });
    const ch = channel({ form: { action: "accept", content: { confirm: true } } });
    const outcome = pending(await obtainConsent(base, ch, d));
    expect(ch.asked).toEqual([]);
    expect(outcome.record.approver).toBe("caller");
    expect(pendingInstructions(outcome, d.links)).toMatch(/agent approves its own plans/);
    await expect(obtainConsent({ ...base, planId: outcome.record.id }, channel(), d)).resolves.toEqual({ kind: "granted", via: "own-plan", planId: outcome.record.id });
    await expect(obtainConsent({ ...base, planId: outcome.record.id }, channel(), d)).rejects.toThrow(/already used/);
  });

  it("destructive plans only with allowUnconfirmedDestructive and the typed value", async () => {
    const request = { ...base, plan: destructivePlan, destructive: true };
    await expect(obtainConsent(request, channel(), deps({ consent: "plan" }))).rejects.toThrow(/approves its own plans/);
    const d = deps({ consent: "plan", allowUnconfirmedDestructive: true });
    const first = pending(await obtainConsent(request, channel(), d));
    await expect(obtainConsent({ ...request, planId: first.record.id }, channel(), d)).rejects.toThrow(/confirm: "cp-1"/);
    const second = pending(await obtainConsent(request, channel(), d));
    await expect(obtainConsent({ ...request, planId: second.record.id, confirm: "cp-1" }, channel(), d)).resolves.toMatchObject({ kind: "granted", via: "own-plan" });
  });
});

describe("the consent mode of the server that runs the call decides who approves (servers sharing a state directory)", () => {
  // Every stdio server of a user shares the default state directory, and replicas share theirs:
  // a plan or a question minted by a server in another mode must not carry that mode over.
  const sharing = (from: ConsentDeps, config: Partial<ConsentDeps["config"]>): ConsentDeps => ({ ...deps(config), store: from.store });

  it("a plan the agent may approve itself (--consent plan) does not run on a server that needs a person", async () => {
    const planServer = deps({ consent: "plan" });
    const { record } = pending(await obtainConsent(base, channel(), planServer));
    for (const consent of ["elicit", "approve"] as const) {
      await expect(obtainConsent({ ...base, planId: record.id }, channel(), sharing(planServer, { consent })), consent).rejects.toThrow(/needs a person's approval/);
    }
    expect((await planServer.store.get(record.id))?.redeemedAt).toBeUndefined();
  });

  it("a destructive plan the agent approves itself runs only where allowUnconfirmedDestructive is set", async () => {
    const request = { ...base, plan: destructivePlan, destructive: true };
    const allowing = deps({ consent: "plan", allowUnconfirmedDestructive: true });
    const { record } = pending(await obtainConsent(request, channel(), allowing));
    await expect(obtainConsent({ ...request, planId: record.id, confirm: "cp-1" }, channel(), sharing(allowing, { consent: "plan" }))).rejects.toThrow(/approves its own plans/);
  });

  it("a form answer is not taken on a server that needs a person out of band (--consent approve)", async () => {
    const elicitServer = deps();
    const { state } = asked(await obtainConsent(base, pull(), elicitServer));
    const answer = { action: "accept" as const, content: { confirm: true } };
    await expect(obtainConsent(base, pull({ form: true }, { state, answer }), sharing(elicitServer, { consent: "approve" }))).rejects.toThrow(/needs a person's approval/);
    expect((await elicitServer.store.get(state.planId))?.decision).toBeUndefined();
  });
});

describe("deny and auto", () => {
  it("deny refuses and auto grants without asking", async () => {
    const ch = channel({ form: { action: "accept", content: { confirm: true } } });
    await expect(obtainConsent(base, ch, deps({ consent: "deny" }))).rejects.toBeInstanceOf(ConsentRefused);
    await expect(obtainConsent(base, ch, deps({ consent: "auto" }))).resolves.toEqual({ kind: "granted", via: "auto" });
    expect(ch.asked).toEqual([]);
  });
});

describe("the plan as text", () => {
  it("builds a flat schema and a readable plan that says what to type", () => {
    const schema = consentSchema(destructivePlan);
    expect(schema.required).toEqual(["confirm", "typed"]);
    for (const property of Object.values(schema.properties)) expect(["boolean", "string"]).toContain(property.type);
    const text = describePlan({ ...destructivePlan, preview: "x".repeat(5000) }, { "demo/cp.yaml": `sha256:${"a".repeat(64)}` });
    expect(text).toContain("Will run:\n  talosctl reboot");
    expect(text).toContain("(preview truncated)");
    expect(text).toContain("demo/cp.yaml sha256:aaaaaaaaaaaa");
    expect(text).toMatch(/Type cp-1 to confirm/);
  });
});
