// The helper a stage1 author calls: `export default defineStage1({...})` in the module that
// package.json's `rkt.stage1.entry` names. stage0 then calls `register(container)`.
import type { DependencyContainer } from "tsyringe";
import { isCapability, type Capability } from "./capabilities.js";
import { Stage1Error } from "./errors.js";
import { Tokens } from "./tokens.js";
import type { HostInfo, Logger, Stage1, Stage1Definition } from "./types.js";

export interface RegisteredStage1Definition extends Stage1Definition {
  /** Register the stage1 and its definition in a (child) container of stage0's. */
  register(container: DependencyContainer): void;
}

export function defineStage1(def: Stage1Definition): RegisteredStage1Definition {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(def.name)) {
    throw new Stage1Error(`invalid stage1 name ${JSON.stringify(def.name)}: use lower-case letters, digits, '.', '_' and '-'`);
  }
  const unknown = def.capabilities.filter((c: string) => !isCapability(c));
  if (unknown.length > 0) {
    throw new Stage1Error(`stage1 ${def.name} declares unknown capabilities: ${unknown.join(", ")}`);
  }
  const frozen: Stage1Definition = {
    name: def.name,
    capabilities: Object.freeze([...def.capabilities]) as readonly Capability[],
    create: def.create,
  };
  return {
    ...frozen,
    register(container: DependencyContainer): void {
      container.register(Tokens.Stage1Definition, { useValue: frozen });
      container.register(Tokens.Stage1, {
        useFactory: (c): Stage1 =>
          frozen.create({ logger: c.resolve<Logger>(Tokens.Logger), host: c.resolve<HostInfo>(Tokens.Host) }),
      });
    },
  };
}
