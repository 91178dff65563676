/**
 * Benchmark: this checkout's redactor against another build's, in one process, on the real
 * corpora of `redaction.ts` and on real Chinese lines with two email addresses appended: ones
 * both builds are meant to find alike, and, with `--addresses`, others of the caller's.
 *
 *   npx tsx bench/redaction-against.ts --base <git ref> [--rounds 12] [--addresses "a,b"]
 *
 * `redaction.ts` times one build per process with the wall clock, and on a shared machine its
 * MB/s fell by half between a run of one build and a run of the next on lines where nothing
 * had changed (2026-12-04: 133.1 and 56.3 on the English lines, load average 2.5 and 9).
 * Here the two builds take turns pass by pass (every
 * other round in the reverse order), each pass is timed in CPU time (`process.cpuUsage`: what
 * other processes take of the CPUs is not counted), and the fastest round of each is kept.
 * The base is checked out in a temporary worktree and its sources imported (tsx), not built.
 * Prints MB/s (UTF-8 bytes in) per corpus and build, and the difference per line; then, per
 * corpus, how many lines the two builds redact differently, and the first `--show` of them
 * (default 20) as base, then changed; writes bench/results/redaction-against.json, with every
 * differing line of the real corpora.
 *
 * One corpus puts a mention (`@小明`) before every `。` after a Chinese letter in the real
 * Chinese lines, as Weibo-style text in the reviews does (`正常人一定要远离@东方航空。`): each
 * next sentence then reads as a domain's last label, and a line redacted there holds a
 * mention taken for an address.
 *
 *   npx tsx bench/redaction-against.ts --base <git ref> [--rounds 12] [--addresses "a,b"] [--show 20]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createRedactor } from "../src/privacy/redact-personal-data.js";
import { seededRandom } from "../src/select/strategies/seeded-random.js";
import { loadRedactionCorpora } from "./redaction-corpora.js";

const { values } = parseArgs({
  options: {
    base: { type: "string" },
    rounds: { type: "string", default: "12" },
    addresses: { type: "string" },
    show: { type: "string", default: "20" },
  },
});
if (values.base === undefined) {
  throw new Error("redaction-against: --base <git ref> is required (e.g. --base main)");
}
const rounds = Number(values.rounds);

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const tree = join(mkdtempSync(join(tmpdir(), "redaction-against-")), "base");
execFileSync("git", ["worktree", "add", "--detach", tree, values.base], {
  cwd: ROOT,
  stdio: "ignore",
});
type Redact = (text: string) => { text: string };
let baseRedact: Redact;
try {
  symlinkSync(join(ROOT, "node_modules"), join(tree, "node_modules"));
  const module = (await import(join(tree, "src/privacy/redact-personal-data.ts"))) as {
    createRedactor: () => Redact;
  };
  baseRedact = module.createRedactor();
} finally {
  // The imported sources stay loaded; the worktree is not needed past the import.
  execFileSync("git", ["worktree", "remove", "--force", tree], { cwd: ROOT, stdio: "ignore" });
  rmSync(join(tree, ".."), { recursive: true, force: true });
}
const changedRedact: Redact = createRedactor();

const { chinese, english } = await loadRedactionCorpora();

const random = seededRandom(7).next;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const withTwo = (addresses: readonly string[]) =>
  chinese.slice(0, 20_000).map((line) => `${line} ${pick(addresses)}，${pick(addresses)}`);
const alike = [
  "zhang.san@example.com",
  "邮箱：李四@例子.中国",
  "我的QQ邮箱是123456789@qq.com",
  "write to josé@correo.españa.es",
];
/**
 * The line with `@小明` before every `。` that follows a Chinese letter and comes before more
 * text; null if it has none.
 */
const withMentions = (line: string): string | null => {
  const mentioned = line.replace(/(?<=\p{scx=Han})(?=。.)/gu, "@小明");
  return mentioned === line ? null : mentioned;
};
const mentioned = chinese.map(withMentions).filter((line) => line !== null);
const corpora: { name: string; real: boolean; lines: string[] }[] = [
  { name: "zh reviews (real)", real: true, lines: chinese },
  { name: "en reviews + queries (real)", real: true, lines: english },
  { name: "zh reviews, @小明 before each 。", real: true, lines: mentioned },
  { name: "zh + 2 addresses, ones found alike", real: false, lines: withTwo(alike) },
];
if (values.addresses !== undefined) {
  corpora.push({
    name: "zh + 2 of --addresses",
    real: false,
    lines: withTwo(values.addresses.split(",")),
  });
}

const builds: [string, Redact][] = [
  ["base", baseRedact],
  ["changed", changedRedact],
];
const fastestSeconds = corpora.map(() => ({
  base: Number.POSITIVE_INFINITY,
  changed: Number.POSITIVE_INFINITY,
}));
for (let round = 0; round < rounds + 1; round += 1) {
  corpora.forEach(({ lines }, index) => {
    for (const [build, redact] of round % 2 === 0 ? builds : [...builds].reverse()) {
      const started = process.cpuUsage();
      for (const line of lines) redact(line);
      const used = process.cpuUsage(started);
      // Round 0 warms up the JIT for both.
      if (round === 0) continue;
      const entry = fastestSeconds[index] as { base: number; changed: number };
      const seconds = (used.user + used.system) / 1e6;
      if (build === "base") entry.base = Math.min(entry.base, seconds);
      else entry.changed = Math.min(entry.changed, seconds);
    }
  });
}

const rows = corpora.map(({ name, lines }, index) => {
  const megabytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line, "utf8"), 0) / 1e6;
  const { base, changed } = fastestSeconds[index] as { base: number; changed: number };
  return {
    corpus: name,
    lines: lines.length,
    megabytes,
    baseMegabytesPerSecond: megabytes / base,
    changedMegabytesPerSecond: megabytes / changed,
    differencePerLineNs: ((changed - base) / lines.length) * 1e9,
  };
});

console.log(
  `redaction against ${values.base}, fastest of ${rounds} rounds in CPU time, Node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}`,
);
console.log("corpus                               lines      MB  base MB/s  changed MB/s  ns/line");
for (const row of rows) {
  console.log(
    `${row.corpus.padEnd(34)} ${String(row.lines).padStart(7)} ${row.megabytes.toFixed(2).padStart(7)} ${row.baseMegabytesPerSecond.toFixed(1).padStart(10)} ${row.changedMegabytesPerSecond.toFixed(1).padStart(13)} ${row.differencePerLineNs.toFixed(0).padStart(8)}`,
  );
}

const mentions = mentioned.reduce((sum, line) => sum + line.split("@小明").length - 1, 0);
console.log(`\n"zh reviews, @小明 before each 。" holds ${mentions} mentions.`);
const show = Number(values.show);
const differences = corpora.map(({ name, real, lines }) => {
  const differing: { base: string; changed: string }[] = [];
  for (const line of lines) {
    const base = baseRedact(line).text;
    const changed = changedRedact(line).text;
    if (base !== changed) differing.push({ base, changed });
  }
  console.log(`\n${name}: ${differing.length} of ${lines.length} lines redacted differently`);
  for (const { base, changed } of differing.slice(0, show)) {
    console.log(`  - ${base}\n  + ${changed}`);
  }
  return {
    corpus: name,
    lines: lines.length,
    differing: differing.length,
    ...(real && { differingLines: differing }),
  };
});
writeFileSync(
  "bench/results/redaction-against.json",
  `${JSON.stringify({ command: process.argv.slice(2), node: process.version, rounds, rows, mentions, differences }, null, 2)}\n`,
);
