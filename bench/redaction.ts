import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createRedactor, findPersonalData } from "../src/privacy/redact-personal-data.js";
import { seededRandom } from "../src/select/strategies/seeded-random.js";
import { loadRedactionCorpora } from "./redaction-corpora.js";

const { values } = parseArgs({
  options: { passes: { type: "string", default: "5" }, show: { type: "boolean", default: false } },
});
const passes = Number(values.passes);

const { chinese, english } = await loadRedactionCorpora();

const random = seededRandom(7).next;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const personalData = [
  "联系电话13812345678",
  "手机 139-1234-5678",
  "座机010-62345678",
  "邮箱 zhang.san@example.com",
  "身份证11010519491231002X",
  "卡号6222 0212 3456 7890 128",
  "call +44 20 7946 0958",
  "(415) 555-2671",
  "card 4111-1111-1111-1111",
  "SSN 123-45-6789",
  "IBAN DE89 3704 0044 0532 0130 00",
  "from 203.0.113.42",
  "订单号202401151234567890", // near miss: must stay
  "2024-01-15 12:30:45 ¥1,380.00", // near miss: must stay
];
const tickets = [...chinese.slice(0, 20_000), ...english.slice(0, 10_000)].map((line) =>
  random() < 0.2 ? `${line} ${pick(personalData)}，${pick(personalData)}` : line,
);

const corpora = [
  { name: "zh reviews (real)", lines: chinese },
  { name: "en reviews + queries (real)", lines: english },
  { name: "tickets (real + 20% with PII)", lines: tickets },
];

const redact = createRedactor();
const rows = corpora.map(({ name, lines }) => {
  const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line, "utf8"), 0);
  const seconds: number[] = [];
  let redactions = 0;
  for (let pass = 0; pass < passes + 1; pass += 1) {
    const started = performance.now();
    let found = 0;
    for (const line of lines) found += redact(line).total;
    const elapsed = (performance.now() - started) / 1000;
    if (pass > 0) seconds.push(elapsed); // pass 0 warms up the JIT
    redactions = found;
  }
  seconds.sort((a, b) => a - b);
  const median = seconds[Math.floor(seconds.length / 2)] as number;
  return {
    corpus: name,
    lines: lines.length,
    megabytes: bytes / 1e6,
    redactions,
    medianSeconds: median,
    megabytesPerSecond: bytes / 1e6 / median,
    linesPerSecond: lines.length / median,
  };
});

const findings: Record<string, Record<string, number>> = {};
for (const { name, lines } of corpora.slice(0, 2)) {
  const perDetector: Record<string, number> = {};
  for (const line of lines) {
    for (const span of findPersonalData(line)) {
      perDetector[span.detector] = (perDetector[span.detector] ?? 0) + 1;
      if (values.show)
        console.log(`${span.detector}\t${line.slice(Math.max(0, span.start - 15), span.end + 8)}`);
    }
  }
  findings[name] = perDetector;
}

console.log(`redaction, ${passes} passes (median), one call per line, Node ${process.version}`);
console.log("corpus                          lines      MB   redactions   MB/s   lines/s");
for (const row of rows) {
  console.log(
    `${row.corpus.padEnd(30)} ${String(row.lines).padStart(7)} ${row.megabytes.toFixed(2).padStart(7)} ${String(row.redactions).padStart(12)} ${row.megabytesPerSecond.toFixed(1).padStart(6)} ${Math.round(row.linesPerSecond).toLocaleString("en").padStart(9)}`,
  );
}
console.log("findings on the real corpora, per detector:", JSON.stringify(findings));

writeFileSync(
  "bench/results/redaction.json",
  `${JSON.stringify({ command: process.argv.slice(2), node: process.version, passes, rows, findings }, null, 2)}\n`,
);
