// @rkt/metadata-service: the appc App Container Metadata Service. The program is
// dist/main.js (run by `rkt metadata-service`); the pieces are exported for tests.
export { PodSigner } from "./hmac.js";
export { publicHandler } from "./public.js";
export { registrationHandler } from "./registration.js";
export { PodRegistry, processStart, type RegisteredPod } from "./registry.js";
export { serviceServer } from "./http.js";
