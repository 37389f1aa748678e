// @rkt/api-service: rkt's read-only gRPC API. The program is dist/main.js (run by
// `rkt api-service`); the pieces below are exported for tests and embedders.
export { API_VERSION, apiHandlers, createApiServer, insecureFlags, type ApiContext } from "./server.js";
export { describeImage } from "./images.js";
export { describePod, podCgroup } from "./pods.js";
export { diff as eventsBetween, eventMatches } from "./events.js";
export { NO_LOG_STORE, selectLines, type LogLine, type LogQuery, type LogStore, type PodLogs } from "./logs.js";
export { DEFAULT_LISTEN, openListeners, parseListen } from "./listen.js";
export { LOADER_OPTIONS, PROTO_FILE, publicApiService } from "./proto.js";
export * from "./messages.js";
