import { renameSync, rmSync, writeFileSync } from 'node:fs';

import { encodeField } from './encoding.js';

let tmpCounter = 0;

/**
 * Builds a spec file for `rkt-isolation run|enter`: one directive per line, fields
 * percent-encoded and separated by single spaces. The `version 1` line is written first
 * by the builder itself.
 *
 * Fields are strings or numbers; numbers are written in decimal, except the mode of
 * `mkdir`, which is written in octal (`directive('mkdir', '/tmp', 0o1777)` gives
 * `mkdir /tmp 1777`).
 */
export class SpecBuilder {
  private readonly lines: string[] = ['version 1'];

  directive(name: string, ...fields: (string | number)[]): this {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`invalid spec directive name ${JSON.stringify(name)}`);
    if (name === 'version') throw new Error('SpecBuilder writes the version directive itself');
    const parts = [name];
    fields.forEach((f, i) => {
      let s: string;
      if (typeof f === 'number') {
        if (!Number.isInteger(f)) throw new Error(`${name}: field ${i + 1} is not an integer: ${f}`);
        s = name === 'mkdir' && i === 1 ? f.toString(8) : String(f);
      } else {
        s = f;
      }
      if (s.includes('\0')) throw new Error(`${name}: field ${i + 1} contains a NUL character`);
      parts.push(encodeField(s));
    });
    this.lines.push(parts.join(' '));
    return this;
  }

  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

/** Writes the spec to `path` with mode 0600, atomically (temporary file + rename). */
export function writeSpec(path: string, builder: SpecBuilder): void {
  const tmp = `${path}.${process.pid}.${++tmpCounter}.tmp`;
  writeFileSync(tmp, builder.toString(), { mode: 0o600, flag: 'wx' });
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
