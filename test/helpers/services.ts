// Helpers of the service tests: a long-running rkt service (api-service, metadata-service)
// started in the background and stopped by the test, and a gRPC client of the API service
// built from the same .proto file rkt published.
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { REPO, RKT, waitUntil, type Sandbox } from "./rkt.js";

export interface Service {
  child: ChildProcess;
  stderr(): string;
  /** Sends the signal and waits for the service to end. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited(): boolean;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** stdio beyond stderr: extra fds passed to the service (socket activation). */
  stdio?: StdioOptions;
  /** The command to run instead of rkt itself (e.g. sh -c 'LISTEN_PID=$$ exec rkt ...'). */
  command?: { file: string; args: string[] };
  /** What stderr says once the service serves. */
  ready: RegExp;
}

export function rktArgs(sb: Sandbox, args: string[]): string[] {
  return [`--dir=${sb.dataDir}`, `--local-config=${sb.localConfig}`, `--system-config=${sb.systemConfig}`, ...args];
}

/** Starts a service and waits until it says it is ready (or fails with what it printed). */
export async function startService(sb: Sandbox, args: string[], opts: StartOptions): Promise<Service> {
  const cmd = opts.command ?? { file: RKT, args: rktArgs(sb, args) };
  const child = spawn(cmd.file, cmd.args, { env: { ...process.env, ...opts.env }, stdio: opts.stdio ?? ["ignore", "ignore", "pipe"] });
  let err = "";
  let end: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => {
      end = { code, signal };
      resolve(end);
    }),
  );
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const svc: Service = {
    child,
    stderr: () => err,
    exited: () => end !== undefined,
    stop: async (signal = "SIGTERM") => {
      if (!end) child.kill(signal);
      return ended;
    },
  };
  try {
    await waitUntil(() => opts.ready.test(err) || end !== undefined, 30_000, "the service to start");
  } catch (e) {
    await svc.stop("SIGKILL");
    throw e;
  }
  if (end) throw new Error(`the service ended at once (${end.code}): ${err}`);
  return svc;
}

// The test's gRPC client: @grpc/grpc-js and the proto loader, as the api-service package has them.
const apiRequire = createRequire(join(REPO, "packages/api-service/package.json"));
export const grpc = apiRequire("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const protoLoader = apiRequire("@grpc/proto-loader") as typeof import("@grpc/proto-loader");
const PROTO = join(REPO, "packages/api-service/proto/api.proto");

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ApiClient {
  call(method: string, request?: Json): Promise<Json>;
  /** A server stream: every message until it ends (or fails). */
  stream(method: string, request: Json): import("@grpc/grpc-js").ClientReadableStream<Json>;
  close(): void;
}

export function apiClient(address: string): ApiClient {
  const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const Ctor = (grpc.loadPackageDefinition(def).v1alpha as import("@grpc/grpc-js").GrpcObject).PublicAPI as import("@grpc/grpc-js").ServiceClientConstructor;
  const client = new Ctor(address, grpc.credentials.createInsecure());
  return {
    call: (method, request = {}) =>
      new Promise((resolve, reject) =>
        (client as unknown as Record<string, Function>)[method]!.call(client, request, { deadline: Date.now() + 20_000 }, (err: Error | null, res: Json) => (err ? reject(err) : resolve(res))),
      ),
    stream: (method, request) => (client as unknown as Record<string, Function>)[method]!.call(client, request),
    close: () => client.close(),
  };
}
