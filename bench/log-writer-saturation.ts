/**
 * Benchmark: what the request-log writer's `SCHED_IDLE` class (ADR 0019) costs when every
 * core is busy with normal-class work, which is when an idle-class thread stops getting CPU.
 *
 *   npx tsx bench/log-writer-saturation.ts [--requests 100] [--hogs 2]
 *
 * For `log_writer_priority` `idle` and then `normal`: starts `startRoutingServer` (the
 * source, under tsx) with one in-process echo route, sends 50 chat completions so the writer has
 * been lowered, starts `--hogs` busy-looping Node.js processes (one per core by default), then
 * sends `--requests` chat completions each followed by its feedback. Feedback is acknowledged
 * only after the request's row is durable, so it waits on the writer (`flush()`): this is the
 * path `flush()` raises a starved writer on. Prints the feedback latency and the writer's
 * state (`/ready`) before and after, and writes bench/results/log-writer-saturation.json.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { percentile } from "../src/profile/profile-model.js";
import { parseRoutesConfig } from "../src/route/routes-config.js";
import { startRoutingServer } from "../src/server/start-routing-server.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "100" },
    hogs: { type: "string", default: String(cpus().length) },
  },
});
const requests = Number(values.requests);
const hogCount = Number(values.hogs);

interface Answer {
  status: number;
  json: { modelscout?: { request_id?: string } };
}

async function post(url: string, body: unknown): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Answer["json"] };
}

async function measure(priority: "idle" | "normal") {
  const config = parseRoutesConfig({
    classification: [{ kind: "rules", rules: [{ route: "local", keywords: ["parcel"] }] }],
    models: [{ id: "echo:local", kind: "echo" }],
    routes: [{ name: "local", targets: { chat: { policy: "fixed", candidates: ["echo:local"] } } }],
    server: { log_writer_priority: priority },
  });
  const server = await startRoutingServer({
    config,
    port: 0,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-bench-saturation-")), "state.db"),
  });
  const chat = (content: string) =>
    post(`${server.url}/v1/chat/completions`, {
      model: "auto",
      messages: [{ role: "user", content }],
    });
  const writer = async () =>
    ((await (await fetch(`${server.url}/ready`)).json()) as { log_writer: string }).log_writer;
  for (let index = 0; index < 50; index += 1) await chat("where is my parcel");
  await new Promise((resolve) => setTimeout(resolve, 300));
  const writerBefore = await writer();
  const hogs = Array.from({ length: hogCount }, () =>
    spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }),
  );
  const latenciesMs: number[] = [];
  let failed = 0;
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let index = 0; index < requests; index += 1) {
      const answer = await chat(`where is my parcel ${index}`);
      const startedAt = performance.now();
      const feedback = await post(`${server.url}/v1/feedback`, {
        request_id: answer.json.modelscout?.request_id,
        rating: 1,
      });
      latenciesMs.push(performance.now() - startedAt);
      if (feedback.status !== 200) failed += 1;
    }
  } finally {
    for (const hog of hogs) hog.kill();
  }
  const writerAfter = await writer();
  await server.close();
  latenciesMs.sort((a, b) => a - b);
  return {
    priority,
    writerBefore,
    writerAfter,
    failed,
    feedbackP50Ms: percentile(latenciesMs, 0.5),
    feedbackP90Ms: percentile(latenciesMs, 0.9),
    feedbackMaxMs: latenciesMs.at(-1) ?? Number.NaN,
  };
}

const results = [await measure("idle"), await measure("normal")];
console.log("| writer | before -> after | failed | feedback p50 ms | p90 ms | max ms |");
console.log("|---|---|---:|---:|---:|---:|");
for (const row of results) {
  console.log(
    `| ${row.priority} | ${row.writerBefore} -> ${row.writerAfter} | ${row.failed} | ${row.feedbackP50Ms.toFixed(1)} | ${row.feedbackP90Ms.toFixed(1)} | ${row.feedbackMaxMs.toFixed(1)} |`,
  );
}
writeFileSync(
  fileURLToPath(new URL("./results/log-writer-saturation.json", import.meta.url)),
  `${JSON.stringify(
    {
      benchmark: "log-writer-saturation",
      command: `npx tsx bench/log-writer-saturation.ts --requests ${requests} --hogs ${hogCount}`,
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      results,
    },
    null,
    2,
  )}\n`,
);
process.exit(0);
