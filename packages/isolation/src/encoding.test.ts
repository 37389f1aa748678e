import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { SpecBuilder, decodeField, encodeField, writeSpec } from './index.js';

describe('percent encoding', () => {
  it('encodes %, bytes below 0x21 and 0x7f, nothing else', () => {
    expect(encodeField('a b\tc\nd%e\x7ff')).toBe('a%20b%09c%0Ad%25e%7Ff');
    expect(encodeField('\x00\x01')).toBe('%00%01');
    expect(encodeField('plain/path:with,ünïcode=1')).toBe('plain/path:with,ünïcode=1');
    expect(encodeField('')).toBe('');
  });

  it('decodes either case and round-trips', () => {
    expect(decodeField('a%20b%0a%0Ac%25')).toBe('a b\n\nc%');
    expect(decodeField('%C3%BC')).toBe('ü');
    for (const s of ['', 'x', ' % \n\r\t', 'ünï cöde %41', '\x7f\x1f!~']) expect(decodeField(encodeField(s))).toBe(s);
  });

  it('rejects malformed escapes', () => {
    expect(() => decodeField('%')).toThrow(/percent/);
    expect(() => decodeField('%4')).toThrow(/percent/);
    expect(() => decodeField('%zz')).toThrow(/percent/);
  });
});

describe('SpecBuilder', () => {
  it('writes the version line, encodes fields, octal mkdir modes', () => {
    const b = new SpecBuilder()
      .directive('root', '/a b')
      .directive('mkdir', '/tmp', 0o1777)
      .directive('uid', 1000)
      .directive('exec', '/bin/sh', 'sh', '-c', 'echo "hi there"\nexit 3');
    expect(b.toString()).toBe(
      'version 1\nroot /a%20b\nmkdir /tmp 1777\nuid 1000\nexec /bin/sh sh -c echo%20"hi%20there"%0Aexit%203\n',
    );
  });

  it('refuses bad names, a version directive and NUL characters', () => {
    expect(() => new SpecBuilder().directive('version', 1)).toThrow();
    expect(() => new SpecBuilder().directive('Bad Name')).toThrow();
    expect(() => new SpecBuilder().directive('env', 'A=\0')).toThrow(/NUL/);
    expect(() => new SpecBuilder().directive('uid', 1.5)).toThrow();
  });

  it('writeSpec writes 0600 atomically', () => {
    const d = mkdtempSync(join(tmpdir(), 'rkt-iso-spec-'));
    try {
      const p = join(d, 'spec');
      writeSpec(p, new SpecBuilder().directive('root', '/'));
      writeSpec(p, new SpecBuilder().directive('root', '/x'));
      expect(readFileSync(p, 'utf8')).toBe('version 1\nroot /x\n');
      expect(statSync(p).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
