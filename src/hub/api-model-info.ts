/**
 * @module
 * The Hub's wire format for one entry of `GET /api/models` (snake_case and camelCase mixed,
 * exactly as the Hub sends it), validated leniently: every field but `id` may be missing or
 * null, unknown fields pass through, and fields that come from a user-written model card
 * (`cardData`) fall back to `undefined` when they have an unexpected type, because one odd
 * README must not fail a sync of thousands of models. The domain mapping lives in
 * `map-hub-model.ts` and nowhere else.
 *
 * Shapes checked against huggingface.js `packages/hub/src/types/api/api-model.ts`
 * (`ApiModelInfo`, `ApiModelMetadata`, `ApiModelIndex`); see docs/decisions/0004-hub-sync.md.
 */
import { z } from "zod";

const stringOrStrings = z.union([z.string(), z.array(z.string())]);

/** A card field that is dropped, not fatal, when a README has it in an unexpected shape. */
function cardField<T extends z.ZodType>(schema: T) {
  return schema.nullish().catch(undefined);
}

export const apiModelCardDataSchema = z.looseObject({
  language: cardField(stringOrStrings),
  license: cardField(stringOrStrings),
  license_name: cardField(z.string()),
  datasets: cardField(stringOrStrings),
  library_name: cardField(z.string()),
  pipeline_tag: cardField(z.string()),
  base_model: cardField(stringOrStrings),
  tags: cardField(z.array(z.string())),
  /** User-written YAML; validated entry by entry in `map-hub-model.ts`. */
  "model-index": z.unknown().optional(),
});
export type ApiModelCardData = z.infer<typeof apiModelCardDataSchema>;

export const apiSafetensorsSchema = z.looseObject({
  /** Tensor element counts per stored dtype, keyed by safetensors dtype (`F32`, `BF16`, `I8`...). */
  parameters: z.record(z.string(), z.number().nonnegative()).nullish(),
  total: z.number().nonnegative().nullish(),
});
export type ApiSafetensors = z.infer<typeof apiSafetensorsSchema>;

export const apiModelInfoSchema = z.looseObject({
  /** The Hub's internal object id. */
  _id: z.string().nullish(),
  /** `owner/name`, the only field every entry must have. */
  id: z.string().min(1),
  author: z.string().nullish(),
  pipeline_tag: z.string().nullish(),
  library_name: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  downloads: z.number().nullish(),
  likes: z.number().nullish(),
  /** ISO 8601, e.g. `2024-03-11T16:38:02.000Z`. */
  lastModified: z.string().nullish(),
  createdAt: z.string().nullish(),
  private: z.boolean().nullish(),
  gated: z.union([z.boolean(), z.string()]).nullish(),
  cardData: apiModelCardDataSchema.nullish().catch(undefined),
  safetensors: apiSafetensorsSchema.nullish(),
  /** The Hub's trimmed copy of config.json: `architectures`, `model_type`, `tokenizer_config`... */
  config: z.record(z.string(), z.unknown()).nullish(),
  "model-index": z.unknown().optional(),
  /** Files in the repository (with `expand=siblings`): tells which ONNX variants exist. */
  siblings: z
    .array(z.looseObject({ rfilename: z.string() }))
    .nullish()
    .catch(undefined),
});
export type ApiModelInfo = z.infer<typeof apiModelInfoSchema>;
