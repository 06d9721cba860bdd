// Where a simulated cluster listens. Each node needs its own address on the Talos API port
// (talosctl dials <node>:50000), so a cluster takes a whole /24 of 127.0.0.0/8. Blocks are chosen
// at random among those whose addresses are free right now, so any number of clusters (parallel
// tests, one harness run per task) can run side by side on one machine; the scenario file keeps
// only the layout (the last octet of each node).
import { createServer } from "node:net";
import { randomInt } from "node:crypto";

/** Second octets used for simulated clusters; 127.0.x.x stays free for everything else. */
const FIRST_OCTET_MIN = 100;
const FIRST_OCTET_MAX = 254;
export const DEFAULT_BLOCK_ATTEMPTS = 32;

export interface LoopbackBlock {
  /** `127.<a>.<b>.0/24` */
  a: number;
  b: number;
}

export function blockLabel(block: LoopbackBlock): string {
  return `127.${block.a}.${block.b}.0/24`;
}

/** Moves an address of the scenario into the block, keeping its last octet. */
export function relocate(address: string, block: LoopbackBlock): string {
  const last = address.split(".")[3];
  if (last === undefined) throw new Error(`not an IPv4 address: '${address}'`);
  return `127.${block.a}.${block.b}.${last}`;
}

export function randomBlock(pick: (min: number, maxExclusive: number) => number = randomInt): LoopbackBlock {
  return { a: pick(FIRST_OCTET_MIN, FIRST_OCTET_MAX + 1), b: pick(0, 256) };
}

/** True when nothing listens on address:port (a listen that succeeds is closed at once). */
export function portIsFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ host: address, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * A port that is free at `address` right now (the system picks it). Another process may take it
 * before the caller binds it: callers retry on address-in-use.
 */
export function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen({ host: address, port: 0, exclusive: true }, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Whether an error from binding a listener means "someone else has this address". */
export function isAddressInUse(error: unknown): boolean {
  const text = `${(error as { code?: string })?.code ?? ""} ${(error as Error)?.message ?? ""}`;
  // grpc-js reports a failed bind as "No address added out of total N resolved" (EADDRINUSE inside).
  return /EADDRINUSE|address already in use|No address added/i.test(text);
}

/**
 * Runs `start` on random blocks until one binds. `start` receives the block and must release
 * everything it bound before rethrowing; an address-in-use failure moves on to another block,
 * any other failure is final. After `attempts` blocks the error says what was tried.
 */
export async function onFreeBlock<T>(
  ports: { lastOctets: string[]; port: number },
  start: (block: LoopbackBlock) => Promise<T>,
  options: { attempts?: number; pick?: () => LoopbackBlock } = {},
): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_BLOCK_ATTEMPTS;
  const pick = options.pick ?? (() => randomBlock());
  const tried: string[] = [];
  for (let attempt = 0; attempt < attempts; attempt++) {
    const block = pick();
    tried.push(blockLabel(block));
    const free = await Promise.all(ports.lastOctets.map((last) => portIsFree(`127.${block.a}.${block.b}.${last}`, ports.port)));
    if (free.includes(false)) continue;
    try {
      return await start(block);
    } catch (error) {
      if (!isAddressInUse(error)) throw error;
    }
  }
  throw new Error(
    `no free loopback block for the simulated nodes after ${attempts} tries (${tried.slice(0, 4).join(", ")}${tried.length > 4 ? ", …" : ""}): ` +
      `every address needs port ${ports.port} free; stop other simulations (talos-mcp sim up, serve --sim) or free loopback ports`,
  );
}
