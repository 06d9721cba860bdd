import { describe, expect, it } from "vitest";
import { allowedHostNames, checkHost, checkOrigin, hostName, isLoopback } from "../../../src/transports/host-origin.js";
import { ConcurrencyLimiter, RateLimiter } from "../../../src/transports/limits.js";
import { hashToken, parseTokensFile, verifyToken } from "../../../src/transports/tokens.js";

describe("Host and Origin checks", () => {
  const hosts = allowedHostNames("127.0.0.1", ["mcp.internal"]);
  it.each(["127.0.0.1:8080", "localhost:8080", "LOCALHOST", "[::1]:9000", "mcp.internal:443", "127.0.0.1"])("allows Host %s", (h) => {
    expect(checkHost(h, hosts).ok).toBe(true);
  });
  it.each(["evil.example", "evil.example:8080", "127.0.0.2:8080", "mcp.internal.evil.example"])("denies Host %s with 403", (h) => {
    expect(checkHost(h, hosts)).toMatchObject({ ok: false, status: 403 });
  });
  it("needs a Host header", () => expect(checkHost(undefined, hosts)).toMatchObject({ ok: false, status: 400 }));
  it("a 0.0.0.0 bind does not make 0.0.0.0 a valid Host", () => expect(allowedHostNames("0.0.0.0", []).has("0.0.0.0")).toBe(false));
  it("Origin: absent is fine, listed is fine, anything else is 403", () => {
    expect(checkOrigin(undefined, []).ok).toBe(true);
    expect(checkOrigin("https://ui.example", ["https://ui.example/"]).ok).toBe(true);
    expect(checkOrigin("https://evil.example", ["https://ui.example"])).toMatchObject({ ok: false, status: 403 });
    expect(checkOrigin("null", [])).toMatchObject({ ok: false, status: 403 });
  });
  it("parses host names and loopback", () => {
    expect(hostName("[::1]:8080")).toBe("[::1]");
    expect(isLoopback("127.0.42.1")).toBe(true);
    expect(isLoopback("0.0.0.0")).toBe(false);
    expect(isLoopback("10.0.0.1")).toBe(false);
  });
});

describe("limits", () => {
  it("rate limit refills over time and says how long to wait", () => {
    let now = 0;
    const rate = new RateLimiter(2, 2, () => now);
    expect([rate.take("a"), rate.take("a"), rate.take("a")]).toEqual([0, 0, 30]);
    expect(rate.take("b")).toBe(0);
    now = 30_000;
    expect(rate.take("a")).toBe(0);
  });
  it("rate limit lets a burst through up to its size, then refills at the sustained rate", () => {
    let now = 0;
    const rate = new RateLimiter(60, 5, () => now);
    expect(Array.from({ length: 6 }, () => rate.take("a"))).toEqual([0, 0, 0, 0, 0, 1]);
    now = 3_000;
    // Three seconds at one a second: three more, then wait.
    expect(Array.from({ length: 4 }, () => rate.take("a"))).toEqual([0, 0, 0, 1]);
    // A long pause refills the burst, never more.
    now = 3_600_000;
    expect(Array.from({ length: 6 }, () => rate.take("a"))).toEqual([0, 0, 0, 0, 0, 1]);
  });
  it("rate limit takes a batch of calls at once or not at all", () => {
    let now = 0;
    const rate = new RateLimiter(60, 5, () => now);
    expect(rate.take("a", 4)).toBe(0);
    expect(rate.take("a", 2)).toBe(1);
    expect(rate.take("a", 1)).toBe(0);
    now = 10_000;
    expect(rate.take("a", 6)).toBe(Number.POSITIVE_INFINITY);
    expect(rate.take("a", 5)).toBe(0);
  });
  it("rate limit forgets the buckets that have refilled, so callers that come and go do not accumulate", () => {
    // The approval page is limited per remote address: without forgetting, every address that
    // ever asked would keep a bucket for the life of the process.
    let now = 0;
    const rate = new RateLimiter(60, 5, () => now); // refills the whole burst in 5 s
    for (let address = 0; address < 10_000; address += 1) expect(rate.take(`approvals:10.0.${address >> 8}.${address & 255}`)).toBe(0);
    now = 10_000;
    expect(rate.take("approvals:10.1.0.1")).toBe(0);
    expect(rate.tracked).toBe(1);
  });
  it("rate limit keeps a bucket that has not refilled yet: forgetting does not reset a flood", () => {
    let now = 0;
    const rate = new RateLimiter(60, 5, () => now); // one token a second, burst 5
    for (let address = 0; address < 1_000; address += 1) expect(rate.take(`other-${address}`)).toBe(0);
    now = 2_000;
    expect(rate.take("flood", 5)).toBe(0);
    now = 5_000; // the others are full again (forgotten); the flood has 3 of 5 tokens (kept)
    expect(rate.take("probe")).toBe(0);
    expect(rate.tracked).toBe(2);
    expect(rate.take("flood", 5)).toBe(2);
    expect(rate.take("flood", 3)).toBe(0);
  });
  it("concurrency limit per key, released once", () => {
    const limit = new ConcurrencyLimiter(1);
    const release = limit.acquire("a")!;
    expect(limit.acquire("a")).toBeUndefined();
    expect(limit.acquire("b")).toBeTypeOf("function");
    release();
    release();
    expect(limit.acquire("a")).toBeTypeOf("function");
    expect(limit.acquire("a")).toBeUndefined();
  });
});

describe("tokens file", () => {
  const file = (extra = "") => `tokens:\n  - name: ci\n    token: sha256:${hashToken("secret-1").toString("hex")}\n    role: reader\n${extra}`;
  it("verifies by hash, with expiry", () => {
    const entries = parseTokensFile(file("  - name: old\n    token: sha256:" + hashToken("secret-2").toString("hex") + "\n    role: admin\n    expires: 2020-01-01\n"), "t.yaml");
    expect(verifyToken(entries, "secret-1")).toMatchObject({ ok: true, entry: { name: "ci", role: "reader" } });
    expect(verifyToken(entries, "secret-2")).toEqual({ ok: false, reason: "expired" });
    expect(verifyToken(entries, "nope")).toEqual({ ok: false, reason: "invalid" });
    expect(verifyToken(entries, undefined)).toEqual({ ok: false, reason: "missing" });
  });
  it("rejects plain tokens, bad roles, unknown keys and duplicate names, naming the field", () => {
    expect(() => parseTokensFile("tokens:\n  - {name: a, token: secret, role: reader}\n", "t.yaml")).toThrow(/tokens\.0\.token: must be sha256:/);
    expect(() => parseTokensFile(file().replace("reader", "root"), "t.yaml")).toThrow(/tokens\.0\.role/);
    expect(() => parseTokensFile(file("    extra: 1\n"), "t.yaml")).toThrow(/tokens\.0/);
    expect(() => parseTokensFile(file(file().split("\n").slice(1).join("\n")), "t.yaml")).toThrow(/'ci' is used twice/);
  });
});
