/**
 * @module
 * The shape of `data/snapshot/manifest.json` and what each snapshot source mapper returns.
 * The manifest's `version` is a hash of the catalog's uncompressed lines, so it changes
 * exactly when the content does; stores remember it to know whether to load again.
 */
import { z } from "zod";
import type { ModelRecordInput } from "../model-record.js";

export const SNAPSHOT_ORIGINS = ["open-llm-leaderboard", "mteb", "timm-imagenet"] as const;
export type SnapshotOrigin = (typeof SNAPSHOT_ORIGINS)[number];

export const snapshotManifestSchema = z.object({
  /** `sha256:` + the first 16 hex digits of the SHA-256 of the uncompressed JSONL. */
  version: z.string().regex(/^sha256:[0-9a-f]{16}$/),
  /** Number of lines (models) in `catalog.jsonl.gz`. */
  models: z.number().int().nonnegative(),
  /** Models contributed by each origin before ids were merged (one id may have several). */
  counts: z.record(z.string(), z.number().int().nonnegative()),
  sources: z.array(
    z.object({
      origin: z.string(),
      /** `owner/name` on GitHub. */
      repository: z.string(),
      commit: z.string(),
      license: z.string(),
      /** Files of the reference data folder that were read. */
      files: z.array(z.string()),
    }),
  ),
  /** What the builder noticed: match rates, skipped rows. Kept so a rebuild shows drift. */
  notes: z.record(z.string(), z.record(z.string(), z.union([z.number(), z.string()]))),
});
export type SnapshotManifest = z.infer<typeof snapshotManifestSchema>;

/** What one source mapper produces from its reference data folder. */
export interface SnapshotSourceMapping {
  origin: SnapshotOrigin;
  records: ModelRecordInput[];
  /** File names (relative to the origin's folder) that were read. */
  files: string[];
  notes: Record<string, number | string>;
}
