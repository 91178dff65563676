/**
 * Benchmark: how long a new redactor's first calls take, cold (`createRedactor`) and as the
 * routing server makes it (`redactPersonalText`, which runs `warmRedactor`). V8 compiles each detector's regular
 * expressions on their first runs, per kind of string, so the first requests a server logs
 * would hold up its event loop for that.
 *
 *   npx tsx bench/redaction-first-calls.ts [--runs 3]
 *
 * Each run is a new Node.js process (`--child cold` or `--child warm`), taking turns; it
 * times its first calls on texts unlike the warm-up texts (a plain question, a Chinese one
 * with an order number, then texts with an email and phones, in both kinds of string) and
 * prints them in milliseconds, after the time the redactor took to make (the warm-up's cost
 * at start). Writes bench/results/redaction-first-calls.json.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createRedactor } from "../src/privacy/redact-personal-data.js";
import { redactPersonalText } from "../src/server/create-routing-app.js";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "3" }, child: { type: "string" } },
});

const TEXTS = [
  "where is my parcel, it was due yesterday",
  "我的包裹在哪里？订单号 20241201",
  "please call me on (212) 555-0199 or write to sam@example.org",
  "我的手机是13912345678，邮箱 li.si@example.cn",
  "where is my parcel, it was due on Monday",
];

if (values.child !== undefined) {
  const setUp = performance.now();
  const cold = createRedactor();
  const redact = values.child === "warm" ? redactPersonalText() : (text: string) => cold(text).text;
  const setUpMs = Math.round((performance.now() - setUp) * 1000) / 1000;
  const times = TEXTS.map((text) => {
    const started = performance.now();
    redact(text, { field: "input", requestId: "req_1" });
    return Math.round((performance.now() - started) * 1000) / 1000;
  });
  process.stdout.write(JSON.stringify({ setUpMs, firstCallsMs: times }));
} else {
  const script = fileURLToPath(import.meta.url);
  const tsx = fileURLToPath(new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url));
  const results: { mode: string; setUpMs: number; firstCallsMs: number[] }[] = [];
  for (let run = 0; run < Number(values.runs); run += 1) {
    for (const mode of ["cold", "warm"]) {
      const output = execFileSync(process.execPath, [tsx, script, "--child", mode], {
        encoding: "utf8",
      });
      const { setUpMs, firstCallsMs } = JSON.parse(output) as {
        setUpMs: number;
        firstCallsMs: number[];
      };
      results.push({ mode, setUpMs, firstCallsMs });
      console.log(
        `${mode}: set-up ${setUpMs.toFixed(3)} ms; first calls ${firstCallsMs.map((ms) => ms.toFixed(3)).join(" ")} ms`,
      );
    }
  }
  writeFileSync(
    fileURLToPath(new URL("./results/redaction-first-calls.json", import.meta.url)),
    `${JSON.stringify(
      {
        benchmark: "redaction-first-calls",
        command: `npx tsx bench/redaction-first-calls.ts --runs ${values.runs}`,
        date: new Date().toISOString(),
        node: process.version,
        texts: TEXTS,
        results,
      },
      null,
      2,
    )}\n`,
  );
}
