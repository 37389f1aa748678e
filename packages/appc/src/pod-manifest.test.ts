import { describe, expect, it } from "vitest";
import { expectManifestError, fullPodManifest, KEY_ID } from "./manifests.fixture.js";
import { parsePodManifest } from "./pod-manifest.js";

const parseObj = (m: unknown, file?: string) => parsePodManifest(JSON.stringify(m), file);

describe("parsePodManifest: valid manifests", () => {
  it("accepts a pod manifest using every field and returns it unchanged", () => {
    const m = fullPodManifest();
    const text = JSON.stringify(m);
    const pm = parsePodManifest(Buffer.from(text), "pod");
    expect(pm).toEqual(m);
    expect(JSON.stringify(pm)).toBe(text);
    expect(pm.apps[1]!.app).toBeUndefined();
  });

  it("accepts the nulls Go writes for empty lists (volumes, isolators, annotations, ports)", () => {
    const m = { acVersion: "1.30.0", acKind: "PodManifest", apps: null, volumes: null, isolators: null, annotations: null, ports: null };
    expect(parseObj(m)).toEqual(m);
  });

  it("accepts a mount whose volume is given inline by appVolume", () => {
    const m = fullPodManifest();
    expect(m["volumes"].some((v: { name: string }) => v.name === "scratch")).toBe(false);
    expect(parseObj(m).apps[0]!.mounts![1]!.volume).toBe("scratch");
  });
});

describe("parsePodManifest: invalid manifests name the field", () => {
  type Case = [string, (m: Record<string, any>) => void, string, string];
  const cases: Case[] = [
    ["wrong acKind", (m) => (m["acKind"] = "ImageManifest"), "acKind", 'must be "PodManifest", got "ImageManifest"'],
    ["bad acVersion", (m) => (m["acVersion"] = "1.30"), "acVersion", "is not a semantic version"],
    ["apps not a list", (m) => (m["apps"] = {}), "apps", "must be a list of apps"],
    ["apps missing", (m) => delete m["apps"], "apps", "is required (a list of apps, may be empty)"],
    ["app name", (m) => (m["apps"][0].name = "Reduce_Worker"), "apps[0].name", "is not a valid AC Name"],
    ["duplicate app names", (m) => (m["apps"][1].name = "reduce-worker"), "apps[1].name", "multiple apps with name reduce-worker"],
    ["missing image", (m) => delete m["apps"][1].image, "apps[1].image", "is required"],
    ["missing image id", (m) => delete m["apps"][1].image.id, "apps[1].image.id", "is required"],
    ["bad image id", (m) => (m["apps"][1].image.id = "sha512"), "apps[1].image.id", "is not an image ID"],
    ["image name", (m) => (m["apps"][0].image.name = "Example.com/x"), "apps[0].image.name", "is not a valid AC Identifier"],
    ["image labels", (m) => m["apps"][0].image.labels.push({ name: "version", value: "2" }), "apps[0].image.labels[1].name", "duplicate labels"],
    ["app section", (m) => delete m["apps"][0].app.user, "apps[0].app.user", "is required"],
    ["app isolator", (m) => (m["apps"][0].app.isolators[0].value = { limit: "lots" }), "apps[0].app.isolators[0].value.limit", 'invalid quantity "lots"'],
    ["readOnlyRootFS", (m) => (m["apps"][0].readOnlyRootFS = "true"), "apps[0].readOnlyRootFS", "must be true or false, got string"],
    ["dangling mount", (m) => (m["apps"][0].mounts[0].volume = "nope"), "apps[0].mounts[0].volume", 'dangling mount point "/var/lib/work": volume "nope" not found'],
    ["mount without path", (m) => delete m["apps"][0].mounts[0].path, "apps[0].mounts[0].path", "is required"],
    ["appVolume", (m) => (m["apps"][0].mounts[1].appVolume.kind = "tmpfs"), "apps[0].mounts[1].appVolume.kind", 'unrecognized volume kind "tmpfs"'],
    ["app annotations", (m) => (m["apps"][0].annotations[0].value = 1), "apps[0].annotations[0].value", "must be a string"],
    ["volume name", (m) => (m["volumes"][0].name = "work_lib"), "volumes[0].name", "is not a valid AC Name"],
    ["duplicate volume", (m) => (m["volumes"][1].name = "worklib"), "volumes[1].name", "duplicate volume name worklib"],
    ["volume kind missing", (m) => delete m["volumes"][0].kind, "volumes[0].kind", "is required"],
    ["host without source", (m) => delete m["volumes"][0].source, "volumes[0].source", "source for host volume cannot be empty"],
    ["host relative source", (m) => (m["volumes"][0].source = "opt/x"), "volumes[0].source", "must be absolute path"],
    ["host with mode", (m) => (m["volumes"][0].mode = "0755"), "volumes[0].mode", "mode for host volume cannot be set"],
    ["empty with source", (m) => (m["volumes"][1].source = "/x"), "volumes[1].source", "source for empty volume must be empty"],
    ["empty mode not octal", (m) => (m["volumes"][1].mode = "0789"), "volumes[1].mode", "must be an octal string"],
    ["empty mode as number", (m) => (m["volumes"][1].mode = 493), "volumes[1].mode", "must be a string, got number"],
    ["empty uid", (m) => (m["volumes"][1].uid = "0"), "volumes[1].uid", "must be an integer"],
    ["empty gid negative", (m) => (m["volumes"][1].gid = -1), "volumes[1].gid", "must be >= 0"],
    ["pod isolators", (m) => m["isolators"].push({ name: "os/unix/sysctl", value: {} }), "isolators[1]", "too many instances of type os/unix/sysctl"],
    ["pod annotations", (m) => (m["annotations"][0].name = ""), "annotations[0].name", "is required"],
    ["exposed port name", (m) => (m["ports"][0].name = "HTTP"), "ports[0].name", "is not a valid AC Name"],
    ["exposed host port", (m) => (m["ports"][0].hostPort = 0), "ports[0].hostPort", "must be between 1 and 65535"],
    ["exposed host port missing", (m) => delete m["ports"][0].hostPort, "ports[0].hostPort", "is required"],
    ["exposed host IP", (m) => (m["ports"][0].hostIP = "300.1.1.1"), "ports[0].hostIP", "is not an IP address"],
    ["podPort", (m) => (m["ports"][1].podPort.protocol = "icmp"), "ports[1].podPort.protocol", "unsupported protocol"],
    ["userLabels", (m) => (m["userLabels"] = { env: 1 }), 'userLabels["env"]', "must be a string"],
  ];

  it.each(cases)("%s", (_label, mutate, field, text) => {
    const m = fullPodManifest();
    mutate(m);
    const err = expectManifestError(() => parseObj(m, "/var/lib/rkt/pods/run/x/pod"), field, text);
    expect(err.message.startsWith(`/var/lib/rkt/pods/run/x/pod: ${field}: `)).toBe(true);
  });

  it("accepts an IPv6 host IP", () => {
    const m = fullPodManifest();
    m["ports"][0].hostIP = "2001:db8::1";
    expect(parseObj(m).ports![0]!.hostIP).toBe("2001:db8::1");
  });

  it("reports bad JSON with the file name", () => {
    expectManifestError(() => parsePodManifest('{"apps": [', "pod"), "", "pod: bad JSON: Unexpected end of JSON input at position 10");
  });

  it("keeps the 64-digit store key rkt writes as image.id", () => {
    expect(parseObj(fullPodManifest()).apps[0]!.image.id).toBe(KEY_ID);
  });
});
