// ListenEvents: pod, app and image events, found by comparing what the data directory says
// from one look to the next (rkt declared the call and never implemented it). The watcher
// looks only while someone listens, once a second, and takes no lock.
import { podStatus, withLockSnapshot, type PodRepo, type PodStatus } from "@rkt/stage0";
import type { ImageStore } from "@rkt/store";
import { int64, type Event, type EventFilter, type EventType } from "./messages.js";

const INTERVAL_MS = 1000;

interface PodView {
  /** 0 preparing, 1 prepared (or aborted), 2 running, 3 after it ran. */
  phase: number;
  aborted: boolean;
  started: boolean;
  apps: Map<string, number | undefined>;
}

interface View {
  pods: Map<string, PodView>;
  images: Map<string, string>;
}

function podPhase(s: PodStatus): PodView {
  const phase =
    s.state === "embryo" || s.state === "preparing"
      ? 0
      : s.state === "prepared" || s.state === "aborted prepare"
        ? 1
        : s.state === "running"
          ? 2
          : 3;
  return {
    phase,
    aborted: s.state === "aborted prepare",
    started: s.startedAt !== undefined,
    apps: new Map(s.apps.map((a) => [a.name, a.exitCode])),
  };
}

export class EventWatcher {
  private view: View | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(events: Event[]) => void>();

  constructor(
    private readonly pods: PodRepo,
    private readonly store: ImageStore,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Starts looking if nobody did; returns the function that stops listening. */
  listen(fn: (events: Event[]) => void): () => void {
    this.listeners.add(fn);
    if (!this.timer) {
      this.view = this.look();
      this.timer = setInterval(() => this.tick(), INTERVAL_MS);
    }
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.view = undefined;
  }

  private look(): View {
    const pods = new Map<string, PodView>();
    withLockSnapshot(() => {
      for (const pod of this.pods.list()) {
        const s = podStatus(pod);
        if (s.state !== "gone") pods.set(pod.uuid, podPhase(s));
      }
    });
    return { pods, images: new Map(this.store.list().map((r) => [r.key, r.name])) };
  }

  private tick(): void {
    let next: View;
    try {
      next = this.look();
    } catch (err) {
      this.onError(err as Error);
      return;
    }
    const events = diff(this.view ?? next, next, Math.floor(Date.now() / 1000));
    this.view = next;
    if (events.length) for (const fn of this.listeners) fn(events);
  }
}

/** The events that lead from one view to the next. */
export function diff(before: View, after: View, time: number): Event[] {
  const events: Event[] = [];
  const ev = (type: EventType, id: string, from: string, data: [string, string][] = []): void => {
    events.push({ type, id, from, time: String(time), data: data.map(([Key, value]) => ({ Key, value })) });
  };
  for (const [uuid, now] of after.pods) {
    const was = before.pods.get(uuid);
    const from = was?.phase ?? -1;
    if (from < 1 && now.phase >= 1) ev(now.aborted ? "EVENT_TYPE_POD_PREPARE_ABORTED" : "EVENT_TYPE_POD_PREPARED", uuid, uuid);
    // Started once its pid/ppid file is there (a look may come before the stage1 wrote it).
    const started = now.phase >= 2 && now.started && !was?.started;
    if (started) ev("EVENT_TYPE_POD_STARTED", uuid, uuid);
    for (const [app, code] of now.apps) {
      const before = was?.apps.get(app);
      if (started) ev("EVENT_TYPE_APP_STARTED", uuid, app);
      if (code !== undefined && before === undefined) ev("EVENT_TYPE_APP_EXITED", uuid, app, [["exit-code", String(code)]]);
    }
    if (from < 3 && now.phase === 3 && now.started) ev("EVENT_TYPE_POD_EXITED", uuid, uuid);
  }
  for (const uuid of before.pods.keys()) if (!after.pods.has(uuid)) ev("EVENT_TYPE_POD_GARBAGE_COLLECTED", uuid, uuid);
  for (const [key, name] of after.images) if (!before.images.has(key)) ev("EVENT_TYPE_IMAGE_IMPORTED", key, name);
  for (const [key, name] of before.images) if (!after.images.has(key)) ev("EVENT_TYPE_IMAGE_REMOVED", key, name);
  return events;
}

export function eventMatches(e: Event, f: EventFilter | undefined): boolean {
  if (!f) return true;
  if (f.types.length && !f.types.includes(e.type)) return false;
  if (f.ids.length && !f.ids.includes(e.id)) return false;
  if (f.names.length && !f.names.includes(e.from)) return false;
  const t = int64(e.time);
  if (int64(f.since_time) > 0 && t < int64(f.since_time)) return false;
  if (int64(f.until_time) > 0 && t >= int64(f.until_time)) return false;
  return true;
}
