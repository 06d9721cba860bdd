// Pending plans and the decisions people make about them. The store is deliberately small — three
// atomic primitives over immutable records — so that it can live in files here and, later, in
// the Kubernetes API for several replicas:
//   create   a new plan record (never overwritten),
//   decide   the first decision wins (approve after reject, or a second approve, is refused),
//   redeem   the first use wins (a plan runs at most once).
// Who may decide, expiry, typed confirmations and the binding checks live in approvals.ts, above
// any store; the files here are only ever written by the server and `talos-mcp approve|reject`.
import { nodeCrypto } from "../lazy-crypto.js";
import { lstat, mkdir, readdir, readFile, rm, chmod } from "node:fs/promises";
import { join } from "node:path";
import { publishOnce } from "../fs/atomic.js";
import type { FileDigests } from "./plan-binding.js";
import type { RequiredRole } from "./roles.js";
import type { MutationPlan } from "./tool-spec.js";

/** plan- + 16 base32 characters (80 random bits): typed by people, unguessable by callers. */
export const PLAN_ID_PATTERN = /^plan-[a-z2-7]{16}$/;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

export function newPlanId(): string {
  return `plan-${[...nodeCrypto().randomBytes(16)].map((byte) => BASE32[byte % 32]).join("")}`;
}

export function isPlanId(value: unknown): value is string {
  return typeof value === "string" && PLAN_ID_PATTERN.test(value);
}

/** What a person is shown: the plan as the tool described it, redacted. */
export type ShownPlan = Omit<MutationPlan, "destructive"> & { destructive: boolean };

export interface PlanRecord {
  id: string;
  /** Who asked: the token name over HTTP, "local" over stdio. */
  caller: string;
  tool: string;
  /** The role the tool needs: an approver over HTTP must hold at least this. */
  minRole: RequiredRole;
  /** bindingDigest(caller, tool, arguments, targets). */
  binding: string;
  files: FileDigests;
  previewSha256?: string;
  plan: ShownPlan;
  /** person: only a person's decision lets it run; caller: the agent approves its own plan (--consent plan). */
  approver: "person" | "caller";
  /** One-time secret of the approval page URL (person approvals only). */
  pageSecret?: string;
  createdAt: string;
  expiresAt: string;
}

export interface PlanDecision {
  decision: "approved" | "rejected";
  /** Who decided: a token name, "terminal (user)", "browser (loopback)". */
  by: string;
  via: "page" | "terminal" | "elicitation";
  at: string;
}

export interface PlanState {
  record: PlanRecord;
  decision?: PlanDecision;
  redeemedAt?: string;
}

export interface ApprovalStore {
  /** Stores a new plan; fails if the id exists. */
  create(record: PlanRecord): Promise<void>;
  get(id: string): Promise<PlanState | undefined>;
  /** Every stored plan, newest first. */
  list(): Promise<PlanState[]>;
  /** Records the first decision on a plan; a later one gets "already-decided". */
  decide(id: string, decision: PlanDecision): Promise<"recorded" | "already-decided" | "unknown">;
  /** Marks the plan used; true for the first caller only. */
  redeem(id: string, at: string): Promise<boolean>;
}

/** Records older than this past their expiry are removed when new plans are created. */
const KEEP_EXPIRED_MS = 24 * 60 * 60_000;

/**
 * Plans as files in the server's state directory (0700 directory, 0600 files):
 *   <id>.plan.json      the record,
 *   <id>.decision.json  the first decision,
 *   <id>.redeemed       the first use.
 * Each is written to a temporary file and then hard-linked into place: link() fails when the
 * name exists, which makes "first one wins" atomic across processes (the server and the
 * `talos-mcp approve` command), and a reader never sees a half-written file.
 */
export class FileApprovalStore implements ApprovalStore {
  private ready?: Promise<void>;

  constructor(
    readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {}

  async create(record: PlanRecord): Promise<void> {
    if (!isPlanId(record.id)) throw new Error(`invalid plan id ${record.id}`);
    await this.open();
    await this.sweep();
    if (!(await this.publish(`${record.id}.plan.json`, JSON.stringify(record)))) throw new Error(`plan ${record.id} exists`);
  }

  async get(id: string): Promise<PlanState | undefined> {
    if (!isPlanId(id)) return undefined;
    await this.open();
    const record = await this.readJson<PlanRecord>(`${id}.plan.json`);
    if (!record) return undefined;
    const decision = await this.readJson<PlanDecision>(`${id}.decision.json`);
    const redeemed = await this.readJson<{ at: string }>(`${id}.redeemed`);
    return { record, ...(decision ? { decision } : {}), ...(redeemed ? { redeemedAt: redeemed.at } : {}) };
  }

  async list(): Promise<PlanState[]> {
    await this.open();
    const ids = (await readdir(this.dir)).filter((name) => name.endsWith(".plan.json")).map((name) => name.slice(0, -".plan.json".length));
    const states = (await Promise.all(ids.map((id) => this.get(id)))).filter((state): state is PlanState => state !== undefined);
    return states.sort((a, b) => b.record.createdAt.localeCompare(a.record.createdAt));
  }

  async decide(id: string, decision: PlanDecision): Promise<"recorded" | "already-decided" | "unknown"> {
    if (!(await this.get(id))) return "unknown";
    return (await this.publish(`${id}.decision.json`, JSON.stringify(decision))) ? "recorded" : "already-decided";
  }

  async redeem(id: string, at: string): Promise<boolean> {
    if (!(await this.get(id))) return false;
    return this.publish(`${id}.redeemed`, JSON.stringify({ at }));
  }

  /** Creates the directory owner-only, and refuses one that others could write to. */
  private open(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const info = await lstat(this.dir);
      if (!info.isDirectory()) throw new Error(`approval store ${this.dir} is not a directory`);
      if (process.getuid && info.uid !== process.getuid()) throw new Error(`approval store ${this.dir} belongs to another user`);
      if ((info.mode & 0o077) !== 0) await chmod(this.dir, 0o700);
    })();
    return this.ready;
  }

  /** Writes `name` once: false when it already exists. */
  private publish(name: string, data: string): Promise<boolean> {
    return publishOnce(join(this.dir, name), data, 0o600);
  }

  private async readJson<T>(name: string): Promise<T | undefined> {
    const text = await readFile(join(this.dir, name), "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  private async sweep(): Promise<void> {
    const cutoff = this.now() - KEEP_EXPIRED_MS;
    for (const state of await this.list()) {
      if (Date.parse(state.record.expiresAt) >= cutoff) continue;
      for (const suffix of [".plan.json", ".decision.json", ".redeemed"]) await rm(join(this.dir, `${state.record.id}${suffix}`), { force: true });
    }
  }
}
