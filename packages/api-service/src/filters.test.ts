// ListPods/ListImages filters (rkt's AND within a filter, OR between filters) and the events
// between two looks at the data directory.
import { describe, expect, test } from "vitest";
import { eventMatches, diff } from "./events.js";
import { anyMatch, imageMatches, podMatches } from "./filters.js";
import type { Event, EventFilter, Image, ImageFilter, Pod, PodFilter } from "./messages.js";

const pod = (over: Partial<Pod>): Pod => ({
  id: "p1",
  pid: 1,
  state: "POD_STATE_RUNNING",
  apps: [{ name: "web", image: { id: "sha512-a" } as Image, state: "APP_STATE_RUNNING", exit_code: 0, annotations: [] }],
  networks: [{ name: "default", ipv4: "172.16.28.2", ipv6: "" }],
  annotations: [{ Key: "k", value: "v" }],
  cgroup: "/rkt/p1",
  created_at: "0",
  started_at: "0",
  gc_marked_at: "0",
  ...over,
});
const pf = (over: Partial<PodFilter>): PodFilter => ({ ids: [], states: [], app_names: [], image_ids: [], network_names: [], annotations: [], cgroups: [], pod_sub_cgroups: [], ...over });
const image = (name: string, t: number): Image => ({ base_format: { type: "IMAGE_TYPE_APPC", version: "0.8.11" }, id: `sha512-${name}`, name, version: "1", import_timestamp: String(t), size: "1", annotations: [], labels: [{ Key: "version", value: "1" }] });
const imf = (over: Partial<ImageFilter>): ImageFilter => ({ ids: [], prefixes: [], base_names: [], keywords: [], labels: [], imported_after: "0", imported_before: "0", annotations: [], full_names: [], ...over });

describe("pod filters", () => {
  test("each condition, AND within a filter, OR between filters, no filter matches all", () => {
    const p = pod({});
    expect(anyMatch(p, [], podMatches)).toBe(true);
    expect(podMatches(p, pf({ ids: ["p2", "p1"] }))).toBe(true);
    expect(podMatches(p, pf({ states: ["POD_STATE_EXITED"] }))).toBe(false);
    expect(podMatches(p, pf({ app_names: ["web", "db"] }))).toBe(false);
    expect(podMatches(p, pf({ image_ids: ["sha512-a"], network_names: ["default"], annotations: [{ Key: "k", value: "v" }] }))).toBe(true);
    expect(podMatches(p, pf({ annotations: [{ Key: "k", value: "w" }] }))).toBe(false);
    expect(podMatches(p, pf({ cgroups: ["/rkt/p1"] }))).toBe(true);
    expect(podMatches(p, pf({ pod_sub_cgroups: ["/rkt/p1/apps/web"] }))).toBe(true);
    expect(podMatches(pod({ cgroup: "" }), pf({ pod_sub_cgroups: ["/rkt/p1"] }))).toBe(false);
    expect(anyMatch(p, [pf({ ids: ["x"] }), pf({ states: ["POD_STATE_RUNNING"] })], podMatches)).toBe(true);
  });
});

describe("image filters", () => {
  test("names by prefix, base name, keyword and full name; labels; import times exclusive", () => {
    const i = image("example.com/etcd", 100);
    expect(imageMatches(i, imf({ prefixes: ["example.com/"] }))).toBe(true);
    expect(imageMatches(i, imf({ base_names: ["etcd"] }))).toBe(true);
    expect(imageMatches(image("example.com/etcd-backup", 100), imf({ base_names: ["etcd"] }))).toBe(false);
    expect(imageMatches(i, imf({ keywords: ["cd"] }))).toBe(true);
    expect(imageMatches(i, imf({ full_names: ["etcd"] }))).toBe(false);
    expect(imageMatches(i, imf({ labels: [{ Key: "version", value: "1" }] }))).toBe(true);
    expect(imageMatches(i, imf({ imported_after: "99", imported_before: "101" }))).toBe(true);
    expect(imageMatches(i, imf({ imported_after: "100" }))).toBe(false);
    expect(imageMatches(i, imf({ imported_before: "100" }))).toBe(false);
  });
});

describe("events", () => {
  const view = (pods: [string, { phase: number; aborted?: boolean; started?: boolean; apps?: [string, number | undefined][] }][], images: [string, string][] = []) => ({
    pods: new Map(pods.map(([u, p]) => [u, { phase: p.phase, aborted: p.aborted ?? false, started: p.started ?? false, apps: new Map(p.apps ?? []) }])),
    images: new Map(images),
  });
  const types = (e: Event[]) => e.map((x) => [x.type.replace("EVENT_TYPE_", ""), x.from]);

  test("a pod's life, seen one step at a time or all between two looks", () => {
    const none = view([]);
    const prepared = view([["u", { phase: 1, apps: [["web", undefined]] }]]);
    const running = view([["u", { phase: 2, started: true, apps: [["web", undefined]] }]]);
    const exited = view([["u", { phase: 3, started: true, apps: [["web", 3]] }]]);
    expect(types(diff(none, prepared, 1))).toEqual([["POD_PREPARED", "u"]]);
    expect(types(diff(prepared, running, 1))).toEqual([["POD_STARTED", "u"], ["APP_STARTED", "web"]]);
    expect(types(diff(running, exited, 1))).toEqual([["APP_EXITED", "web"], ["POD_EXITED", "u"]]);
    expect(diff(running, exited, 1)[0]!.data).toEqual([{ Key: "exit-code", value: "3" }]);
    expect(types(diff(none, exited, 1))).toEqual([["POD_PREPARED", "u"], ["POD_STARTED", "u"], ["APP_STARTED", "web"], ["APP_EXITED", "web"], ["POD_EXITED", "u"]]);
    expect(types(diff(exited, none, 1))).toEqual([["POD_GARBAGE_COLLECTED", "u"]]);
    expect(diff(exited, exited, 1)).toEqual([]);
  });

  test("an aborted preparation; a pod that never started exits without STARTED; images", () => {
    expect(types(diff(view([]), view([["u", { phase: 1, aborted: true }]]), 1))).toEqual([["POD_PREPARE_ABORTED", "u"]]);
    expect(types(diff(view([["u", { phase: 1 }]]), view([["u", { phase: 3 }]]), 1))).toEqual([]);
    // A look while the stage1 had not written its pid yet: STARTED comes with the next one.
    const noPid = view([["u", { phase: 2, apps: [["web", undefined]] }]]);
    expect(types(diff(view([["u", { phase: 1 }]]), noPid, 1))).toEqual([]);
    expect(types(diff(noPid, view([["u", { phase: 3, started: true, apps: [["web", 0]] }]]), 1))).toEqual([["POD_STARTED", "u"], ["APP_STARTED", "web"], ["APP_EXITED", "web"], ["POD_EXITED", "u"]]);
    expect(types(diff(view([], [["k1", "a"]]), view([], [["k2", "b"]]), 1))).toEqual([["IMAGE_IMPORTED", "b"], ["IMAGE_REMOVED", "a"]]);
  });

  test("filters: types, ids, names, since and until", () => {
    const e: Event = { type: "EVENT_TYPE_POD_STARTED", id: "u", from: "u", time: "100", data: [] };
    const f = (over: Partial<EventFilter>): EventFilter => ({ types: [], ids: [], names: [], since_time: "0", until_time: "0", ...over });
    expect(eventMatches(e, undefined)).toBe(true);
    expect(eventMatches(e, f({ types: ["EVENT_TYPE_POD_EXITED"] }))).toBe(false);
    expect(eventMatches(e, f({ ids: ["u"], names: ["u"] }))).toBe(true);
    expect(eventMatches(e, f({ since_time: "100", until_time: "101" }))).toBe(true);
    expect(eventMatches(e, f({ until_time: "100" }))).toBe(false);
  });
});
