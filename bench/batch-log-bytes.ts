/**
 * Benchmark: what the request log stores for a `/v1/tasks` batch (ADR 0081, addenda 2 and 3):
 * rows and decision bytes per batch, for batches split over routes and batches answered as
 * one, at several sizes, through the real server (Node listener, in-memory state, the log's
 * writer thread).
 *
 *   npx tsx bench/batch-log-bytes.ts [--sizes 8,32,128]
 *
 * Three routes chosen by keyword rules (no model reads the texts), each answered by an echo
 * desk, so what is stored depends only on the batch's shape: a split batch cycles through
 * one text per route, a one-route batch repeats delivery questions. Each batch is sent once
 * after one of each shape not counted; the figures are the sums over its rows of
 * `length(decision)` in SQLite (characters: the JSON is ASCII here, so bytes) and the
 * largest row. Prints a table and writes bench/results/batch-log-bytes.json.
 */
import { parseArgs } from "node:util";
import { parseRoutesConfig } from "../src/route/routes-config.js";
import { startRoutingServer } from "../src/server/start-routing-server.js";
import { writeBenchResult } from "./bench-result.js";

const { values } = parseArgs({ options: { sizes: { type: "string", default: "8,32,128" } } });
const sizes = (values.sizes ?? "8,32,128").split(",").map(Number);

const ROUTES = ["delivery", "complaint", "product"] as const;
const TEXTS: Record<(typeof ROUTES)[number], string> = {
  delivery: "where is my parcel, it was due on Monday?",
  complaint: "I want a refund, the kettle broke after a week",
  product: "does the blender come with a spare jug?",
};

const server = await startRoutingServer({
  config: parseRoutesConfig({
    default_route: "product",
    classification: [
      {
        kind: "rules",
        rules: [
          { route: "delivery", keywords: ["parcel"] },
          { route: "complaint", keywords: ["refund"] },
          { route: "product", keywords: ["blender"] },
        ],
      },
    ],
    models: ROUTES.map((route) => ({
      id: `echo:${route}-desk`,
      kind: "echo",
      template: `[${route}] {{input}}`,
    })),
    routes: ROUTES.map((route) => ({
      name: route,
      targets: { "text-generation": { policy: "fixed", candidates: [`echo:${route}-desk`] } },
    })),
  }),
  port: 0,
  databasePath: ":memory:",
});

async function send(inputs: string[]): Promise<string> {
  const response = await fetch(`${server.url}/v1/tasks/text-generation`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ inputs }),
  });
  const body = (await response.json()) as { modelscout: { request_id: string } };
  if (response.status !== 200) throw new Error(`batch failed: ${JSON.stringify(body)}`);
  return body.modelscout.request_id;
}

/** The rows logged since `rowid`, their decisions' total and largest length. */
function stored(afterRowid: number): { rows: number; bytes: number; largest: number } {
  server.store.flush();
  return server.database
    .prepare(
      "SELECT count(*) AS rows, coalesce(sum(length(decision)), 0) AS bytes, coalesce(max(length(decision)), 0) AS largest FROM routing_requests WHERE rowid > ?",
    )
    .get(afterRowid) as { rows: number; bytes: number; largest: number };
}

function lastRowid(): number {
  server.store.flush();
  const row = server.database.prepare("SELECT max(rowid) AS last FROM routing_requests").get() as {
    last: number | null;
  };
  return row.last ?? 0;
}

const shapes = {
  "split over 3 routes": (size: number) =>
    Array.from({ length: size }, (_, index) => TEXTS[ROUTES[index % 3] as (typeof ROUTES)[number]]),
  "one route": (size: number) => Array.from({ length: size }, () => TEXTS.delivery),
};

const results: {
  shape: string;
  size: number;
  rows: number;
  decisionBytes: number;
  bytesPerRow: number;
  largestRow: number;
}[] = [];
try {
  for (const make of Object.values(shapes)) await send(make(4));
  for (const size of sizes) {
    for (const [shape, make] of Object.entries(shapes)) {
      const before = lastRowid();
      await send(make(size));
      const { rows, bytes, largest } = stored(before);
      results.push({
        shape,
        size,
        rows,
        decisionBytes: bytes,
        bytesPerRow: Math.round(bytes / rows),
        largestRow: largest,
      });
    }
  }
} finally {
  await server.close();
}

console.log("| batch | inputs | rows | decision bytes | per row | largest row |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const result of results) {
  console.log(
    `| ${result.shape} | ${result.size} | ${result.rows} | ${result.decisionBytes.toLocaleString("en")} | ${result.bytesPerRow.toLocaleString("en")} | ${result.largestRow.toLocaleString("en")} |`,
  );
}
writeBenchResult("batch-log-bytes", `npx tsx bench/batch-log-bytes.ts --sizes ${sizes.join(",")}`, {
  results,
});
