import { describe, expect, it } from "vitest";
import { ManifestError } from "./errors.js";
import { parseImageManifest, validateImageManifest } from "./image-manifest.js";
import { expectManifestError, FULL_ID, fullImageManifest } from "./manifests.fixture.js";

function parseObj(m: unknown, file?: string) {
  return parseImageManifest(JSON.stringify(m), file);
}

describe("parseImageManifest: valid manifests", () => {
  it("accepts a realistic manifest using every field and returns the JSON unchanged", () => {
    const m = fullImageManifest();
    const text = JSON.stringify(m, null, 4);
    const parsed = parseImageManifest(Buffer.from(text), "reduce-worker.aci");
    expect(parsed).toEqual(m);
    // no defaults were added, key order is preserved
    expect(JSON.stringify(parsed, null, 4)).toBe(text);
  });

  it("accepts the minimal manifest (no labels, no app)", () => {
    const m = parseImageManifest('{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/data"}');
    expect(m).toEqual({ acKind: "ImageManifest", acVersion: "0.8.11", name: "example.com/data" });
    expect(m.app).toBeUndefined();
  });

  it("keeps unknown top-level and nested keys (forward compatibility)", () => {
    const m = fullImageManifest();
    m["futureField"] = { anything: [1, 2] };
    m["app"].futureAppField = "x";
    expect(parseObj(m)).toEqual(m);
  });

  it("accepts null for optional sections, as Go's decoder does", () => {
    const m = { acKind: "ImageManifest", acVersion: "0.8.11", name: "a/b", labels: null, app: null, annotations: null };
    expect(parseObj(m)).toEqual(m);
    const withApp = { ...m, app: { exec: null, user: "0", group: "0", isolators: null, environment: null } };
    expect(parseObj(withApp)).toEqual(withApp);
  });

  it("accepts a relative exec (searched in PATH) and an empty exec list", () => {
    const m = fullImageManifest();
    m["app"].exec = ["sh", "-c", "echo hi"];
    expect(parseObj(m).app!.exec).toEqual(["sh", "-c", "echo hi"]);
    m["app"].exec = [];
    expect(parseObj(m).app!.exec).toEqual([]);
  });

  it("accepts unknown isolators and a zero port count (appc reads it as 1)", () => {
    const m = fullImageManifest();
    m["app"].isolators.push({ name: "example.com/ponies", value: { any: "thing" } });
    m["app"].ports[0].count = 0;
    expect(parseObj(m).app!.isolators!.at(-1)!.name).toBe("example.com/ponies");
  });

  it("accepts pre-release/build acVersions and every appc os/arch pair", () => {
    for (const v of ["0.8.11", "1.30.0", "1.30.0+git", "0.8.11-alpha.1", "1.0.0-rc.1+build.5"]) {
      expect(parseObj({ ...fullImageManifest(), acVersion: v }).acVersion).toBe(v);
    }
    for (const [os, arch] of [["linux", "s390x"], ["freebsd", "arm"], ["darwin", "x86_64"], ["linux", "ppc64"]]) {
      const m = fullImageManifest();
      m["labels"] = [{ name: "os", value: os }, { name: "arch", value: arch }];
      expect(parseObj(m).labels).toHaveLength(2);
    }
  });

  it("validates keys case-insensitively like Go (the spec example spells supplementaryGids)", () => {
    const m = fullImageManifest();
    delete m["app"].supplementaryGIDs;
    m["app"].supplementaryGids = [400, 500];
    expect(parseObj(m)).toEqual(m);
    m["app"].supplementaryGids = [-1];
    expectManifestError(() => parseObj(m), "app.supplementaryGids[0]", "must be between 0 and 4294967295, got -1");
  });
});

describe("parseImageManifest: JSON errors", () => {
  it("names the file and the position of a syntax error", () => {
    const err = expectManifestError(
      () => parseImageManifest('{\n  "acKind": "ImageManifest",\n  "name": }', "/tmp/x/manifest"),
      "",
      "bad JSON: Unexpected token '}' at position 41 (line 3, column 11)",
    );
    expect(err.message).toBe("/tmp/x/manifest: bad JSON: Unexpected token '}' at position 41 (line 3, column 11)");
    expect(err.file).toBe("/tmp/x/manifest");
  });

  it("reports truncated input, trailing garbage and bad strings", () => {
    expectManifestError(() => parseImageManifest('{"acKind": "Ima'), "", "Unexpected end of JSON input at position 15");
    expectManifestError(() => parseImageManifest("{} x"), "", "Unexpected non-whitespace character after JSON at position 3");
    expectManifestError(() => parseImageManifest('{"a": "\u0001"}'), "", "Bad control character in string literal at position 7");
    expectManifestError(() => parseImageManifest(""), "", "Unexpected end of JSON input at position 0");
    expectManifestError(() => parseImageManifest("{'a': 1}"), "", "Unexpected token ''' at position 1");
  });

  it("rejects a document that is not an object", () => {
    expectManifestError(() => parseImageManifest("[]", "m"), "", "must be a JSON object (the image manifest), got array");
  });
});

describe("parseImageManifest: invalid manifests name the field", () => {
  type Case = [string, (m: Record<string, any>) => void, string, string];
  const cases: Case[] = [
    ["missing acKind", (m) => delete m["acKind"], "acKind", 'is required (must be "ImageManifest")'],
    ["wrong acKind", (m) => (m["acKind"] = "PodManifest"), "acKind", 'must be "ImageManifest", got "PodManifest"'],
    ["acKind not a string", (m) => (m["acKind"] = 3), "acKind", "must be a string, got number"],
    ["missing acVersion", (m) => delete m["acVersion"], "acVersion", "acVersion must be set"],
    ["bad acVersion", (m) => (m["acVersion"] = "0.8"), "acVersion", '"0.8" is not a semantic version'],
    ["v-prefixed acVersion", (m) => (m["acVersion"] = "v0.8.11"), "acVersion", "is not a semantic version"],
    ["zero acVersion", (m) => (m["acVersion"] = "0.0.0"), "acVersion", "SemVer cannot be zero"],
    ["missing name", (m) => delete m["name"], "name", "is required"],
    ["upper-case name", (m) => (m["name"] = "Example.com/App"), "name", '(try "example.com/app")'],
    ["name edge", (m) => (m["name"] = "example.com/app/"), "name", "must start and end with only lower case alphanumeric"],
    ["labels not a list", (m) => (m["labels"] = { os: "linux" }), "labels", "must be a list"],
    ["label name invalid", (m) => (m["labels"][2].name = "OS"), "labels[2].name", "is not a valid AC Identifier"],
    ["label named name", (m) => m["labels"].push({ name: "name", value: "x" }), "labels[3].name", 'invalid label name: "name"'],
    ["duplicate label", (m) => m["labels"].push({ name: "version", value: "2" }), "labels[3].name", 'duplicate labels of name "version"'],
    ["label without value", (m) => delete m["labels"][0].value, "labels[0].value", "is required"],
    ["label value not a string", (m) => (m["labels"][0].value = 1), "labels[0].value", "must be a string, got number"],
    ["bad os", (m) => (m["labels"][2].value = "plan9"), "labels[2].value", 'bad os "plan9" (must be one of: darwin, freebsd, linux)'],
    ["bad arch", (m) => (m["labels"][1].value = "mips"), "labels[1].value", 'bad arch "mips" for linux'],
    ["app not an object", (m) => (m["app"] = []), "app", "must be an app object, got array"],
    ["exec not a list", (m) => (m["app"].exec = "/bin/sh"), "app.exec", "must be a list of strings, got string"],
    ["exec item not a string", (m) => (m["app"].exec = ["/bin/sh", 1]), "app.exec[1]", "must be a string, got number"],
    ["exec item empty", (m) => (m["app"].exec = ["/bin/sh", ""]), "app.exec[1]", "must not be empty"],
    ["missing user", (m) => delete m["app"].user, "app.user", "is required (a user name, a UID"],
    ["empty group", (m) => (m["app"].group = ""), "app.group", "is required"],
    ["numeric user", (m) => (m["app"].user = 0), "app.user", "must be a string, got number"],
    ["negative gid", (m) => (m["app"].supplementaryGIDs = [1, -5]), "app.supplementaryGIDs[1]", "got -5"],
    ["fractional gid", (m) => (m["app"].supplementaryGIDs = [1.5]), "app.supplementaryGIDs[0]", "must be an integer, got 1.5"],
    ["bad handler name", (m) => (m["app"].eventHandlers[0].name = "pre-stop"), "app.eventHandlers[0].name", 'bad eventHandler name "pre-stop"'],
    ["duplicate handler", (m) => (m["app"].eventHandlers[1].name = "pre-start"), "app.eventHandlers[1].name", 'only one eventHandler of name "pre-start" allowed'],
    ["handler empty exec", (m) => (m["app"].eventHandlers[1].exec = []), "app.eventHandlers[1].exec", "must not be empty"],
    ["handler no exec", (m) => delete m["app"].eventHandlers[0].exec, "app.eventHandlers[0].exec", "is required"],
    ["relative workingDirectory", (m) => (m["app"].workingDirectory = "opt/work"), "app.workingDirectory", "must be an absolute path"],
    ["env name with a dash", (m) => (m["app"].environment[0].name = "MY-VAR"), "app.environment[0].name", 'does not have valid identifier "MY-VAR"'],
    ["env name with leading digit", (m) => (m["app"].environment[0].name = "0DEBUG"), "app.environment[0].name", "valid identifier"],
    ["duplicate env", (m) => m["app"].environment.push({ name: "REDUCE_WORKER_DEBUG", value: "" }), "app.environment[1].name", "duplicate environment variable"],
    ["mount point name", (m) => (m["app"].mountPoints[0].name = "Work"), "app.mountPoints[0].name", "is not a valid AC Name"],
    ["mount point relative path", (m) => (m["app"].mountPoints[0].path = "var/lib"), "app.mountPoints[0].path", "must be absolute"],
    ["mount point readOnly", (m) => (m["app"].mountPoints[0].readOnly = "yes"), "app.mountPoints[0].readOnly", "must be true or false"],
    ["duplicate mount point", (m) => m["app"].mountPoints.push({ name: "work", path: "/x" }), "app.mountPoints[1].name", 'duplicate mount point name "work"'],
    ["port name", (m) => (m["app"].ports[0].name = "health_check"), "app.ports[0].name", "is not a valid AC Name"],
    ["port protocol", (m) => (m["app"].ports[0].protocol = "sctp"), "app.ports[0].protocol", 'unsupported protocol "sctp"'],
    ["port zero", (m) => (m["app"].ports[0].port = 0), "app.ports[0].port", "must be between 1 and 65535, got 0"],
    ["port too big", (m) => (m["app"].ports[0].port = 70000), "app.ports[0].port", "got 70000"],
    ["port missing", (m) => delete m["app"].ports[0].port, "app.ports[0].port", "is required"],
    ["port range overflow", (m) => (m["app"].ports[1].count = 50000), "app.ports[1].count", "end of port range must be in 1-65535 range"],
    ["socket-activated range", (m) => (m["app"].ports[1].socketActivated = true), "app.ports[1].socketActivated", "only supported for a single port"],
    ["duplicate port", (m) => (m["app"].ports[1].name = "health"), "app.ports[1].name", 'duplicate port name "health"'],
    ["isolator value", (m) => (m["app"].isolators[5].value = 5000), "app.isolators[5].value", "must be between -1000 and 1000, got 5000"],
    ["isolator name", (m) => (m["app"].isolators[0].name = "Resource/CPU"), "app.isolators[0].name", "is not a valid AC Identifier"],
    ["userAnnotations value", (m) => (m["app"].userAnnotations.team = 1), 'app.userAnnotations["team"]', "must be a string, got number"],
    ["userLabels not an object", (m) => (m["app"].userLabels = ["a"]), "app.userLabels", "must be an object of strings, got array"],
    ["annotation name", (m) => (m["annotations"][0].name = "Authors"), "annotations[0].name", "is not a valid AC Identifier"],
    ["duplicate annotation", (m) => m["annotations"].push({ name: "authors", value: "x" }), "annotations[5].name", 'duplicate annotations of name "authors"'],
    ["created not a date", (m) => (m["annotations"][1].value = "yesterday"), "annotations[1].value", "must be an RFC 3339 date"],
    ["homepage not http", (m) => (m["annotations"][3].value = "ftp://example.com"), "annotations[3].value", "must be an http or https URL"],
    ["annotation bool value", (m) => (m["annotations"][4].value = false), "annotations[4].value", "must be a string, got boolean"],
    ["dependency name", (m) => (m["dependencies"][0].imageName = "Base"), "dependencies[0].imageName", "is not a valid AC Identifier"],
    ["dependency without name", (m) => delete m["dependencies"][0].imageName, "dependencies[0].imageName", "is required"],
    ["dependency imageID", (m) => (m["dependencies"][0].imageID = "md5-abcd"), "dependencies[0].imageID", 'unrecognized hash type "md5"'],
    ["dependency imageID hex", (m) => (m["dependencies"][0].imageID = "sha512-XYZ"), "dependencies[0].imageID", "lower case hex"],
    ["dependency labels", (m) => (m["dependencies"][0].labels[1].name = "e nv"), "dependencies[0].labels[1].name", "is not a valid AC Identifier"],
    ["dependency size", (m) => (m["dependencies"][0].size = -1), "dependencies[0].size", "must be >= 0, got -1"],
    ["pathWhitelist relative", (m) => (m["pathWhitelist"][1] = "usr/bin"), "pathWhitelist[1]", "must be absolute paths"],
    ["pathWhitelist duplicate", (m) => m["pathWhitelist"].push("/etc/systemd/system/"), "pathWhitelist[3]", "duplicate pathWhitelist entry"],
    ["pathWhitelist type", (m) => (m["pathWhitelist"] = "/etc"), "pathWhitelist", "must be a list of strings"],
  ];

  it.each(cases)("%s", (_label, mutate, field, text) => {
    const m = fullImageManifest();
    mutate(m);
    const err = expectManifestError(() => parseObj(m, "img/manifest"), field, text);
    expect(err.message.startsWith(`img/manifest: ${field}: `)).toBe(true);
  });

  it("validateImageManifest works on decoded values and leaves file unset", () => {
    const m = fullImageManifest();
    m["app"].user = "";
    const err = expectManifestError(() => validateImageManifest(m), "app.user", "is required");
    expect(err.file).toBeUndefined();
    expect(err.message).toMatch(/^app\.user: is required/);
  });

  it("lets a caller set the file afterwards", () => {
    const err = new ManifestError("labels[2].name", "bad");
    expect(err.message).toBe("labels[2].name: bad");
    err.file = "x.aci";
    expect(err.message).toBe("x.aci: labels[2].name: bad");
  });

  it("accepts a full-length dependency imageID but not a longer one", () => {
    const m = fullImageManifest();
    expect(parseObj(m).dependencies![0]!.imageID).toBe(FULL_ID);
    m["dependencies"][0].imageID = FULL_ID + "00";
    expectManifestError(() => parseObj(m), "dependencies[0].imageID", "longer than a sha512 hash");
  });
});
