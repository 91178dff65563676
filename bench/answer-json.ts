/**
 * Benchmark: the three texts the routing server writes per proxied chat completion, each
 * against the `JSON.stringify` way it replaced on 2026-12-01 (issue 5, ADR 0038):
 * - `record`: a request-log row into its shared-memory batch (`RecordBatch.append`), against
 *   `JSON.stringify` of the row's values written to a buffer with the decision, as records
 *   were;
 * - `decision`: `decisionJson`, against `JSON.stringify(decisionBody(decision))`;
 * - `answer`: `chatCompletionJson` of a text answer, against the body object made and
 *   written by `withModelscout` (`JSON.stringify` of the object).
 *
 *   npx tsx bench/answer-json.ts [--ops 300000] [--rounds 8]
 *
 * Each text is written into a buffer, as the server does, so flattening a concatenated
 * string is counted. The two ways take turns round by round (the first two rounds are
 * warm-up), and each round's nanoseconds per text are printed. Runs `src/` as `tsx` compiles
 * it. Writes bench/results/answer-json.json.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type ColumnValue, RecordBatch } from "../src/route/request-log-records.js";
import type { RoutingDecision } from "../src/route/routing-decision.js";
import {
  type ChatCompletionFields,
  chatCompletionBody,
  chatCompletionJson,
} from "../src/server/chat-completion-body.js";
import { decisionBody, decisionJson, withModelscout } from "../src/server/decision-wire.js";

const { values } = parseArgs({
  options: {
    ops: { type: "string", default: "300000" },
    rounds: { type: "string", default: "8" },
  },
});
const ops = Number(values.ops);
const rounds = Number(values.rounds);
const WARM_ROUNDS = 2;

/** A proxied request's decision, as the benchmark routers make it (`loadgen/router-server.mjs`). */
function decision(index: number): RoutingDecision {
  return {
    requestId: `req_0193a1b2c3d4e5f6a7b8c9d0e1f${index % 1000}`,
    task: "text-generation",
    requested: "proxy",
    route: "proxy",
    model: "echo-server",
    reason: "route proxy (requested by name); model echo-server: fixed",
    policy: "fixed",
    explored: false,
    order: ["echo-server"],
    classification: null,
    attempts: [{ model: "echo-server", outcome: "ok", latencyMs: 2.938 + index * 1e-6 }],
    domain: null,
  };
}

const MESSAGE = "where is my parcel, it was due yesterday";
const DECISION_JSON = decisionJson(decision(0));

/** A row's values but the decision, in the request log's column order. */
function row(index: number): ColumnValue[] {
  return [
    `req_0193a1b2c3d4e5f6a7b8c9d0e1f${index % 1000}`,
    "2026-12-01T02:00:17.123Z",
    "chat.completions",
    "text-generation",
    "proxy",
    "proxy",
    "echo-server",
    "route proxy (requested by name); model echo-server: fixed",
    200,
    3.1234 + index * 1e-6,
    2.938,
    null,
    null,
    MESSAGE,
    MESSAGE,
    null,
  ];
}

function fields(index: number): ChatCompletionFields {
  return {
    id: `chatcmpl-req_0193a1b2c3d4e5f6a7b8c9d0e1f${index % 1000}`,
    created: 1796090417,
    model: "echo-server",
    answer: { kind: "text", text: MESSAGE, finishReason: "stop" },
  };
}

const out = Buffer.alloc(64 * 1024);
const batch = new RecordBatch(4 * 1024 * 1024);
let oldAt = 0;

type Way = (index: number) => void;

const CASES: { name: string; now: Way; before: Way }[] = [
  {
    name: "record",
    now: (index) => {
      batch.append(row(index), DECISION_JSON);
      if (batch.byteLength > 1_000_000) batch.reset();
    },
    before: (index) => {
      // As records were: the values' JSON, then the decision, each written as UTF-8.
      const head = JSON.stringify(row(index));
      oldAt += out.write(head, 8 + oldAt);
      oldAt += out.write(DECISION_JSON, 8 + oldAt);
      out.writeUInt32LE(head.length, 0);
      if (oldAt > 32 * 1024) oldAt = 0;
    },
  },
  {
    name: "decision",
    now: (index) => out.write(decisionJson(decision(index)), 0),
    before: (index) => out.write(JSON.stringify(decisionBody(decision(index))), 0),
  },
  {
    name: "answer",
    now: (index) => out.write(chatCompletionJson(fields(index), DECISION_JSON), 0),
    before: (index) =>
      out.write(withModelscout(chatCompletionBody(fields(index)), DECISION_JSON), 0),
  },
];

function time(way: Way): number {
  const started = process.hrtime.bigint();
  for (let index = 0; index < ops; index += 1) way(index);
  return Number(process.hrtime.bigint() - started) / ops;
}

const results = [];
for (const { name, now, before } of CASES) {
  const runs = { now: [] as number[], before: [] as number[] };
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? (["before", "now"] as const) : (["now", "before"] as const);
    for (const way of order) {
      const nanoseconds = time(way === "now" ? now : before);
      if (round >= WARM_ROUNDS) runs[way].push(Math.round(nanoseconds));
    }
  }
  results.push({ name, nanosecondsPerText: runs });
  console.log(
    `${name}: JSON.stringify way ${runs.before.join(" ")} ns; now ${runs.now.join(" ")} ns`,
  );
}
writeFileSync(
  fileURLToPath(new URL("./results/answer-json.json", import.meta.url)),
  `${JSON.stringify(
    {
      benchmark: "answer-json",
      command: `npx tsx bench/answer-json.ts --ops ${ops} --rounds ${rounds}`,
      date: new Date().toISOString(),
      node: process.version,
      results,
    },
    null,
    2,
  )}\n`,
);
