import { describe, expect, it } from "vitest";
import type { ImageConfig } from "./config.js";
import { appcView } from "./to-appc.js";

const D = (c: string) => `sha256:${c.repeat(64)}` as const;

function view(config: Partial<ImageConfig["config"]>, over: Partial<ImageConfig> = {}) {
  return appcView({
    name: "registry-1.docker.io/library/redis",
    tag: "7.2",
    config: { architecture: "amd64", os: "linux", created: "2024-05-06T07:08:09.123456789Z", config, diffIds: [], ...over },
    configDigest: D("c"),
    manifestDigest: D("m"),
    originalName: "docker://redis:7.2",
    registry: "registry-1.docker.io",
    repository: "library/redis",
    file: "config of redis",
  });
}

describe("appcView (docker2aci's mapping)", () => {
  it("exec, user/group, env, workdir, ports, volumes, labels, annotations", () => {
    const { manifest, dropped } = view({
      Entrypoint: ["docker-entrypoint.sh"],
      Cmd: ["redis-server"],
      User: "redis:staff",
      Env: ["PATH=/usr/bin", "REDIS_VERSION=7.2", "PATH=/bin"],
      WorkingDir: "/data",
      ExposedPorts: ["6379/tcp", "53/udp", "8080"],
      Volumes: ["/data", "/var/lib/x y"],
      Labels: { maintainer: "me" },
    });
    expect(dropped).toEqual([]);
    expect(manifest.name).toBe("registry-1.docker.io/library/redis");
    expect(manifest.labels).toEqual([
      { name: "version", value: "7.2" },
      { name: "os", value: "linux" },
      { name: "arch", value: "amd64" },
    ]);
    expect(manifest.app).toEqual({
      exec: ["docker-entrypoint.sh", "redis-server"],
      user: "redis",
      group: "staff",
      environment: [
        { name: "REDIS_VERSION", value: "7.2" },
        { name: "PATH", value: "/bin" },
      ],
      workingDirectory: "/data",
      ports: [
        { name: "6379-tcp", protocol: "tcp", port: 6379, count: 1, socketActivated: false },
        { name: "53-udp", protocol: "udp", port: 53, count: 1, socketActivated: false },
        { name: "8080-tcp", protocol: "tcp", port: 8080, count: 1, socketActivated: false },
      ],
      mountPoints: [
        { name: "volume-data", path: "/data", readOnly: false },
        { name: "volume-var-lib-x-y", path: "/var/lib/x y", readOnly: false },
      ],
      userLabels: { maintainer: "me" },
    });
    const ann = Object.fromEntries(manifest.annotations!.map((a) => [a.name, a.value]));
    expect(ann).toMatchObject({
      created: "2024-05-06T07:08:09.123456789Z",
      "appc.io/docker/repository": "library/redis",
      "appc.io/docker/registryurl": "registry-1.docker.io",
      "appc.io/docker/imageid": D("c"),
      "appc.io/docker/manifesthash": D("m"),
      "appc.io/docker/entrypoint": '["docker-entrypoint.sh"]',
      "appc.io/docker/cmd": '["redis-server"]',
      "appc.io/docker/tag": "7.2",
      "appc.io/docker/originalname": "docker://redis:7.2",
    });
  });

  it("no User is root; a uid alone is also the group; no exec at all is allowed", () => {
    expect(view({}).manifest.app).toEqual({ user: "0", group: "0" });
    expect(view({ User: "1000" }).manifest.app).toMatchObject({ user: "1000", group: "1000" });
    expect(view({ User: ":5" }).manifest.app).toMatchObject({ user: "0", group: "5" });
  });

  it("entries appc cannot express are dropped and reported", () => {
    const { manifest, dropped } = view({ Env: ["BAD-NAME=1", "NOEQUALS"], ExposedPorts: ["80/sctp", "0/tcp"], Volumes: ["relative"] });
    expect(manifest.app!.environment).toBeUndefined();
    expect(dropped).toEqual(['Env "BAD-NAME=1"', 'Env "NOEQUALS"', 'ExposedPorts "80/sctp"', 'ExposedPorts "0/tcp"', 'Volumes "relative"']);
  });

  it("registry host:port becomes a valid AC identifier; arm64 is aarch64", () => {
    const v = appcView({
      name: "127.0.0.1:5000/app",
      config: { architecture: "arm64", os: "linux", config: {}, diffIds: [] },
      configDigest: D("c"),
      manifestDigest: D("m"),
      originalName: "docker://127.0.0.1:5000/app@sha256:...",
      file: "f",
    });
    expect(v.manifest.name).toBe("127.0.0.1_5000/app");
    expect(v.manifest.labels).toEqual([
      { name: "os", value: "linux" },
      { name: "arch", value: "aarch64" },
    ]);
  });

  it("an os/arch appc does not know is an error naming the source", () => {
    expect(() => view({}, { architecture: "riscv64" })).toThrow(/config of redis: the image configuration cannot be expressed as an image manifest: .*bad arch "riscv64"/);
  });
});
