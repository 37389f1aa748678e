// @rkt/net: rkt's pod networking, for stage0. A CNI client (the exec protocol, ADD, DEL,
// CHECK, results of every spec version), rkt's networks (default, default-restricted, the
// user's net.d), network namespaces, and port forwarding with iptables.
export * from "./cni/version.js";
export * from "./cni/result.js";
export * from "./cni/invoke.js";
export * from "./cni/client.js";
export * from "./config.js";
export * from "./networks.js";
export * from "./netns.js";
export * from "./portfwd.js";
export * from "./iptables.js";
export * from "./state.js";
export * from "./pod-network.js";
