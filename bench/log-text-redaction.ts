/**
 * What the request log's redaction of one text costs as the text grows (ADR 0044): the whole
 * text redacted, then clipped to `log_text_chars` (what the log did until 2026-12-01, and still
 * does for a redaction hook without `prefix`), against `createPrefixRedactor`, which reads
 * only about `1.25 * keep + PREFIX_MARGIN` characters. Three kinds of text: real CLINC150
 * queries joined (few digits, no `@`, so most detectors are skipped), the support thread the
 * router benchmarks send with `--message-chars` (an email address and a phone number every
 * 1,000 characters, so every detector runs) and an order table (dates, order numbers and
 * prices: a run of digits every few characters).
 *
 *   npx tsx bench/log-text-redaction.ts [--keep 2000] [--sizes 2000,20000,200000] [--calls 200]
 *
 * Per text and size: microseconds per call, the median of 5 timed loops of `--calls` calls
 * each after a warm-up, both redactors checked to give the same text. Writes
 * bench/results/log-text-redaction.json.
 */
import { parseArgs } from "node:util";
import { loadClinc150 } from "../src/onnx-build/offline-training-data.js";
import {
  createPrefixRedactor,
  createTextRedactor,
  warmRedactor,
} from "../src/privacy/redact-personal-data.js";
import { writeBenchResult } from "./bench-result.js";
import { chatBody } from "./router-roles.js";
import { medianMicrosPerCall } from "./time-calls.js";

const { values } = parseArgs({
  options: {
    keep: { type: "string", default: "2000" },
    sizes: { type: "string", default: "2000,20000,200000" },
    calls: { type: "string", default: "200" },
  },
});
const keep = Number(values.keep);
const sizes = (values.sizes ?? "").split(",").map(Number);
const calls = Number(values.calls);

const whole = createTextRedactor();
warmRedactor(whole);
const prefix = createPrefixRedactor();

const clinc = await loadClinc150();
const queries = [...clinc.train.texts, ...clinc.heldOut.texts];
function clincText(length: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let index = 0; size < length; index += 1) {
    const line = `${queries[index % queries.length]}. `;
    parts.push(line);
    size += line.length;
  }
  return parts.join("").slice(0, length);
}
const supportThread = (length: number): string =>
  JSON.parse(chatBody("x", length)).messages[0].content as string;

/** Rows of dates, order numbers and prices: a run of digits every few characters. */
const orderTable = (length: number): string => {
  const rows: string[] = [];
  let size = 0;
  for (let row = 0; size < length; row += 1) {
    const line = `2024-01-${10 + (row % 20)} | order 2024011512${row % 100} | ${row % 7} items | ¥1,${row % 1000}.00 | shipped\n`;
    rows.push(line);
    size += line.length;
  }
  return rows.join("").slice(0, length);
};

/** Median microseconds per call of `run` (`medianMicrosPerCall`, at least 20 calls of warm-up). */
const time = (run: () => string): number => medianMicrosPerCall(run, calls, 20);

const rows: { text: string; chars: number; wholeMicros: number; prefixMicros: number }[] = [];
for (const [name, make] of [
  ["CLINC150 queries", clincText],
  ["support thread (chatBody)", supportThread],
  ["order table", orderTable],
] as const) {
  for (const chars of sizes) {
    const text = make(chars);
    const expected = whole(text).slice(0, keep);
    if (prefix(text, keep) !== expected) throw new Error(`${name}, ${chars}: the redactors differ`);
    const row = {
      text: name,
      chars,
      wholeMicros: time(() => whole(text).slice(0, keep)),
      prefixMicros: time(() => prefix(text, keep)),
    };
    rows.push(row);
    console.log(
      `| ${name} | ${chars} | ${row.wholeMicros.toFixed(1)} | ${row.prefixMicros.toFixed(1)} |`,
    );
  }
}
writeBenchResult(
  "log-text-redaction",
  `npx tsx bench/log-text-redaction.ts --keep ${keep} --sizes ${sizes.join(",")} --calls ${calls}`,
  {
    rows,
  },
);
