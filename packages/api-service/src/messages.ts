// The messages of rkt's api/v1alpha (proto/api.proto), as the loaded definition reads and
// writes them: field names as in the proto (keepCase), enums by name, int64 as decimal
// strings (nanosecond timestamps do not fit a JavaScript number), bytes as Buffers.

export type ImageType = "IMAGE_TYPE_UNDEFINED" | "IMAGE_TYPE_APPC" | "IMAGE_TYPE_DOCKER" | "IMAGE_TYPE_OCI";
export type AppState = "APP_STATE_UNDEFINED" | "APP_STATE_RUNNING" | "APP_STATE_EXITED";
export type PodState =
  | "POD_STATE_UNDEFINED"
  | "POD_STATE_EMBRYO"
  | "POD_STATE_PREPARING"
  | "POD_STATE_PREPARED"
  | "POD_STATE_RUNNING"
  | "POD_STATE_ABORTED_PREPARE"
  | "POD_STATE_EXITED"
  | "POD_STATE_DELETING"
  | "POD_STATE_GARBAGE";
export type EventType =
  | "EVENT_TYPE_UNDEFINED"
  | "EVENT_TYPE_POD_PREPARED"
  | "EVENT_TYPE_POD_PREPARE_ABORTED"
  | "EVENT_TYPE_POD_STARTED"
  | "EVENT_TYPE_POD_EXITED"
  | "EVENT_TYPE_POD_GARBAGE_COLLECTED"
  | "EVENT_TYPE_APP_STARTED"
  | "EVENT_TYPE_APP_EXITED"
  | "EVENT_TYPE_IMAGE_IMPORTED"
  | "EVENT_TYPE_IMAGE_REMOVED";

/** int64 on the wire. */
export type Int64 = string;

export interface KeyValue {
  Key: string;
  value: string;
}

export interface ImageFormat {
  type: ImageType;
  version: string;
}

export interface Image {
  base_format: ImageFormat;
  id: string;
  name: string;
  version: string;
  import_timestamp: Int64;
  /** Absent unless asked for: an empty field on the wire would read as a (non-nil) empty manifest. */
  manifest?: Buffer;
  size: Int64;
  annotations: KeyValue[];
  labels: KeyValue[];
}

export interface Network {
  name: string;
  ipv4: string;
  ipv6: string;
}

export interface App {
  name: string;
  image: Image;
  state: AppState;
  exit_code: number;
  annotations: KeyValue[];
}

export interface Pod {
  id: string;
  pid: number;
  state: PodState;
  apps: App[];
  networks: Network[];
  manifest?: Buffer;
  annotations: KeyValue[];
  cgroup: string;
  created_at: Int64;
  started_at: Int64;
  gc_marked_at: Int64;
}

export interface PodFilter {
  ids: string[];
  states: PodState[];
  app_names: string[];
  image_ids: string[];
  network_names: string[];
  annotations: KeyValue[];
  cgroups: string[];
  pod_sub_cgroups: string[];
}

export interface ImageFilter {
  ids: string[];
  prefixes: string[];
  base_names: string[];
  keywords: string[];
  labels: KeyValue[];
  imported_after: Int64;
  imported_before: Int64;
  annotations: KeyValue[];
  full_names: string[];
}

export interface Event {
  type: EventType;
  id: string;
  from: string;
  time: Int64;
  data: KeyValue[];
}

export interface EventFilter {
  types: EventType[];
  ids: string[];
  names: string[];
  since_time: Int64;
  until_time: Int64;
}

export interface GetLogsRequest {
  pod_id: string;
  app_name: string;
  lines: number;
  follow: boolean;
  since_time: Int64;
  until_time: Int64;
}

export function keyValues(list: { name: string; value: string }[] | undefined): KeyValue[] {
  return (list ?? []).map((a) => ({ Key: a.name, value: a.value }));
}

/** A decimal int64 from the wire as a number (seconds fit; 0 when absent). */
export function int64(v: Int64 | number | undefined): number {
  const n = Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}
