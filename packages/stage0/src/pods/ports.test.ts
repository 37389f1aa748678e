import type { PodManifest } from "@rkt/stage1-api";
import { describe, expect, test } from "vitest";
import { resolvePorts } from "./ports.js";

function manifest(ports: PodManifest["ports"]): PodManifest {
  const app = (name: string, p: { name: string; protocol: string; port: number }[]) => ({
    name,
    image: { id: "sha512-x" },
    app: { exec: ["/x"], user: "0", group: "0", ports: p },
  });
  return {
    acVersion: "1.30.0",
    acKind: "PodManifest",
    apps: [app("web", [{ name: "http", protocol: "tcp", port: 80 }]), app("dns", [{ name: "dns", protocol: "UDP", port: 53 }])],
    ports,
  };
}

describe("--port against the apps' ports", () => {
  test("each forward finds its app port by name, with its protocol", () => {
    expect(resolvePorts(manifest([{ name: "http", hostPort: 8080 }, { name: "dns", hostPort: 5353, hostIP: "127.0.0.1" }]))).toEqual([
      { proto: "tcp", hostPort: 8080, podPort: 80 },
      { proto: "udp", hostPort: 5353, podPort: 53, hostIP: "127.0.0.1" },
    ]);
    expect(resolvePorts(manifest(undefined))).toEqual([]);
  });

  test("rkt's errors: an unknown name, a host port mapped twice", () => {
    expect(() => resolvePorts(manifest([{ name: "nope", hostPort: 1 }]))).toThrow('port name "nope" could not be found in any apps');
    expect(() => resolvePorts(manifest([{ name: "http", hostPort: 8080 }, { name: "http", hostPort: 8080 }]))).toThrow(
      "port tcp-0.0.0.0:8080 already mapped to pod port 80",
    );
    // Another host address or protocol is another forward.
    expect(resolvePorts(manifest([{ name: "http", hostPort: 8080 }, { name: "http", hostPort: 8080, hostIP: "192.0.2.2" }]))).toHaveLength(2);
  });
});
