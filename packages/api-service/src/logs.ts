// GetLogs over a small log-reader interface. rkt read a pod's journal; rkt-ts will keep a
// size-bounded log per app written by the pod's init (issue 16). Until that store exists the
// service runs with NO_LOG_STORE, and GetLogs says that the pod's logs are not recorded.
import type { Pod } from "@rkt/stage0";

export interface LogLine {
  /** When the line was written, in milliseconds since the epoch. */
  time: number;
  app: string;
  text: string;
}

export interface LogQuery {
  /** Only this app's lines (all apps' when absent). */
  app?: string;
  /** The last N lines (all when absent or 0). */
  lines?: number;
  /** Only lines written at or after / before these times, seconds since the epoch (0: no bound). */
  since?: number;
  until?: number;
}

/** The recorded output of one pod's apps. */
export interface PodLogs {
  /** The lines recorded so far that match, oldest first. */
  read(query: LogQuery): Promise<LogLine[]>;
  /** Calls `onLines` with each batch of matching lines recorded after `read`; returns a function that stops. */
  follow(query: LogQuery, onLines: (lines: LogLine[]) => void): () => void;
}

export interface LogStore {
  /** The logs of a pod, or undefined when nothing records them. */
  open(pod: Pod): PodLogs | undefined;
}

export const NO_LOG_STORE: LogStore = { open: () => undefined };

/** What a query selects from lines in time order (for stores that read whole logs). */
export function selectLines(all: LogLine[], q: LogQuery): LogLine[] {
  let lines = all.filter((l) => (!q.app || l.app === q.app) && (!q.since || l.time >= q.since * 1000) && (!q.until || l.time < q.until * 1000));
  if (q.lines && q.lines > 0) lines = lines.slice(-q.lines);
  return lines;
}

/** rkt sends lines without the empty ones. */
export function responseLines(lines: LogLine[]): string[] {
  return lines.map((l) => l.text).filter((t) => t.trim() !== "");
}
