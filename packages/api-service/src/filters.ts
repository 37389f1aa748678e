// ListPods and ListImages filters, with rkt's semantics: the conditions of one filter are
// combined with AND, the filters of a request with OR; no filter matches everything.
import { posix } from "node:path";
import { int64, type Image, type ImageFilter, type KeyValue, type Pod, type PodFilter } from "./messages.js";

function hasAll(have: Iterable<string>, wanted: string[]): boolean {
  const set = new Set(have);
  return wanted.every((w) => set.has(w));
}

/** Every wanted key-value pair is present with that value. */
function containsAll(have: KeyValue[], wanted: KeyValue[]): boolean {
  return wanted.every((w) => have.find((h) => h.Key === w.Key)?.value === w.value);
}

export function podMatches(pod: Pod, f: PodFilter): boolean {
  if (f.ids.length && !f.ids.includes(pod.id)) return false;
  if (f.states.length && !f.states.includes(pod.state)) return false;
  if (!hasAll(pod.apps.map((a) => a.name), f.app_names)) return false;
  if (!hasAll(pod.apps.map((a) => a.image.id), f.image_ids)) return false;
  if (!hasAll(pod.networks.map((n) => n.name), f.network_names)) return false;
  if (!containsAll(pod.annotations, f.annotations)) return false;
  if (f.cgroups.length && !f.cgroups.includes(pod.cgroup)) return false;
  // The pod's cgroup is a prefix of one of the given (sub-)cgroups.
  if (f.pod_sub_cgroups.length && (pod.cgroup === "" || !f.pod_sub_cgroups.some((c) => c.startsWith(pod.cgroup)))) return false;
  return true;
}

export function imageMatches(image: Image, f: ImageFilter): boolean {
  if (f.ids.length && !f.ids.includes(image.id)) return false;
  if (f.full_names.length && !f.full_names.includes(image.name)) return false;
  if (f.prefixes.length && !f.prefixes.some((p) => image.name.startsWith(p))) return false;
  if (f.base_names.length && !f.base_names.some((b) => b === posix.basename(image.name))) return false;
  if (f.keywords.length && !f.keywords.some((k) => image.name.includes(k))) return false;
  const imported = int64(image.import_timestamp);
  if (int64(f.imported_after) > 0 && imported <= int64(f.imported_after)) return false;
  if (int64(f.imported_before) > 0 && imported >= int64(f.imported_before)) return false;
  if (!containsAll(image.labels, f.labels)) return false;
  if (!containsAll(image.annotations, f.annotations)) return false;
  return true;
}

export function anyMatch<T, F>(item: T, filters: F[], matches: (item: T, f: F) => boolean): boolean {
  return filters.length === 0 || filters.some((f) => matches(item, f));
}
