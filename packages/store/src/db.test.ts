// The store index between rkt processes: WAL mode, a busy timeout that makes a writer wait,
// and transactions that are all or nothing. The processes run the built dist/db.js.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { openDb, writeTransaction } from "./db.js";

const DB_MODULE = pathToFileURL(join(import.meta.dirname, "../dist/db.js")).href;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "rkt-unit-db-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a Node.js process with `openDb` and `writeTransaction` in scope; resolves with its exit. */
function proc(body: string, onStdout?: (line: string) => void): Promise<{ code: number | null; stderr: string }> {
  const src = `import { openDb, writeTransaction } from ${JSON.stringify(DB_MODULE)};\n${body}`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", src], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.on("data", (d: Buffer) => onStdout?.(d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr })));
}

const insertRemote = (url: string) =>
  `writeTransaction(db, () => db.prepare("INSERT INTO remotes (url, key, download_time) VALUES (?, 'k', 0)").run(${JSON.stringify(url)}));`;

describe("the index between processes", () => {
  test("processes that create the index at once all open it in WAL mode and write", async () => {
    for (let round = 0; round < 3; round++) {
      const db = join(dir, `round${round}`);
      // All start at one moment, once every process is up.
      const start = Date.now() + 1500;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          proc(`while (Date.now() < ${start}); const db = openDb(${JSON.stringify(db)}); ${insertRemote(`u${i}`)}`),
        ),
      );
      expect(results).toEqual(Array.from({ length: 8 }, () => ({ code: 0, stderr: "" })));
      const d = openDb(db);
      expect(d.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
      expect(d.prepare("SELECT count(*) AS n FROM remotes").get()).toEqual({ n: 8 });
      d.close();
    }
  });

  test("a writer waits for another process's write transaction instead of failing", async () => {
    openDb(dir).close();
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    // The other process holds the write lock until its timer commits.
    const holder = proc(
      `const db = openDb(${JSON.stringify(dir)});
       db.exec("BEGIN IMMEDIATE");
       db.prepare("INSERT INTO remotes (url, key, download_time) VALUES ('first', 'k', 0)").run();
       console.log("locked");
       setTimeout(() => db.exec("COMMIT"), 500);`,
      (l) => l.includes("locked") && locked(),
    );
    await isLocked;
    const db = openDb(dir);
    writeTransaction(db, () => db.prepare("INSERT INTO remotes (url, key, download_time) VALUES ('second', 'k', 0)").run());
    expect((db.prepare("SELECT url FROM remotes ORDER BY rowid").all() as { url: string }[]).map((r) => r.url)).toEqual(["first", "second"]);
    db.close();
    expect(await holder).toEqual({ code: 0, stderr: "" });
  });

  test("a write transaction that throws leaves nothing", () => {
    const db = openDb(dir);
    expect(() =>
      writeTransaction(db, () => {
        db.prepare("INSERT INTO remotes (url, key, download_time) VALUES ('x', 'k', 0)").run();
        throw new Error("no");
      }),
    ).toThrow("no");
    expect(db.isTransaction).toBe(false);
    expect(db.prepare("SELECT count(*) AS n FROM remotes").get()).toEqual({ n: 0 });
    db.close();
  });
});
