import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { blockLabel, isAddressInUse, onFreeBlock, portIsFree, relocate, type LoopbackBlock } from "../../../src/sim/loopback.js";

const listening: Server[] = [];
const listen = (host: string, port: number) =>
  new Promise<void>((resolve, reject) => {
    const server = createServer();
    listening.push(server);
    server.once("error", reject).listen({ host, port }, () => resolve());
  });
afterEach(async () => {
  await Promise.all(listening.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe("relocate", () => {
  it("keeps the last octet and moves the address into the block", () => {
    expect(relocate("127.0.43.21", { a: 150, b: 7 })).toBe("127.150.7.21");
    expect(blockLabel({ a: 150, b: 7 })).toBe("127.150.7.0/24");
  });
  it("refuses what is not IPv4", () => {
    expect(() => relocate("cp-1", { a: 150, b: 7 })).toThrow(/not an IPv4 address: 'cp-1'/);
  });
});

describe("isAddressInUse", () => {
  it("recognises Node's and grpc-js's wording, and nothing else", () => {
    expect(isAddressInUse(Object.assign(new Error("listen EADDRINUSE: address already in use 127.0.43.11:50000"), { code: "EADDRINUSE" }))).toBe(true);
    expect(isAddressInUse(new Error("No address added out of total 1 resolved"))).toBe(true);
    expect(isAddressInUse(new Error("certificate expired"))).toBe(false);
    expect(isAddressInUse(undefined)).toBe(false);
  });
});

describe("onFreeBlock", () => {
  const port = 50000 + Math.floor(Math.random() * 1000) + 1000;

  it("skips a block whose address is taken and starts on the next one", async () => {
    await listen("127.201.1.11", port);
    expect(await portIsFree("127.201.1.11", port)).toBe(false);
    const blocks: LoopbackBlock[] = [{ a: 201, b: 1 }, { a: 201, b: 2 }];
    const started: string[] = [];
    const result = await onFreeBlock({ lastOctets: ["11", "12"], port }, async (block) => (started.push(blockLabel(block)), block), { pick: () => blocks.shift()! });
    expect(result).toEqual({ a: 201, b: 2 });
    expect(started).toEqual(["127.201.2.0/24"]);
  });

  it("retries when the start itself loses a race for an address; other errors are final", async () => {
    const blocks: LoopbackBlock[] = [{ a: 202, b: 1 }, { a: 202, b: 2 }];
    let calls = 0;
    const result = await onFreeBlock(
      { lastOctets: ["11"], port },
      async (block) => {
        calls++;
        if (block.b === 1) throw new Error("No address added out of total 1 resolved");
        return "ok";
      },
      { pick: () => blocks.shift()! },
    );
    expect([result, calls]).toEqual(["ok", 2]);
    await expect(onFreeBlock({ lastOctets: ["11"], port }, async () => Promise.reject(new Error("bad certificate")), { pick: () => ({ a: 202, b: 3 }) })).rejects.toThrow("bad certificate");
  });

  it("gives up with a clear error naming the blocks it tried", async () => {
    await listen("127.203.1.11", port);
    await expect(onFreeBlock({ lastOctets: ["11"], port }, async () => "never", { attempts: 3, pick: () => ({ a: 203, b: 1 }) })).rejects.toThrow(
      /no free loopback block for the simulated nodes after 3 tries \(127\.203\.1\.0\/24, .*\): every address needs port \d+ free/,
    );
  });
});
