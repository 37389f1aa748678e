// JSON decoding for manifests: JSON.parse on the fast path; when it fails, a small scanner
// finds the first offending character so the error can name its position.
import { ManifestError } from "./errors.js";

/** Decodes manifest bytes (UTF-8) and parses them; syntax errors become ManifestErrors. */
export function parseJsonDocument(bytes: Uint8Array | string, file?: string): unknown {
  const text = typeof bytes === "string" ? bytes : new TextDecoder("utf-8").decode(bytes);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const located = locateJsonError(text);
    const detail = located ?? (err instanceof Error ? err.message : String(err));
    throw new ManifestError("", `bad JSON: ${detail}`, file);
  }
}

/**
 * Returns a description of the first syntax error in `text` ("Unexpected token '}' at
 * position 12 (line 2, column 5)"), or undefined when the text is valid JSON.
 */
export function locateJsonError(text: string): string | undefined {
  const s = new Scanner(text);
  try {
    s.ws();
    s.value();
    s.ws();
    if (s.i < text.length) s.unexpected("Unexpected non-whitespace character after JSON");
    return undefined;
  } catch (err) {
    if (err instanceof JsonSyntax) return err.message;
    throw err;
  }
}

class JsonSyntax extends Error {}

class Scanner {
  i = 0;
  constructor(private readonly t: string) {}

  ws(): void {
    const t = this.t;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  where(pos: number): string {
    let line = 1;
    let col = 1;
    for (let k = 0; k < pos && k < this.t.length; k++) {
      if (this.t.charCodeAt(k) === 0x0a) {
        line++;
        col = 1;
      } else col++;
    }
    return `at position ${pos} (line ${line}, column ${col})`;
  }

  unexpected(what?: string): never {
    if (this.i >= this.t.length) throw new JsonSyntax(`Unexpected end of JSON input ${this.where(this.i)}`);
    const ch = this.t[this.i]!;
    const shown = JSON.stringify(ch).slice(1, -1);
    throw new JsonSyntax(`${what ?? `Unexpected token '${shown}'`} ${this.where(this.i)}`);
  }

  value(): void {
    const c = this.t[this.i];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    if (c === "t") return this.word("true");
    if (c === "f") return this.word("false");
    if (c === "n") return this.word("null");
    this.unexpected();
  }

  word(w: string): void {
    for (let k = 0; k < w.length; k++) {
      if (this.t[this.i] !== w[k]) this.unexpected();
      this.i++;
    }
  }

  object(): void {
    this.i++; // {
    this.ws();
    if (this.t[this.i] === "}") {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.t[this.i] !== '"') this.unexpected();
      this.string();
      this.ws();
      if (this.t[this.i] !== ":") this.unexpected();
      this.i++;
      this.ws();
      this.value();
      this.ws();
      const c = this.t[this.i];
      if (c === ",") {
        this.i++;
        continue;
      }
      if (c === "}") {
        this.i++;
        return;
      }
      this.unexpected();
    }
  }

  array(): void {
    this.i++; // [
    this.ws();
    if (this.t[this.i] === "]") {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      this.value();
      this.ws();
      const c = this.t[this.i];
      if (c === ",") {
        this.i++;
        continue;
      }
      if (c === "]") {
        this.i++;
        return;
      }
      this.unexpected();
    }
  }

  string(): void {
    this.i++; // opening quote
    const t = this.t;
    for (;;) {
      if (this.i >= t.length) this.unexpected();
      const c = t.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return;
      }
      if (c < 0x20) this.unexpected("Bad control character in string literal");
      if (c === 0x5c) {
        this.i++;
        const e = t[this.i];
        if (e === undefined) this.unexpected();
        if (e === "u") {
          for (let k = 1; k <= 4; k++) {
            const h = t[this.i + k];
            if (h === undefined || !/[0-9a-fA-F]/.test(h)) {
              this.i += k;
              this.unexpected("Bad Unicode escape");
            }
          }
          this.i += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e)) this.unexpected("Bad escaped character");
      }
      this.i++;
    }
  }

  number(): void {
    const t = this.t;
    if (t[this.i] === "-") this.i++;
    const digit = (): boolean => {
      const c = t[this.i];
      return c !== undefined && c >= "0" && c <= "9";
    };
    if (t[this.i] === "0") this.i++;
    else if (digit()) while (digit()) this.i++;
    else this.unexpected();
    if (t[this.i] === ".") {
      this.i++;
      if (!digit()) this.unexpected();
      while (digit()) this.i++;
    }
    if (t[this.i] === "e" || t[this.i] === "E") {
      this.i++;
      if (t[this.i] === "+" || t[this.i] === "-") this.i++;
      if (!digit()) this.unexpected();
      while (digit()) this.i++;
    }
  }
}
