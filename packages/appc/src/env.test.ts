import { describe, expect, it } from "vitest";
import { AppcError, ManifestError } from "./errors.js";
import { isValidEnvName, parseEnvFile, parseEnvLine } from "./env.js";
import { mountFromFlag, volumeFromFlag } from "./volumes.js";

describe("parseEnvLine", () => {
  it("splits at the first =", () => {
    expect(parseEnvLine("FOO=bar")).toEqual({ name: "FOO", value: "bar" });
    expect(parseEnvLine("OPTS=a=b,c=d")).toEqual({ name: "OPTS", value: "a=b,c=d" });
    expect(parseEnvLine("EMPTY=")).toEqual({ name: "EMPTY", value: "" });
    expect(parseEnvLine("_x1=  spaced  ")).toEqual({ name: "_x1", value: "  spaced  " });
  });

  it.each([
    ["FOO", "must be specified as name=value"],
    ["=bar", "must be specified as name=value"],
    ["1FOO=x", 'does not have valid identifier "1FOO"'],
    ["MY-VAR=x", "valid identifier"],
  ])("rejects %j", (line, message) => {
    expect(() => parseEnvLine(line)).toThrow(AppcError);
    expect(() => parseEnvLine(line)).toThrow(message);
  });

  it("isValidEnvName follows appc", () => {
    expect(isValidEnvName("_0_DEBUG_0_")).toBe(true);
    expect(isValidEnvName("DEBUG.0")).toBe(false);
    expect(isValidEnvName("")).toBe(false);
  });
});

describe("parseEnvFile", () => {
  it("skips empty lines and # or ; comments, keeps order, handles CRLF", () => {
    const text = "# comment\nA=1\n\n; other comment\nB=two words\r\nC=x=y\n";
    expect(parseEnvFile(text, "env.conf")).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "two words" },
      { name: "C", value: "x=y" },
    ]);
    expect(parseEnvFile("", "empty")).toEqual([]);
    expect(parseEnvFile("A=1", "no-newline")).toEqual([{ name: "A", value: "1" }]);
  });

  it("names the file and line of a malformed line", () => {
    let err: unknown;
    try {
      parseEnvFile("A=1\n# ok\nnot a pair\n", "/etc/app.env");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ManifestError);
    expect((err as ManifestError).message).toBe(
      '/etc/app.env: line 3: environment variable must be specified as name=value, got "not a pair"',
    );
    expect((err as ManifestError).field).toBe("line 3");
  });

  it("rejects a name set twice and a line of blanks", () => {
    expect(() => parseEnvFile("A=1\nA=2\n", "f")).toThrow('f: line 2: environment variable "A" already set');
    expect(() => parseEnvFile("A=1\n   \n", "f")).toThrow("f: line 2:");
  });
});

describe("--volume and --mount", () => {
  it("parses host and empty volumes, with appc's defaults for empty", () => {
    expect(volumeFromFlag("data,kind=host,source=/srv/data,readOnly=true,recursive=false")).toEqual({
      name: "data",
      kind: "host",
      source: "/srv/data",
      readOnly: true,
      recursive: false,
    });
    expect(volumeFromFlag("scratch,kind=empty")).toEqual({ name: "scratch", kind: "empty", mode: "0755", uid: 0, gid: 0 });
    expect(volumeFromFlag("scratch,kind=empty,mode=0700,uid=1000,gid=100")).toMatchObject({ mode: "0700", uid: 1000, gid: 100 });
  });

  it.each([
    ["data,kind=host", "source for host volume cannot be empty"],
    ["data,kind=host,source=rel", "must be absolute path"],
    ["data,kind=nfs", 'unrecognized volume kind "nfs"'],
    ["Data,kind=empty", "is not a valid AC Name"],
    ["data,kind=empty,size=1G", 'unknown volume parameter "size"'],
    ["data,kind=host,source=/x,readOnly=maybe", 'invalid readOnly value "maybe"'],
    ["data,kind=empty,uid=root", 'invalid uid value "root"'],
    ["data,kind=host,source=/x,source=/y", "source given more than once"],
  ])("--volume=%s fails", (flag, message) => {
    expect(() => volumeFromFlag(flag)).toThrow(message);
  });

  it("parses --mount", () => {
    expect(mountFromFlag("volume=data,target=/var/data")).toEqual({ volume: "data", path: "/var/data" });
    expect(() => mountFromFlag("volume=data")).toThrow("missing target=");
    expect(() => mountFromFlag("volume=Data,target=/x")).toThrow('--mount: volume name "Data" is not a valid AC Name');
    expect(() => mountFromFlag("volume=data,target=/x,ro=true")).toThrow('unknown mount parameter "ro"');
  });
});
