// Test fixtures (excluded from the build by tsconfig): realistic manifests using every field.
import { expect } from "vitest";
import { ManifestError } from "./errors.js";

export const FULL_ID = "sha512-" + "0123456789abcdef".repeat(8);
export const KEY_ID = "sha512-" + "0123456789abcdef".repeat(4);

/** An image manifest using every field of appc 0.8.11. */
export function fullImageManifest(): Record<string, any> {
  return {
    acKind: "ImageManifest",
    acVersion: "0.8.11",
    name: "example.com/reduce-worker",
    labels: [
      { name: "version", value: "1.0.0" },
      { name: "arch", value: "amd64" },
      { name: "os", value: "linux" },
    ],
    app: {
      exec: ["/usr/bin/reduce-worker", "--quiet"],
      user: "100",
      group: "300",
      supplementaryGIDs: [400, 500],
      eventHandlers: [
        { exec: ["/usr/bin/data-downloader"], name: "pre-start" },
        { exec: ["/usr/bin/deregister-worker", "--verbose"], name: "post-stop" },
      ],
      workingDirectory: "/opt/work",
      environment: [{ name: "REDUCE_WORKER_DEBUG", value: "true" }],
      isolators: [
        { name: "resource/cpu", value: { request: "250m", limit: "500m" } },
        { name: "resource/memory", value: { request: "1G", limit: "2G" } },
        { name: "os/linux/capabilities-retain-set", value: { set: ["CAP_NET_BIND_SERVICE"] } },
        { name: "os/linux/seccomp-retain-set", value: { set: ["@rkt/default-whitelist", "mount"], errno: "EPERM" } },
        { name: "os/linux/no-new-privileges", value: true },
        { name: "os/linux/oom-score-adj", value: 100 },
        { name: "os/linux/cpu-shares", value: 2048 },
      ],
      mountPoints: [{ name: "work", path: "/var/lib/work", readOnly: false }],
      ports: [
        { name: "health", port: 4000, protocol: "tcp", socketActivated: true },
        { name: "ftp-data", port: 20000, count: 1000, protocol: "tcp" },
      ],
      userAnnotations: { "team": "data", "free form key": "yes" },
      userLabels: { tier: "backend" },
    },
    dependencies: [
      {
        imageName: "example.com/reduce-worker-base",
        imageID: FULL_ID,
        labels: [
          { name: "os", value: "linux" },
          { name: "env", value: "canary" },
        ],
        size: 22017258,
      },
    ],
    pathWhitelist: ["/etc/ca/example.com/crt", "/usr/bin/map-reduce-worker", "/etc/systemd/system/"],
    annotations: [
      { name: "authors", value: "Carly Container <carly@example.com>" },
      { name: "created", value: "2014-10-27T19:32:27.67021798Z" },
      { name: "documentation", value: "https://example.com/docs" },
      { name: "homepage", value: "https://example.com" },
      { name: "appc.io/executor/supports-systemd-notify", value: "false" },
    ],
  };
}

/** A pod manifest like the one rkt 1.30 writes, using every field. */
export function fullPodManifest(): Record<string, any> {
  return {
    acVersion: "1.30.0",
    acKind: "PodManifest",
    apps: [
      {
        name: "reduce-worker",
        image: { name: "example.com/reduce-worker", id: KEY_ID, labels: [{ name: "version", value: "1.0.0" }] },
        app: {
          exec: ["/bin/reduce-worker", "--debug=true"],
          user: "0",
          group: "0",
          mountPoints: [{ name: "work", path: "/var/lib/work" }],
          isolators: [{ name: "resource/memory", value: { limit: "1G" } }],
          ports: [{ name: "http", protocol: "tcp", port: 80, count: 1, socketActivated: false }],
        },
        readOnlyRootFS: true,
        mounts: [
          { volume: "worklib", path: "/var/lib/work" },
          { volume: "scratch", path: "/tmp/scratch", appVolume: { name: "scratch", kind: "empty", mode: "0700", uid: 1000, gid: 1000 } },
        ],
        annotations: [{ name: "coreos.com/rkt/stage2/stdin", value: "null" }],
      },
      {
        name: "backup",
        image: { id: FULL_ID },
      },
    ],
    volumes: [
      { name: "worklib", kind: "host", source: "/opt/tenant1/work", readOnly: true, recursive: true },
      { name: "cache", kind: "empty", mode: "0755", uid: 0, gid: 0 },
    ],
    isolators: [{ name: "os/unix/sysctl", value: { "net.ipv4.tcp_rfc1337": "1" } }],
    annotations: [{ name: "coreos.com/rkt/stage1/mutable", value: "false" }],
    ports: [
      { name: "http", hostPort: 8080, hostIP: "203.0.113.23" },
      { name: "dns", hostPort: 5353, podPort: { name: "dns", protocol: "udp", port: 53 } },
    ],
    userAnnotations: { owner: "ops" },
    userLabels: { env: "prod" },
  };
}

/** Runs `fn`, expects a ManifestError at exactly `field` whose message contains `text`. */
export function expectManifestError(fn: () => unknown, field: string, text: string | RegExp): ManifestError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a ManifestError at ${field}`).toBeInstanceOf(ManifestError);
  const err = caught as ManifestError;
  expect(err.field).toBe(field);
  if (typeof text === "string") expect(err.message).toContain(text);
  else expect(err.message).toMatch(text);
  return err;
}
