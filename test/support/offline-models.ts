/**
 * Builds the project's offline ONNX models once and shares them between test files (and
 * runs): the folder is `<tmpdir>/modelscout-offline-models-<key>`, keyed by
 * `OFFLINE_MODELS_BUILDER_VERSION` and a hash of the builder sources, so a change to a
 * builder rebuilds and nothing stale is reused. Workers that race build into their own
 * folder and rename it into place; the first rename wins and the others discard theirs.
 *
 * Serve the folder with `startMirrorServer({ directory })` to load the models through
 * transformers.js's download path.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildOfflineModels,
  OFFLINE_MODEL_IDS,
  OFFLINE_MODELS_BUILDER_VERSION,
} from "../../src/onnx-build/build-offline-models.js";
import type { BuiltModelReport } from "../../src/onnx-build/built-model.js";

export interface OfflineModels {
  /** Folder holding `modelscout/<name>/` repos. */
  directory: string;
  models: typeof OFFLINE_MODEL_IDS;
  /** Build reports (accuracy, sizes, build time) as measured when the folder was built. */
  reports: BuiltModelReport[];
}

const BUILDER_FOLDER = fileURLToPath(new URL("../../src/onnx-build/", import.meta.url));
const REPORT_FILE = "build-report.json";

function cacheKey(): string {
  const hash = createHash("sha256").update(String(OFFLINE_MODELS_BUILDER_VERSION));
  for (const name of readdirSync(BUILDER_FOLDER).sort()) {
    hash.update(name).update(readFileSync(join(BUILDER_FOLDER, name)));
  }
  return `v${OFFLINE_MODELS_BUILDER_VERSION}-${hash.digest("hex").slice(0, 12)}`;
}

let prepared: Promise<OfflineModels> | undefined;

export function prepareOfflineModels(): Promise<OfflineModels> {
  prepared ??= (async () => {
    const directory = join(tmpdir(), `modelscout-offline-models-${cacheKey()}`);
    const reportPath = join(directory, REPORT_FILE);
    if (!existsSync(reportPath)) {
      const staging = await mkdtemp(`${directory}.staging-`);
      const reports = await buildOfflineModels({ directory: staging });
      await writeFile(join(staging, REPORT_FILE), JSON.stringify(reports, null, 2));
      try {
        await rename(staging, directory);
      } catch {
        // Another worker finished first; its build is identical (the builders are deterministic).
        await rm(staging, { recursive: true, force: true });
      }
    }
    const reports = JSON.parse(await readFile(reportPath, "utf8")) as BuiltModelReport[];
    return { directory, models: OFFLINE_MODEL_IDS, reports };
  })();
  return prepared;
}
