/**
 * Selection on pictures: the sample data's input column holds paths to PNG and JPEG files,
 * and the candidates are probed for real through transformers.js (its `image-classification`
 * pipeline, its `ViTImageProcessor` resizing and cropping, ONNX Runtime). The two
 * candidates are the colour classifier built for the tests (`build-colour-classifier.ts`):
 * one looks at the whole picture, one at its centre. The labels name the colour of what is
 * in the middle of each picture, so the centre model is right on every one and the whole
 * model only on the plain pictures, not on a square drawn over a background of another colour.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpBackendProvider } from "../../src/backends/http/http-backend-provider.js";
import { npmBackendProvider } from "../../src/backends/npm/npm-backend-provider.js";
import { createTransformersBackend } from "../../src/backends/transformers-js/transformers-backend.js";
import { createTransformersBackendProvider } from "../../src/backends/transformers-js/transformers-backend-provider.js";
import type { CatalogStore } from "../../src/catalog/catalog-store.js";
import { toModelRecord } from "../../src/catalog/model-record.js";
import { NPM_MODELS } from "../../src/catalog/sources/npm-models.js";
import { openSqliteStore } from "../../src/catalog/sqlite/sqlite-store.js";
import { type MirrorServer, startMirrorServer } from "../../src/mirror/start-mirror-server.js";
import { buildColourClassifier } from "../../src/onnx-build/build-colour-classifier.js";
import { writeBuiltModel } from "../../src/onnx-build/built-model.js";
import { profileModel } from "../../src/profile/profile-model.js";
import { sampleInputs } from "../../src/profile/sample-inputs.js";
import { renderDecisionText } from "../../src/select/report/render-decision-text.js";
import { type RunSelectionOptions, runSelection } from "../../src/select/run-selection.js";
import { parseTaskSpec, type TaskSpecInput } from "../../src/select/task-spec.js";
import { buildWav, sine } from "../media/wav-fixtures.js";
import { type ColourName, drawPicture, type PictureOptions } from "../support/colour-pictures.js";
import { type FakeChatMessage, startFakeOpenAIServer } from "../support/fake-openai-server.js";
import { makeModel } from "../support/make-model.js";
import { renderLine } from "../support/render-text-line.js";

const WHOLE = "modelscout/colour-whole";
const OCR_FAST = "npm:@tesseract.js-data/eng/4.0.0_best_int";
const OCR_FULL = "npm:@tesseract.js-data/eng/4.0.0";
const CENTRE = "modelscout/colour-centre";

let folder: string;
let mirror: MirrorServer;
let catalog: CatalogStore;

const settings = () => ({
  remoteHost: `${mirror.url}/`,
  cacheDirectory: join(folder, "cache"),
  offline: false,
  revision: "main",
});

/** Plain pictures of each colour, then a square of one colour on each other background. */
const PICTURES: { name: string; label: ColourName; picture: PictureOptions }[] = [
  ...(["red", "green", "blue"] as const).flatMap((colour, index) => [
    {
      name: `plain-${colour}.png`,
      label: colour,
      picture: { width: 40 + 20 * index, height: 30, background: colour },
    },
    {
      name: `plain-${colour}.jpg`,
      label: colour,
      picture: { width: 64, height: 48 + 8 * index, background: colour, format: "jpeg" as const },
    },
  ]),
  ...(
    [
      ["red", "green"],
      ["green", "blue"],
      ["blue", "red"],
      ["red", "blue"],
      ["green", "red"],
      ["blue", "green"],
    ] as const
  ).map(([square, background], index) => ({
    name: `${square}-on-${background}.${index % 2 === 0 ? "png" : "jpg"}`,
    label: square,
    picture: {
      width: 100 - 10 * index,
      height: 60 + 4 * index,
      background,
      square,
      format: index % 2 === 0 ? ("png" as const) : ("jpeg" as const),
    },
  })),
];

/** Lines of a scanned invoice and delivery note, the reference text of each scan. */
const SCANNED_LINES = [
  "Invoice 2024-117: total due 1,250.00 EUR",
  "Deliver to 14 Harbour Street, Leith",
  "Order #88123 shipped on 3 March",
  "Refund requested for damaged parcel",
];

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "ms-image-select-"));
  await writeBuiltModel(join(folder, "repos"), buildColourClassifier({ id: WHOLE }));
  await writeBuiltModel(
    join(folder, "repos"),
    buildColourClassifier({ id: CENTRE, imageSize: 32, cropSize: 16 }),
  );
  mirror = await startMirrorServer({ directory: join(folder, "repos") });
  catalog = await openSqliteStore({ path: ":memory:" });
  await catalog.upsertModels([
    ...[WHOLE, CENTRE].map((id) =>
      makeModel({ id, task: "image-classification", library: "transformers.js", tags: ["onnx"] }),
    ),
    ...NPM_MODELS.filter((model) => model.id === OCR_FAST || model.id === OCR_FULL).map((model) =>
      toModelRecord(model),
    ),
  ]);
  mkdirSync(join(folder, "pictures"));
  const rows: string[] = [];
  for (const { name, label, picture } of PICTURES) {
    writeFileSync(join(folder, "pictures", name), await drawPicture(picture));
    rows.push(JSON.stringify({ image: `pictures/${name}`, label }));
  }
  writeFileSync(join(folder, "pictures.jsonl"), `${rows.join("\n")}\n`);
  const scans: string[] = [];
  for (const [index, line] of SCANNED_LINES.entries()) {
    writeFileSync(join(folder, "pictures", `scan-${index}.png`), await renderLine(line));
    scans.push(JSON.stringify({ image: `pictures/scan-${index}.png`, text: line }));
  }
  writeFileSync(join(folder, "scans.jsonl"), `${scans.join("\n")}\n`);
}, 60_000);

afterAll(async () => {
  await catalog?.close();
  await mirror?.close();
  await rm(folder, { recursive: true, force: true });
});

/** A selection among `ids` on the pictures of `dataFile`, with the default weights. */
function selectAmong(ids: string[], dataFile: string, extra: Partial<RunSelectionOptions> = {}) {
  const spec: TaskSpecInput = {
    task_type: "image-classification",
    hardware: "local",
    candidates: { ids },
    data: { path: dataFile, columns: { input: "image", label: "label" } },
  };
  return runSelection({
    spec: parseTaskSpec(spec),
    specInput: spec,
    specSource: "test",
    baseDirectory: folder,
    catalog,
    providers: [createTransformersBackendProvider({ settings: settings() })],
    ...extra,
  });
}

describe("selection on pictures", () => {
  it("probes image models on the user's PNG and JPEG files and picks the one that labels them right", async () => {
    const decision = await selectAmong([WHOLE, CENTRE], "pictures.jsonl");
    expect(decision.status).toBe("completed");
    expect(decision.winner?.id).toBe(CENTRE);
    const candidate = (id: string) => decision.candidates.find((entry) => entry.id === id);
    expect(candidate(CENTRE)?.quality).toBe(1);
    // Right on the six plain pictures, wrong on the six squares (a quarter of the area).
    expect(candidate(WHOLE)?.quality).toBeCloseTo(0.5, 5);
    expect(candidate(WHOLE)?.status).not.toBe("failed");
    expect(decision.data?.items).toBe(PICTURES.length);
  });

  it("says which sample file is not an image, before any model runs", async () => {
    writeFileSync(
      join(folder, "pictures", "call.wav"),
      buildWav({ channels: [sine(440, 16_000, 0.1)], samplingRateHz: 16_000, encoding: "pcm16" }),
    );
    writeFileSync(
      join(folder, "sound.jsonl"),
      `${JSON.stringify({ image: "pictures/plain-red.png", label: "red" })}\n${JSON.stringify({ image: "pictures/call.wav", label: "red" })}\n`,
    );
    await expect(selectAmong([CENTRE], "sound.jsonl")).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining(
        `Sample image ${join(folder, "pictures", "call.wav")} is not an image (it looks like audio/wav)`,
      ),
    });
  });

  it("says which sample image cannot be read", async () => {
    writeFileSync(
      join(folder, "missing.jsonl"),
      `${JSON.stringify({ image: "pictures/nowhere.png", label: "red" })}\n`,
    );
    await expect(selectAmong([CENTRE], "missing.jsonl")).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining(
        `Sample image ${join(folder, "pictures", "nowhere.png")} cannot be read`,
      ),
    });
  });
});

describe("a catalog of many image models, few of which run here", () => {
  it("brings the task's models with ONNX weights into the pool, though others are downloaded more", async () => {
    // 450 timm and PyTorch classifiers, each more downloaded and better scored than the two
    // ONNX models (a conversion, and an original tagged `onnx`), none of which a backend here runs: a catalog synced from the Hub is like
    // this (the bundled snapshot holds 335 image classifiers, none runnable).
    const synced = await openSqliteStore({ path: ":memory:" });
    try {
      await synced.upsertModels([
        ...Array.from({ length: 450 }, (_, index) =>
          makeModel({
            id: `popular/classifier-${index}`,
            task: "image-classification",
            library: index % 2 === 0 ? "timm" : "transformers",
            downloads: 1_000 + index,
            score: 70 + (index % 20),
          }),
        ),
        makeModel({
          id: CENTRE,
          task: "image-classification",
          library: "transformers.js",
          downloads: 3,
        }),
        // An original of another library with an onnx/ folder, which the Hub tags `onnx`.
        makeModel({
          id: WHOLE,
          task: "image-classification",
          library: "transformers",
          tags: ["image-classification", "onnx", "safetensors"],
          downloads: 3,
        }),
      ]);
      const spec: TaskSpecInput = {
        task_type: "image-classification",
        hardware: "local",
        data: { path: "pictures.jsonl", columns: { input: "image", label: "label" } },
      };
      const decision = await runSelection({
        spec: parseTaskSpec(spec),
        specInput: spec,
        specSource: "test",
        baseDirectory: folder,
        catalog: synced,
        providers: [createTransformersBackendProvider({ settings: settings() })],
      });
      const task = decision.filters.find((step) => step.filter === "task");
      expect(task?.description).toContain("most downloaded that transformers.js runs");
      expect(decision.status).toBe("completed");
      expect(decision.winner?.id).toBe(CENTRE);
      expect(
        decision.candidates.filter((entry) => entry.probes > 0).map((entry) => entry.id),
      ).toEqual(expect.arrayContaining([WHOLE, CENTRE]));
    } finally {
      await synced.close();
    }
  });
});

describe("a catalog with no image model that runs here", () => {
  it("says what can run and how to fetch it", async () => {
    const timmOnly = await openSqliteStore({ path: ":memory:" });
    try {
      await timmOnly.upsertModels([
        makeModel({ id: "timm/resnet50.a1_in1k", task: "image-classification", library: "timm" }),
      ]);
      const spec: TaskSpecInput = {
        task_type: "image-classification",
        hardware: "local",
        data: { path: "pictures.jsonl", columns: { input: "image", label: "label" } },
      };
      await expect(
        runSelection({
          spec: parseTaskSpec(spec),
          specInput: spec,
          specSource: "test",
          baseDirectory: folder,
          catalog: timmOnly,
          providers: [createTransformersBackendProvider({ settings: settings() })],
        }),
      ).rejects.toMatchObject({
        code: "NO_CANDIDATES",
        message: expect.stringMatching(
          /the runnable filter .* removed the last 1: timm\/resnet50.a1_in1k \(no backend for source hub, library timm\)\. ModelScout runs Hub models that have ONNX weights .* modelscout catalog sync --task image-classification --onnx fetches/,
        ),
      });
    } finally {
      await timmOnly.close();
    }
  });
});

describe("selection among OCR models", () => {
  it("probes Tesseract models on scans, and reports the character error rate as a rate", async () => {
    const spec: TaskSpecInput = {
      task_type: "ocr",
      hardware: "local",
      candidates: { ids: [OCR_FAST, OCR_FULL] },
      data: { path: "scans.jsonl", columns: { input: "image", label: "text" } },
    };
    const decision = await runSelection({
      spec: parseTaskSpec(spec),
      specInput: spec,
      specSource: "test",
      baseDirectory: folder,
      catalog,
      providers: [npmBackendProvider],
    });
    expect(decision.status).toBe("completed");
    expect(decision.metric.name).toBe("cer");
    for (const id of [OCR_FAST, OCR_FULL]) {
      const candidate = decision.candidates.find((entry) => entry.id === id);
      expect(candidate?.probes).toBe(SCANNED_LINES.length);
      // Tesseract reads these renders with a character error rate well under 5 %.
      expect(candidate?.metrics.cer).toBeLessThan(0.05);
      expect(candidate?.quality).toBeCloseTo(1 - (candidate?.metrics.cer ?? 1), 10);
    }
    const winner = decision.candidates.find((entry) => entry.id === decision.winner?.id);
    // The rate, not the quality (1 − rate) that scoring uses: "cer 0.0", never "cer 100.0".
    const rate = ((winner?.metrics.cer ?? 1) * 100).toFixed(1);
    expect(decision.explanation[0]).toContain(`wins with cer ${rate} (lower is better; 95% CI`);
    expect(renderDecisionText(decision)).toContain(
      "Quality is 1 − cer on the probed items, so that higher is better in the table.",
    );
  }, 60_000);
});

describe("vision models behind a server as candidates", () => {
  /** What the stand-in vision model answers for each picture the tests drew, by its bytes. */
  function answersByPicture(answer: (row: { image: string; [field: string]: string }) => string) {
    const byBase64 = new Map<string, string>();
    for (const file of ["pictures.jsonl", "scans.jsonl"]) {
      for (const line of readFileSync(join(folder, file), "utf8").trim().split("\n")) {
        const row = JSON.parse(line) as { image: string; [field: string]: string };
        byBase64.set(readFileSync(join(folder, row.image)).toString("base64"), answer(row));
      }
    }
    // The data: URL of the last user turn's image, as the backend sent it.
    return (messages: readonly FakeChatMessage[]) => {
      const content = messages.at(-1)?.content;
      const part = Array.isArray(content)
        ? content.find((each) => each.type === "image_url")
        : undefined;
      const url = part?.type === "image_url" ? part.image_url.url : "";
      return byBase64.get(url.slice(url.indexOf(",") + 1)) ?? "I cannot see an image.";
    };
  }

  const select = (spec: TaskSpecInput) =>
    runSelection({
      spec: parseTaskSpec(spec),
      specInput: spec,
      specSource: "test",
      baseDirectory: folder,
      catalog,
      providers: [
        createTransformersBackendProvider({ settings: settings() }),
        npmBackendProvider,
        createHttpBackendProvider(),
      ],
    });

  it("probes a vision chat model on the pictures beside the models run here", async () => {
    // It names the background of a square drawn on another colour, as the whole-picture
    // model does: right on the six plain pictures, wrong on the six squares.
    const vision = await startFakeOpenAIServer({
      chatReply: answersByPicture((row) => {
        const background = /-on-(\w+)\./.exec(row.image)?.[1];
        return background === undefined ? `${row.label}` : `The colour is ${background}.`;
      }),
    });
    try {
      const decision = await select({
        task_type: "image-classification",
        hardware: "local",
        // No `labels`: the served model is told the data's (red, green, blue).
        candidates: {
          ids: [CENTRE],
          models: [
            {
              id: "served-vision",
              kind: "openai",
              base_url: `${vision.url}/v1`,
              api_model: "qwen-vl",
              price: { input_per_million_tokens: 0.5, output_per_million_tokens: 1.5 },
            },
          ],
        },
        data: { path: "pictures.jsonl", columns: { input: "image", label: "label" } },
      });
      const candidate = (id: string) => decision.candidates.find((entry) => entry.id === id);
      expect(candidate("served-vision")?.status).not.toBe("failed");
      expect(candidate("served-vision")?.quality).toBeCloseTo(0.5, 5);
      // Its answers' tokens at its price (the fake server counts words); the model run here is free.
      expect(candidate("served-vision")?.costPer1kItemsUsd).toBeGreaterThan(0);
      expect(candidate(CENTRE)?.costPer1kItemsUsd).toBe(0);
      expect(decision.winner?.id).toBe(CENTRE);
      // Each picture went as a data: URL of its own type.
      const urls = vision.requests.flatMap(
        (request) =>
          (JSON.stringify(request.body) ?? "").match(/data:image\/(?:png|jpeg);base64/g) ?? [],
      );
      expect(new Set(urls)).toEqual(new Set(["data:image/png;base64", "data:image/jpeg;base64"]));
      const firstChat = vision.requests.find((request) => request.method === "POST");
      const instruction = JSON.stringify(
        (firstChat?.body as { messages?: unknown[] } | undefined)?.messages?.[0],
      );
      expect(instruction).toContain("- blue\\n- green\\n- red");
    } finally {
      await vision.close();
    }
  }, 60_000);

  it("reads scans with a vision chat model, scored by character error rate beside Tesseract", async () => {
    const vision = await startFakeOpenAIServer({
      chatReply: answersByPicture((row) => row.text ?? ""),
    });
    try {
      const decision = await select({
        task_type: "ocr",
        hardware: "local",
        candidates: {
          ids: [OCR_FAST],
          models: [
            {
              id: "served-reader",
              kind: "openai",
              base_url: `${vision.url}/v1`,
              api_model: "qwen-vl",
            },
          ],
        },
        data: { path: "scans.jsonl", columns: { input: "image", label: "text" } },
      });
      const reader = decision.candidates.find((entry) => entry.id === "served-reader");
      expect(reader?.status).not.toBe("failed");
      expect(reader?.probes).toBe(SCANNED_LINES.length);
      expect(reader?.metrics.cer).toBe(0);
    } finally {
      await vision.close();
    }
  }, 60_000);
});

describe("an image classifier on its own", () => {
  it("labels a picture by what its preprocessing keeps", async () => {
    const red = await drawPicture({ width: 80, height: 60, background: "green", square: "red" });
    const labels = async (id: string) => {
      const backend = createTransformersBackend({
        model: makeModel({ id, task: "image-classification", library: "transformers.js" }),
        settings: settings(),
      });
      try {
        const [output] = await backend.doRun([{ image: red }]);
        if (output?.kind !== "labels") throw new Error(`not labels: ${JSON.stringify(output)}`);
        return output.labels;
      } finally {
        await backend.unload();
      }
    };
    const centre = await labels(CENTRE);
    expect(centre[0]?.label).toBe("red");
    expect(centre[0]?.score).toBeGreaterThan(0.99);
    const whole = await labels(WHOLE);
    expect(whole[0]?.label).toBe("green");
    // Three labels, their scores a softmax.
    expect(whole.map((entry) => entry.label).sort()).toEqual(["blue", "green", "red"]);
    expect(whole.reduce((sum, entry) => sum + entry.score, 0)).toBeCloseTo(1, 5);
  });

  it("is profiled on the built-in sample pictures", async () => {
    const backend = createTransformersBackend({
      model: makeModel({ id: WHOLE, task: "image-classification", library: "transformers.js" }),
      settings: settings(),
    });
    try {
      const profile = await profileModel({
        backend,
        inputs: sampleInputs("image-classification"),
        runs: 2,
        warmupRuns: 1,
      });
      expect(profile.task).toBe("image-classification");
      expect(profile.batches).toHaveLength(1);
      expect(profile.batches[0]?.runs).toBe(2);
      expect(profile.batches[0]?.itemLatencyMs.p50).toBeGreaterThan(0);
    } finally {
      await backend.unload();
    }
  });
});
