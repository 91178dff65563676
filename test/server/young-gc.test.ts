import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const source = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));
const folder = mkdtempSync(join(tmpdir(), "ms-young-gc-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/**
 * Runs a server with `young_gc: mode` in a child process under V8's `--trace-gc-nvp`, with
 * young garbage made before it starts and after, and returns for each phase the time V8's
 * helper threads spent on each scavenge. A full collection (`gc()`) on either side of the
 * start marks the phases in V8's own output, in V8's own order (stdout's order between V8
 * and Node is not kept).
 */
async function helperTimes(mode: "serial" | "parallel") {
  const script = `
    import { parseRoutesConfig } from ${JSON.stringify(source("route/routes-config.ts"))};
    import { startRoutingServer } from ${JSON.stringify(source("server/start-routing-server.ts"))};
    // About 40 scavenges, each keeping some 600 kB alive: work V8 shares with its helpers.
    const churn = () => {
      let kept = [];
      for (let i = 0; i < 4e6; i += 1) {
        kept.push({ i, text: "x" + i });
        if (kept.length > 10000) kept = [];
      }
      return kept.length;
    };
    churn();
    globalThis.gc();
    const server = await startRoutingServer({
      config: parseRoutesConfig({
        models: [{ id: "echo:a", kind: "echo" }],
        routes: [{ name: "general", targets: { chat: { candidates: ["echo:a"] } } }],
        server: { young_gc: ${JSON.stringify(mode)}, health_checks: { interval_ms: 0 } },
      }),
      port: 0,
      databasePath: ${JSON.stringify(join(folder, `${mode}.db`))},
    });
    globalThis.gc();
    churn();
    await server.close();
    process.exit(0);
  `;
  const { stdout } = await run(
    process.execPath,
    ["--expose-gc", "--trace-gc-nvp", "--import", "tsx", "--input-type=module", "--eval", script],
    { encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  // The main thread's isolate is the one with the most collections (the request log's
  // writer and the checkpointer are isolates of their own).
  const byIsolate = new Map<string, string[]>();
  for (const line of stdout.split("\n")) {
    const isolate = /^\[\d+:(0x[0-9a-f]+)\].* gc=/.exec(line)?.[1];
    if (isolate !== undefined) byIsolate.set(isolate, [...(byIsolate.get(isolate) ?? []), line]);
  }
  const main = [...byIsolate.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  // Split at every full collection (the script's own, around the start, and any V8 makes,
  // such as the memory reducer's once the process is idle): the last two long runs of
  // scavenges are the script's garbage, before the start and after it.
  const segments: number[][] = [[]];
  for (const line of main) {
    if (/ gc=mc /.test(line)) {
      segments.push([]);
      continue;
    }
    const helpers = / gc=s .*background\.scavenge\.parallel=([\d.]+)/.exec(line)?.[1];
    if (helpers !== undefined) segments.at(-1)?.push(Number(helpers));
  }
  const long = segments.filter((segment) => segment.length >= 10);
  return { before: long.at(-2) ?? [], after: long.at(-1) ?? [] };
}

describe("server.young_gc", () => {
  it("serial (the default): the server's scavenges get no help from V8's threads", async () => {
    const { before, after } = await helperTimes("serial");
    // Before the server started, V8 shared its scavenges with its helpers as usual ...
    expect(before.length).toBeGreaterThanOrEqual(10);
    expect(before.some((ms) => ms > 0)).toBe(true);
    // ... and from then on, not once.
    expect(after.length).toBeGreaterThanOrEqual(10);
    expect(after.filter((ms) => ms > 0)).toEqual([]);
  }, 90_000);

  it("parallel: V8's setting is left as it was", async () => {
    const { after } = await helperTimes("parallel");
    expect(after.length).toBeGreaterThanOrEqual(10);
    expect(after.some((ms) => ms > 0)).toBe(true);
  }, 90_000);
});
