/**
 * @module
 * `npm:@tesseract.js-data/eng/4.0.0` and `.../4.0.0_best_int`: Tesseract's English models run
 * by `tesseract.js` (WebAssembly in a worker thread). Offline by construction: `langPath`
 * points at the traineddata inside `@tesseract.js-data/eng` (so tesseract.js never falls back
 * to its CDN), the core comes from `tesseract.js-core` in node_modules, and `cacheMethod:
 * "none"` stops it writing `eng.traineddata` into the working directory. The LSTM engine is
 * used for both (4.0.0 also holds the legacy engine, which this adapter does not use).
 *
 * Inputs are `{ image }` as encoded bytes (PNG, JPEG, BMP, PNM, TIFF, WebP) or a local file
 * path; URLs are refused because this backend promises inputs stay on the machine. An abort
 * during recognition terminates the worker (Tesseract cannot stop a page half way); the next
 * run starts a new one.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { BackendInput, BackendOutput, ModelBackend } from "../model-backend.js";
import {
  importOptionalPackage,
  incompatiblePackage,
  optionalPackageDirectory,
} from "./import-optional-package.js";
import { npmModelBackend } from "./npm-model-backend.js";

export type TesseractEnglishVariant = "4.0.0" | "4.0.0_best_int";

/** tesseract.js `OEM.LSTM_ONLY`. */
const LSTM_ONLY = 1;

interface TesseractWorker {
  recognize(image: Buffer): Promise<{ data: { text: string } }>;
  terminate(): Promise<unknown>;
}

type CreateWorker = (
  languages: string,
  engineMode: number,
  options: Record<string, unknown>,
) => Promise<TesseractWorker>;

/** Owns at most one worker; an abort may kill it, and the next run starts another. */
interface TesseractSession {
  worker: Promise<TesseractWorker> | undefined;
  start(): Promise<TesseractWorker>;
}

async function imageBytes(input: BackendInput, modelId: string): Promise<Buffer> {
  if (typeof input === "object" && "image" in input) {
    const { image } = input;
    if (typeof image !== "string")
      return Buffer.from(image.buffer, image.byteOffset, image.byteLength);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(image) || image.startsWith("data:")) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `${modelId} runs locally and reads images from disk or bytes: download "${image.slice(0, 80)}" first and pass the file path or its bytes.`,
        { details: { modelId } },
      );
    }
    try {
      return await readFile(image);
    } catch (error) {
      throw new ModelScoutError(
        "NOT_FOUND",
        `${modelId}: cannot read image file "${image}": check the path.`,
        { cause: error, details: { modelId, path: image } },
      );
    }
  }
  throw new ModelScoutError(
    "INVALID_ARGUMENT",
    `${modelId} reads text from images: pass { image } with the image's bytes or a file path.`,
    { details: { modelId } },
  );
}

async function stopWorker(session: TesseractSession): Promise<void> {
  const running = session.worker;
  session.worker = undefined;
  if (running === undefined) return;
  const worker = await running.catch(() => undefined);
  await worker?.terminate();
}

/**
 * What tesseract.js rejects with when the bytes look like an image but do not decode
 * (truncated, corrupt): the client's input, not the model's failure.
 */
const UNREADABLE_IMAGE = /Error attempting to read image|ERR_OUT_OF_RANGE|RangeError/;

function recognitionError(error: unknown, modelId: string): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (!UNREADABLE_IMAGE.test(message)) return error;
  return new ModelScoutError(
    "INVALID_ARGUMENT",
    `${modelId} could not decode the image (${message.split("\n")[0]}): send a complete PNG, JPEG, BMP, TIFF or WebP file.`,
    // status 400: the router answers 400 when every candidate refused the input this way.
    { cause: error, details: { modelId, status: 400 } },
  );
}

/** Tesseract cannot stop a page half way, so an abort terminates the worker. */
function recogniseUnlessAborted(
  session: TesseractSession,
  worker: TesseractWorker,
  image: Buffer,
  signal: AbortSignal | undefined,
  modelId: string,
): Promise<string> {
  const recognised = worker.recognize(image).then(
    (result) => result.data.text,
    (error: unknown) => {
      throw recognitionError(error, modelId);
    },
  );
  if (signal === undefined) return recognised;
  // After an abort nobody awaits the terminated job; keep its rejection from going unhandled.
  recognised.catch(() => undefined);
  return new Promise<string>((resolve, reject) => {
    const onAbort = () => {
      void stopWorker(session);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    recognised.then(
      (text) => {
        signal.removeEventListener("abort", onAbort);
        resolve(text);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

export function createTesseractBackend(
  variant: TesseractEnglishVariant = "4.0.0_best_int",
): ModelBackend {
  const modelId = `npm:@tesseract.js-data/eng/${variant}`;
  return npmModelBackend<TesseractSession>({
    modelId,
    task: "image-to-text",
    packages: ["@tesseract.js-data/eng", "tesseract.js"],
    async load(signal) {
      const module = (await importOptionalPackage("tesseract.js", modelId)) as {
        createWorker?: unknown;
        default?: { createWorker?: unknown };
      };
      const createWorker = (module.createWorker ?? module.default?.createWorker) as
        | CreateWorker
        | undefined;
      if (typeof createWorker !== "function") {
        throw incompatiblePackage("tesseract.js", modelId, "createWorker");
      }
      const langPath = path.join(
        optionalPackageDirectory("@tesseract.js-data/eng", modelId),
        variant,
      );
      const session: TesseractSession = {
        worker: undefined,
        start() {
          session.worker ??= createWorker("eng", LSTM_ONLY, {
            langPath,
            gzip: true,
            cacheMethod: "none",
            // Without a handler, tesseract.js rethrows a job's rejection (an image it cannot
            // decode) outside any promise, which kills the process; the job still rejects.
            errorHandler: () => undefined,
          });
          return session.worker;
        },
      };
      await session.start();
      if (signal?.aborted) {
        await stopWorker(session);
        signal.throwIfAborted();
      }
      return session;
    },
    async run(session, inputs, signal): Promise<BackendOutput[]> {
      const outputs: BackendOutput[] = [];
      for (const input of inputs) {
        const image = await imageBytes(input, modelId);
        signal?.throwIfAborted();
        const worker = await session.start();
        const text = await recogniseUnlessAborted(session, worker, image, signal, modelId);
        outputs.push({ kind: "text", text: text.trim() });
      }
      return outputs;
    },
    release: stopWorker,
  });
}
