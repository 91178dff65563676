/**
 * Benchmark: what the server's handling of a sound or an image costs before any model runs
 * (ADR 0026): the media type from the first bytes, WAV to mono samples, and resampling to
 * the 16 kHz speech models take, for recordings as clients send them.
 *
 *   npx tsx bench/media-inputs.ts [--seconds 30] [--repeats 5]
 *
 * The recordings are `--seconds` long: a mix of tones and seeded noise (decoding and
 * resampling cost the same whatever the sound), 16-bit PCM at 16, 44.1 and 48 kHz, mono and
 * stereo, plus 32-bit float at 48 kHz. Each step is timed on its own, best of `--repeats`
 * runs after one warm-up. Prints a table and writes bench/results/media-inputs.json.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { decodeWav } from "../src/media/decode-wav.js";
import { resampleAudio } from "../src/media/resample-audio.js";
import { sniffMediaType } from "../src/media/sniff-media-type.js";
import { seededRandom } from "../src/select/strategies/seeded-random.js";
import { buildWav, type WavSpec } from "../test/media/wav-fixtures.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "30" },
    repeats: { type: "string", default: "5" },
  },
});
const seconds = Number(values.seconds);
const repeats = Number(values.repeats);

function recording(rateHz: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const samples = new Float32Array(Math.round(rateHz * seconds));
  for (let index = 0; index < samples.length; index += 1) {
    const t = index / rateHz;
    samples[index] =
      0.3 * Math.sin(2 * Math.PI * 220 * t) +
      0.2 * Math.sin(2 * Math.PI * 1300 * t) +
      0.1 * (random.next() * 2 - 1);
  }
  return samples;
}

/** Best wall time of `repeats` runs after a warm-up, in ms. */
function bestMs(run: () => unknown): number {
  run();
  let best = Number.POSITIVE_INFINITY;
  for (let index = 0; index < repeats; index += 1) {
    const startedAt = performance.now();
    run();
    best = Math.min(best, performance.now() - startedAt);
  }
  return best;
}

const cases: { name: string; rateHz: number; channels: number; encoding: WavSpec["encoding"] }[] = [
  { name: "16 kHz mono pcm16", rateHz: 16_000, channels: 1, encoding: "pcm16" },
  { name: "44.1 kHz stereo pcm16", rateHz: 44_100, channels: 2, encoding: "pcm16" },
  { name: "48 kHz mono pcm16", rateHz: 48_000, channels: 1, encoding: "pcm16" },
  { name: "48 kHz stereo float32", rateHz: 48_000, channels: 2, encoding: "float32" },
];

const rows = cases.map((entry) => {
  const channels = Array.from({ length: entry.channels }, (_, index) =>
    recording(entry.rateHz, index + 1),
  );
  const wav = buildWav({ channels, samplingRateHz: entry.rateHz, encoding: entry.encoding });
  const decoded = decodeWav(wav);
  const sniffMs = bestMs(() => sniffMediaType(wav));
  const decodeMs = bestMs(() => decodeWav(wav));
  const resampleMs =
    entry.rateHz === 16_000
      ? 0
      : bestMs(() => resampleAudio(decoded.samples, entry.rateHz, 16_000));
  return {
    recording: entry.name,
    seconds,
    wavBytes: wav.byteLength,
    sniffMs,
    decodeMs,
    resampleTo16kMs: resampleMs,
    totalMs: sniffMs + decodeMs + resampleMs,
    realTimeFactor: (sniffMs + decodeMs + resampleMs) / 1000 / seconds,
  };
});

console.log(
  "| recording | WAV MB | sniff ms | decode ms | resample to 16 kHz ms | total ms | x real time |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const row of rows) {
  console.log(
    `| ${row.recording}, ${seconds} s | ${(row.wavBytes / 1048576).toFixed(1)} | ${row.sniffMs.toFixed(3)} | ${row.decodeMs.toFixed(1)} | ${row.resampleTo16kMs.toFixed(1)} | ${row.totalMs.toFixed(1)} | ${row.realTimeFactor.toFixed(4)} |`,
  );
}
writeFileSync(
  new URL("./results/media-inputs.json", import.meta.url),
  `${JSON.stringify(
    {
      benchmark: "media-inputs",
      command: `npx tsx bench/media-inputs.ts --seconds ${seconds} --repeats ${repeats}`,
      date: new Date().toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model,
      rows,
    },
    null,
    2,
  )}\n`,
);
