/**
 * @module
 * What a loaded model IS, as far as its backend can tell: the npm package versions, the Hub
 * repository, revision, commit and file hashes, the files of a `local:` folder, or the
 * endpoint of a model behind a server. A backend reports it in `LoadResult.artifact`; a
 * selection records it per candidate, so an auditor can name the exact artifacts compared
 * (ADR 0082). The schema is the one shape every backend's artifact must have: the isolated
 * runner checks what its child sends with it, and the backend contract tests check it too.
 */
import { z } from "zod";

/** One file of a model: its path inside the repository or folder, size and SHA-256. */
export const artifactFileSchema = z.strictObject({
  /** Path inside the repository or folder, with `/` separators. */
  path: z.string().min(1),
  sizeBytes: z.number().int().nonnegative(),
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** An installed npm package and the version its package.json declares. */
export const packageVersionSchema = z.strictObject({
  name: z.string().min(1),
  version: z.string().min(1),
});

export const modelArtifactSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    /** A model inside npm packages: the model's package first, then the runtime's. */
    kind: z.literal("npm"),
    packages: z.array(packageVersionSchema).min(1),
  }),
  z.strictObject({
    /** A Hub (or `HF_ENDPOINT` mirror) repository run by transformers.js. */
    kind: z.literal("hub"),
    repository: z.string().min(1),
    /** The revision asked for (`main`, a branch, a tag or a commit). */
    revision: z.string().min(1),
    /**
     * The commit the server said `revision` was when the files were checked; absent when
     * no server was asked (offline, files verified before this was recorded).
     */
    commitSha: z.string().min(1).optional(),
    dtype: z.string().min(1).optional(),
    /** The files the pipeline read, from the cache. */
    files: z.array(artifactFileSchema).min(1),
    /** The library that ran them. */
    runtime: packageVersionSchema.optional(),
  }),
  z.strictObject({
    /** A `local:` folder run by transformers.js: the files the pipeline read from it. */
    kind: z.literal("local-folder"),
    folder: z.string().min(1),
    dtype: z.string().min(1).optional(),
    files: z.array(artifactFileSchema).min(1),
    runtime: packageVersionSchema.optional(),
  }),
  z.strictObject({
    /**
     * A model behind a server: only where requests went is known. The weights cannot be
     * identified from here, and `note` says so in the record instead of pretending.
     */
    kind: z.literal("remote"),
    /** The endpoint, without credentials (no user:password, secret query values masked). */
    endpoint: z.string().min(1),
    /** The model name sent to the server. */
    model: z.string().min(1),
    note: z.string().min(1),
  }),
  z.strictObject({
    /** A weightless model written in ModelScout itself (echo templates, hashed n-grams). */
    kind: z.literal("builtin"),
    modelscoutVersion: z.string().min(1),
  }),
]);

export type ArtifactFile = z.infer<typeof artifactFileSchema>;
export type PackageVersion = z.infer<typeof packageVersionSchema>;
export type ModelArtifact = z.infer<typeof modelArtifactSchema>;
