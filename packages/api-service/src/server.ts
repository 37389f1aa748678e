// The PublicAPI handlers. Each call reads the data directory afresh (pods and images change
// under the service as other rkt commands run); nothing is locked, and an error in one call
// becomes that call's gRPC status, never the service's end.
import grpc from "@grpc/grpc-js";
import { APPC_VERSION, parseInsecureOptions, RktError, withLockSnapshot, type GlobalFlags, type PodRepo } from "@rkt/stage0";
import { ImageNotFoundError, StoreError, type ImageStore } from "@rkt/store";
import { EventWatcher, eventMatches } from "./events.js";
import { anyMatch, imageMatches, podMatches } from "./filters.js";
import { describeImage } from "./images.js";
import { responseLines, type LogQuery, type LogStore } from "./logs.js";
import { int64, type Event, type EventFilter, type GetLogsRequest, type ImageFilter, type PodFilter } from "./messages.js";
import { describePod } from "./pods.js";
import { publicApiService } from "./proto.js";

export const API_VERSION = "1.0.0-alpha";

export interface ApiContext {
  global: GlobalFlags & { dir: string };
  rktVersion: string;
  pods: PodRepo;
  store: ImageStore;
  logs: LogStore;
  log(message: string): void;
}

/** An error for the client: its gRPC code and message (rkt's own messages where it had them). */
export class ApiError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

/** Status messages travel in an HTTP/2 header: a client's own long input is not echoed whole. */
const MAX_DETAILS = 512;

function toStatus(err: unknown): Partial<grpc.StatusObject> {
  const status = (code: grpc.status, message: string): Partial<grpc.StatusObject> => ({
    code,
    details: message.length > MAX_DETAILS ? `${message.slice(0, MAX_DETAILS)}...` : message,
  });
  if (err instanceof ApiError) return status(err.code, err.message);
  if (err instanceof ImageNotFoundError || err instanceof RktError || err instanceof StoreError) return status(grpc.status.NOT_FOUND, err.message);
  return status(grpc.status.INTERNAL, `internal error: ${(err as Error)?.message ?? String(err)}`);
}

/** A pod ID is a UUID or a prefix of one. */
const POD_ID = /^[0-9a-fA-F-]{1,36}$/;

/** rkt's names of the insecure options in force ("none" when there are none). */
export function insecureFlags(value: string): string {
  const set = Object.entries(parseInsecureOptions(value))
    .filter(([, on]) => on)
    .map(([name]) => name);
  return set.length ? set.join(",") : "none";
}

function unary<Req, Res>(ctx: ApiContext, name: string, fn: (req: Req) => Res): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    try {
      callback(null, fn(call.request));
    } catch (err) {
      const status = toStatus(err);
      if (status.code === grpc.status.INTERNAL) ctx.log(`${name}: ${status.details}`);
      callback(status);
    }
  };
}

export function apiHandlers(ctx: ApiContext): { handlers: grpc.UntypedServiceImplementation; close(): void } {
  const events = new EventWatcher(ctx.pods, ctx.store, (err) => ctx.log(`ListenEvents: ${err.message}`));
  // Streams that stay open (ListenEvents, GetLogs with follow) end when the service stops.
  const open = new Set<() => void>();
  const track = (end: () => void): (() => void) => {
    open.add(end);
    return () => open.delete(end);
  };

  const findPod = (id: string) => {
    if (id === "") throw new ApiError(grpc.status.INVALID_ARGUMENT, "a pod ID is required");
    if (!POD_ID.test(id)) throw new ApiError(grpc.status.NOT_FOUND, `no matches found for ${JSON.stringify(id)}`);
    return ctx.pods.find(id);
  };

  const handlers: grpc.UntypedServiceImplementation = {
    GetInfo: unary(ctx, "GetInfo", () => ({
      info: {
        rkt_version: ctx.rktVersion,
        appc_version: APPC_VERSION,
        api_version: API_VERSION,
        global_flags: {
          dir: ctx.global.dir,
          system_config_dir: ctx.global.systemConfig,
          local_config_dir: ctx.global.localConfig,
          user_config_dir: ctx.global.userConfig,
          insecure_flags: insecureFlags(ctx.global.insecureOptions),
          trust_keys_from_https: ctx.global.trustKeysFromHttps,
        },
      },
    })),

    ListPods: unary(ctx, "ListPods", (req: { filters: PodFilter[]; detail: boolean }) =>
      withLockSnapshot(() => ({
        pods: ctx.pods
          .list()
          .map((p) => describePod(p, req.detail))
          .filter((p) => p.state !== "POD_STATE_UNDEFINED" && anyMatch(p, req.filters, podMatches)),
      })),
    ),

    InspectPod: unary(ctx, "InspectPod", (req: { id: string }) => withLockSnapshot(() => ({ pod: describePod(findPod(req.id), true) }))),

    ListImages: unary(ctx, "ListImages", (req: { filters: ImageFilter[]; detail: boolean }) => ({
      images: ctx.store
        .list()
        .map((r) => describeImage(r, req.detail))
        .filter((i) => anyMatch(i, req.filters, imageMatches)),
    })),

    InspectImage: unary(ctx, "InspectImage", (req: { id: string }) => {
      if (req.id === "") throw new ApiError(grpc.status.INVALID_ARGUMENT, "an image ID is required");
      return { image: describeImage(ctx.store.get(ctx.store.resolveId(req.id)), true) };
    }),

    ListenEvents: (call: grpc.ServerWritableStream<{ filter?: EventFilter }, { events: Event[] }>) => {
      const filter = call.request.filter ?? undefined;
      const until = int64(filter?.until_time);
      let timer: NodeJS.Timeout | undefined;
      let stop = (): void => {};
      const finish = (): void => {
        stop();
        clearTimeout(timer);
        untrack();
      };
      const untrack = track(() => {
        finish();
        call.end();
      });
      call.on("cancelled", finish);
      if (until > 0) {
        const ms = until * 1000 - Date.now();
        if (ms <= 0) return void (finish(), call.end());
        timer = setTimeout(() => (finish(), call.end()), Math.min(ms, 2 ** 31 - 1));
      }
      stop = events.listen((list) => {
        const matching = list.filter((e) => eventMatches(e, filter));
        if (matching.length) call.write({ events: matching });
      });
      // An empty first response: the watch is in place, what happens from now on is sent.
      call.write({ events: [] });
    },

    GetLogs: (call: grpc.ServerWritableStream<GetLogsRequest, { lines: string[] }>) => {
      const req = call.request;
      const fail = (err: unknown): void => void call.emit("error", toStatus(err));
      try {
        const pod = findPod(req.pod_id);
        const apps = pod.tryManifest()?.apps.map((a) => a.name) ?? [];
        if (req.app_name !== "" && !apps.includes(req.app_name)) {
          throw new ApiError(grpc.status.NOT_FOUND, `pod ${pod.uuid} has no app ${JSON.stringify(req.app_name)}`);
        }
        const logs = ctx.logs.open(pod);
        if (!logs) {
          throw new ApiError(
            grpc.status.FAILED_PRECONDITION,
            `logs are not recorded for pod ${pod.uuid}: this rkt keeps no record of the apps' output yet (rkt read it from the pod's journal)`,
          );
        }
        const query: LogQuery = { app: req.app_name || undefined, lines: req.lines, since: int64(req.since_time), until: int64(req.until_time) };
        logs.read(query).then((lines) => {
          call.write({ lines: responseLines(lines) });
          if (!req.follow) return call.end();
          const stop = logs.follow({ ...query, lines: 0 }, (more) => call.write({ lines: responseLines(more) }));
          const untrack = track(() => {
            stop();
            call.end();
          });
          call.on("cancelled", () => {
            stop();
            untrack();
          });
        }, fail);
      } catch (err) {
        fail(err);
      }
    },
  };
  const close = (): void => {
    for (const end of [...open]) end();
    events.stop();
  };
  return { handlers, close };
}

export function createApiServer(ctx: ApiContext): { server: grpc.Server; close(): void } {
  // Requests are small: a malformed or oversized message costs the caller, not the service.
  const server = new grpc.Server({ "grpc.max_receive_message_length": 1 << 20 });
  const { handlers, close } = apiHandlers(ctx);
  server.addService(publicApiService(), handlers);
  return { server, close };
}
