// COSI resource versions, as a real node's state keeps them: a resource starts at version 1, its
// version goes up by one each time its spec changes, and a resource that is destroyed and created
// again starts over. The simulator computes specs from node state on every read, so it derives the
// versions by comparing each read with the last one. Clients depend on this: `talosctl upgrade-k8s`
// waits for the APIServerConfig version to change, then for the mirror pod carrying that version.

export interface Stamp {
  version: string;
  created: Date;
  updated: Date;
}

interface Entry {
  spec: string;
  version: number;
  created: Date;
  updated: Date;
}

export class ResourceVersions {
  private readonly entries = new Map<string, Map<string, Entry>>();

  /**
   * Stamps the complete current list of one type on one node (`scope`, e.g. node/namespace/type):
   * id → spec as YAML. Ids missing from the list are forgotten (destroyed), so they start over.
   */
  stamp(scope: string, specs: Record<string, string>, now = new Date()): Record<string, Stamp> {
    const previous = this.entries.get(scope) ?? new Map<string, Entry>();
    const next = new Map<string, Entry>();
    const stamps: Record<string, Stamp> = {};
    for (const [id, spec] of Object.entries(specs)) {
      const before = previous.get(id);
      const entry: Entry = !before ? { spec, version: 1, created: now, updated: now } : before.spec === spec ? before : { ...before, spec, version: before.version + 1, updated: now };
      next.set(id, entry);
      stamps[id] = { version: String(entry.version), created: entry.created, updated: entry.updated };
    }
    this.entries.set(scope, next);
    return stamps;
  }
}
