// COSI Watch (cosi.resource.State/Watch) as Talos's state server answers it: first an empty
// response ("the watch is ready"), then events. A watch of one resource starts with CREATED (it
// exists) or DESTROYED (a tombstone: it does not); a watch of a kind starts with CREATED for each
// resource and BOOTSTRAPPED when bootstrap contents are asked for, else with nothing. After that,
// every change of the simulated state is diffed by resource version: CREATED, UPDATED (with the
// old resource), DESTROYED. Tail events and bookmarks are not simulated (no event history is kept).

/** A resource as the State API sends it (metadata.version decides what changed). */
export interface WireResource {
  metadata: { namespace: string; type: string; id: string; version: string; [key: string]: unknown };
  spec: unknown;
}

export type EventType = "CREATED" | "UPDATED" | "DESTROYED" | "BOOTSTRAPPED";

export interface WireEvent {
  event_type: EventType;
  resource?: WireResource;
  old?: WireResource;
}

export interface WatchRequest {
  namespace: string;
  type: string;
  /** Set (even empty) for a watch of one resource; unset for a watch of the kind. */
  id?: string | null;
  options?: { bootstrap_contents?: boolean; aggregated?: boolean; tail_events?: number } | null;
}

/** The events that take a watcher who saw `before` to `after` (resources by id, compared by version). */
export function diffResources(before: Map<string, WireResource>, after: Map<string, WireResource>): WireEvent[] {
  const events: WireEvent[] = [];
  for (const [id, resource] of after) {
    const old = before.get(id);
    if (!old) events.push({ event_type: "CREATED", resource });
    else if (old.metadata.version !== resource.metadata.version) events.push({ event_type: "UPDATED", resource, old });
  }
  for (const [id, old] of before) if (!after.has(id)) events.push({ event_type: "DESTROYED", resource: old });
  return events;
}

const byId = (resources: WireResource[]) => new Map(resources.map((resource) => [resource.metadata.id, resource]));

export interface WatchSource {
  /** The node's current resources of the watched kind (stamped with versions). */
  list(): Promise<WireResource[]>;
  /** Calls `onChange` after every change of the simulated state; returns the unsubscribe. */
  subscribe(onChange: () => void): () => void;
}

/**
 * Serves one Watch call until `signal` aborts: `send` gets each WatchResponse message
 * ({ event: [...] }). Recomputations run one at a time, in the order of the changes.
 */
export async function serveWatch(request: WatchRequest, source: WatchSource, send: (message: { event: WireEvent[] }) => void, signal: AbortSignal): Promise<void> {
  const single = request.id !== undefined && request.id !== null;
  const visible = (resources: WireResource[]) => (single ? resources.filter((r) => r.metadata.id === request.id) : resources);
  const emit = (events: WireEvent[]) => {
    if (events.length === 0) return;
    if (request.options?.aggregated) send({ event: events });
    else for (const event of events) send({ event: [event] });
  };

  // Subscribed while the first read runs: a change made meanwhile is diffed right after it.
  let seen = new Map<string, WireResource>();
  const initial = source.list().then((resources) => {
    seen = byId(visible(resources));
    send({ event: [] });
    if (single) {
      const resource = seen.get(request.id!);
      const tombstone: WireResource = { metadata: { namespace: request.namespace, type: request.type, id: request.id!, version: "undefined", phase: "running", owner: "", finalizers: [] }, spec: { yaml_spec: "", proto_spec: Buffer.alloc(0) } };
      emit([resource ? { event_type: "CREATED", resource } : { event_type: "DESTROYED", resource: tombstone }]);
    } else if (request.options?.bootstrap_contents) {
      emit([...[...seen.values()].map((resource): WireEvent => ({ event_type: "CREATED", resource })), { event_type: "BOOTSTRAPPED" }]);
    }
  });
  let pending: Promise<unknown> = initial;
  const recompute = () => {
    pending = pending
      .then(async () => {
        if (signal.aborted) return;
        const now = byId(visible(await source.list()));
        const events = diffResources(seen, now);
        seen = now;
        emit(events);
      })
      // A read that fails (the node is resetting) shows nothing; the next change is diffed again.
      .catch(() => undefined);
  };
  const unsubscribe = source.subscribe(recompute);
  try {
    await initial;
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
  } finally {
    unsubscribe();
    await pending;
  }
}
