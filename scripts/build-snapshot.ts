/**
 * @module
 * Rebuilds `data/snapshot/` from the reference data:
 *
 *   npx tsx scripts/build-snapshot.ts [--data <dir>] [--out <dir>]
 *
 * The data folder defaults to `$MODELSCOUT_SHARED_DATA`, else `<repo>/../shared/data`.
 * The output is deterministic; commit it. `test/catalog/snapshot/build-snapshot.test.ts`
 * fails when the committed snapshot no longer matches what this script would write.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildSnapshot } from "../src/catalog/snapshot/build-snapshot.js";

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    out: { type: "string" },
  },
});
const dataDirectory = resolve(
  values.data ?? process.env.MODELSCOUT_SHARED_DATA ?? join(repositoryRoot, "..", "shared", "data"),
);
const outputDirectory = resolve(values.out ?? join(repositoryRoot, "data", "snapshot"));

const result = buildSnapshot({ dataDirectory, outputDirectory });
const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
process.stdout.write(
  [
    `Snapshot ${result.manifest.version}: ${result.manifest.models} models`,
    `  per origin: ${JSON.stringify(result.manifest.counts)}`,
    `  ${result.catalogPath}: ${megabytes(result.compressedBytes)} (${megabytes(result.uncompressedBytes)} uncompressed)`,
    `  notes: ${JSON.stringify(result.manifest.notes, null, 2)}`,
    "",
  ].join("\n"),
);
