/**
 * Benchmark (counts, not time): how often a sentence of the real Chinese reviews begins with
 * a known internationalised top-level domain (`中国`, `手机`, `我爱你`...), right after `。`,
 * `．` or `｡`. After a mention (`谢谢@小明。`) such a sentence reads as an address's last
 * label, and the email detector takes it for one only when the word is whole, is no
 * utterance (`我爱你`, `みんな`) and heads no list or label (ADR 0078, second addendum). Counts
 * each sentence start by what follows the word: more of a word, `、` or a colon, or anything
 * else (the ones an address would be read in).
 *
 *   npx tsx bench/redaction-sentence-tlds.ts
 *
 * Prints a table per top-level domain found; writes bench/results/redaction-sentence-tlds.json.
 */
import { writeFileSync } from "node:fs";
import { INTERNATIONALIZED_TLDS } from "../src/privacy/internationalized-tlds.js";
import { loadRedactionCorpora } from "./redaction-corpora.js";

const { chinese } = await loadRedactionCorpora();
const longest = Math.max(...[...INTERNATIONALIZED_TLDS].map((tld) => tld.length));

type Follower = "word goes on" | "list or label" | "other";
const counts = new Map<string, Record<Follower, number>>();
const examples = new Map<string, string[]>();
let sentenceDots = 0;
for (const line of chinese) {
  for (const dot of line.matchAll(/[。．｡]/gu)) {
    sentenceDots += 1;
    const after = (dot.index as number) + 1;
    for (let length = longest; length >= 2; length -= 1) {
      const word = line.slice(after, after + length);
      if (word.length < length || !INTERNATIONALIZED_TLDS.has(word)) continue;
      const next = line.slice(after + length, after + length + 1);
      const follower: Follower = /^[\p{L}\p{M}\p{N}_-]/u.test(next)
        ? "word goes on"
        : /^[、：:]/u.test(next)
          ? "list or label"
          : "other";
      const count = counts.get(word) ?? { "word goes on": 0, "list or label": 0, other: 0 };
      count[follower] += 1;
      counts.set(word, count);
      if (follower !== "word goes on") {
        const shown = examples.get(word) ?? [];
        if (shown.length < 3) shown.push(line.slice(Math.max(0, after - 12), after + length + 8));
        examples.set(word, shown);
      }
      break;
    }
  }
}

const rows = [...counts]
  .map(([tld, count]) => ({ tld, ...count, examples: examples.get(tld) ?? [] }))
  .sort((a, b) => b.other + b["list or label"] - (a.other + a["list or label"]));
console.log(
  `${chinese.length} real Chinese lines, ${sentenceDots} 。/．/｡; sentences after one that begin with a known TLD:`,
);
console.log("tld           word goes on  list or label  other  (examples of the last two)");
for (const row of rows) {
  console.log(
    `${row.tld.padEnd(12)} ${String(row["word goes on"]).padStart(13)} ${String(row["list or label"]).padStart(14)} ${String(row.other).padStart(6)}  ${row.examples.join(" | ")}`,
  );
}
const totals = {
  "word goes on": rows.reduce((sum, row) => sum + row["word goes on"], 0),
  "list or label": rows.reduce((sum, row) => sum + row["list or label"], 0),
  other: rows.reduce((sum, row) => sum + row.other, 0),
};
console.log(
  `${"all".padEnd(12)} ${String(totals["word goes on"]).padStart(13)} ${String(totals["list or label"]).padStart(14)} ${String(totals.other).padStart(6)}`,
);
writeFileSync(
  "bench/results/redaction-sentence-tlds.json",
  `${JSON.stringify({ lines: chinese.length, sentenceDots, totals, rows }, null, 2)}\n`,
);
