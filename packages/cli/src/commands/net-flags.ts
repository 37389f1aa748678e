// --net as rkt parses it: a comma list of NAME[:K=V;K2=V2], repeatable; bare --net means
// "default"; host and none stand alone; arguments are not allowed on all and host.
import type { NetworkRequest } from "@rkt/stage1-api";
import { UsageError } from "../flags.js";

export function parseNet(values: string[]): NetworkRequest[] | undefined {
  if (values.length === 0) return undefined;
  const nets: NetworkRequest[] = [];
  for (const value of values) {
    for (const item of value.split(",")) {
      if (item === "") continue;
      const colon = item.indexOf(":");
      const name = colon >= 0 ? item.slice(0, colon) : item;
      const args = colon >= 0 ? item.slice(colon + 1) : undefined;
      if (nets.some((n) => n.name === name)) throw new UsageError(`--net: network ${JSON.stringify(name)} given twice`, false);
      if (args !== undefined && (name === "all" || name === "host" || name === "none")) {
        throw new UsageError(`--net: network ${JSON.stringify(name)} takes no arguments`, false);
      }
      nets.push(args !== undefined ? { name, args } : { name });
    }
  }
  const special = nets.find((n) => n.name === "host" || n.name === "none");
  if (special && nets.length > 1) throw new UsageError(`--net: ${special.name} cannot be combined with other networks`, false);
  return nets;
}
