/**
 * The detectors that try their expression only where a match can start (the email one before
 * each `@`, the IPv6 one before each `:`, the digit-led ones just before each run of digits;
 * `personal-data-detectors.ts`) against trying it at every position (`findEverywhere`), on
 * texts of 20,000 characters where those characters are rare or dense: English prose, JSON, a
 * list of addresses, a real CLINC150 text. What one try costs against a character of V8's own
 * scan sets each detector's `charactersPerStart`, past which `find` scans everywhere. The
 * digit-led detectors share one list of the text's runs of digits, kept for the last text, so
 * their `find` here, called on the same text again and again, leaves out finding the runs
 * (`log-text-redaction.ts` times the whole redactor).
 *
 *   npx tsx bench/redaction-starts.ts [--chars 20000] [--calls 100]
 *
 * Prints, per detector and text: the starts listed, microseconds per call of `find` and of
 * `findEverywhere` (median of 5 loops of `--calls` calls, after a warm-up), and, with every
 * start tried (the fallback turned off), nanoseconds per start against nanoseconds per
 * character scanned. Writes bench/results/redaction-starts.json.
 */
import { parseArgs } from "node:util";
import { loadClinc150 } from "../src/onnx-build/offline-training-data.js";
import {
  PERSONAL_DATA_DETECTORS,
  type PersonalDataDetector,
} from "../src/privacy/personal-data-detectors.js";
import { writeBenchResult } from "./bench-result.js";
import { medianMicrosPerCall } from "./time-calls.js";

const { values } = parseArgs({
  options: {
    chars: { type: "string", default: "20000" },
    calls: { type: "string", default: "100" },
  },
});
const chars = Number(values.chars);
const calls = Number(values.calls);

const repeat = (unit: string) => unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
const clinc = await loadClinc150();
const texts: Record<string, string> = {
  "CLINC150 queries": clinc.train.texts.join(". ").slice(0, chars),
  "prose, a colon a sentence": repeat("where is my parcel, it was due yesterday; note: call me. "),
  "support thread": repeat(
    "customer 7: write to ann.7@example.com or call (415) 555-2671. where is my parcel. ",
  ),
  JSON: repeat('{"id": 12, "name": "ann", "tags": ["a", "b"], "at": "12:30:45"}, '),
  "addresses, one in 17 characters": repeat("ann@example.com, "),
};

/** Median microseconds per call of `run` on `text` (`medianMicrosPerCall`, at least 10 of warm-up). */
function time(run: PersonalDataDetector["find"], text: string): number {
  const count = () => {};
  return medianMicrosPerCall(() => run(text, count), calls, 10);
}

const rows: Record<string, unknown>[] = [];
for (const detector of PERSONAL_DATA_DETECTORS) {
  const { findEverywhere: everywhere, listStarts, findAt } = detector;
  if (everywhere === undefined || listStarts === undefined || findAt === undefined) continue;
  for (const [name, text] of Object.entries(texts)) {
    const every = listStarts(text) ?? [];
    const listed = every.length;
    const row = {
      detector: detector.name,
      text: name,
      chars: text.length,
      starts: listed,
      findMicros: time(detector.find, text),
      everywhereMicros: time(everywhere, text),
      everyStartMicros: time((input, found) => findAt(input, every, found), text),
    };
    rows.push(row);
    const perStart = listed === 0 ? "" : ((row.everyStartMicros * 1000) / listed).toFixed(0);
    console.log(
      `| ${detector.name} | ${name} | ${listed} | ${row.findMicros.toFixed(1)} | ${row.everywhereMicros.toFixed(1)} | ${row.everyStartMicros.toFixed(1)} | ${perStart} | ${((row.everywhereMicros * 1000) / text.length).toFixed(1)} |`,
    );
  }
}
writeBenchResult(
  "redaction-starts",
  `npx tsx bench/redaction-starts.ts --chars ${chars} --calls ${calls}`,
  {
    columns:
      "detector | text | starts | find us | everywhere us | every start tried us | ns per start | ns per character everywhere",
    rows,
  },
);
