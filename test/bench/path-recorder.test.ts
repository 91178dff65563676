/**
 * `bench/loadgen/path-recorder.mjs`, the timer behind `bench/router-path.ts`, in a real bare
 * proxy process in front of the real echo server: it times a request alone in flight, before
 * the model and after it, and leaves out requests that overlapped another. It reads Node's
 * and undici's diagnostics channels, so a Node or undici upgrade that renamed one would show
 * here as no timings rather than as a benchmark quietly measuring nothing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, startScript } from "../../bench/router-roles.js";

const loadgen = (name: string) =>
  fileURLToPath(new URL(`../../bench/loadgen/${name}`, import.meta.url));

const dir = mkdtempSync(join(tmpdir(), "ms-path-recorder-"));
const out = join(dir, "timings.json");
const children: { kill(signal?: NodeJS.Signals): boolean }[] = [];
let port = 0;
let slowPort = 0;

beforeAll(async () => {
  const echo = await startScript(loadgen("echo-server.mjs"));
  // The same echo server taking 50 ms per answer: requests sent together overlap.
  const slowEcho = await startScript(loadgen("echo-server.mjs"), {
    extra: ["--pace-whole", "--first-ms", "50", "--piece-ms", "0"],
  });
  children.push(echo.child, slowEcho.child);
  const recorded = (file: string) => ({
    nodeFlags: ["--import", loadgen("path-recorder.mjs")],
    env: { PATH_RECORDER_OUT: file },
  });
  const proxy = await startScript(loadgen("bare-proxy.mjs"), {
    ...recorded(out),
    extra: ["--upstream", echo.url],
  });
  const slowProxy = await startScript(loadgen("bare-proxy.mjs"), {
    ...recorded(`${out}.slow`),
    extra: ["--upstream", slowEcho.url],
  });
  children.push(proxy.child, slowProxy.child);
  port = proxy.port;
  slowPort = slowProxy.port;
});

afterAll(() => {
  for (const child of children) child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

function chat(to: number): Promise<number> {
  const body = chatBody("echo");
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: "127.0.0.1",
        port: to,
        path: "/v1/chat/completions",
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      },
    );
    call.on("error", reject);
    call.end(body);
  });
}

async function timings(
  file: string,
  child: { kill(signal?: NodeJS.Signals): boolean },
): Promise<{ before: number[]; after: number[] }> {
  rmSync(file, { force: true });
  child.kill("SIGUSR2");
  await expect.poll(() => existsSync(file), { timeout: 5000, interval: 20 }).toBe(true);
  return JSON.parse(readFileSync(file, "utf8"));
}

describe("path-recorder", () => {
  it("times each request alone in flight, before and after the model", async () => {
    for (let index = 0; index < 20; index += 1) expect(await chat(port)).toBe(200);
    const { before, after } = await timings(out, children[2] as (typeof children)[number]);
    expect(before).toHaveLength(20);
    expect(after).toHaveLength(20);
    for (const us of [...before, ...after]) {
      expect(us).toBeGreaterThan(0);
      expect(us).toBeLessThan(1_000_000);
    }
  });

  it("leaves out requests that overlapped another", async () => {
    // Five at once through a proxy whose model takes 50 ms: every one overlaps the others.
    const statuses = await Promise.all(Array.from({ length: 5 }, () => chat(slowPort)));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    // Then one alone.
    expect(await chat(slowPort)).toBe(200);
    const { before, after } = await timings(
      `${out}.slow`,
      children[3] as (typeof children)[number],
    );
    expect(before).toHaveLength(1);
    expect(after).toHaveLength(1);
  });
});
