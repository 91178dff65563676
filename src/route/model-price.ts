/**
 * @module
 * What an answer cost: the tokens its model server reported (OpenAI's `usage`) at the price
 * the routes config declares for the model (`price`, US dollars per million tokens).
 */
import { z } from "zod";
import type { AnswerUsage } from "../backends/model-backend.js";
import type { ModelDeclaration } from "./routes-config.js";

/**
 * A price in US dollars per million tokens, as a routes config's `models` and a task spec's
 * `candidates.models` declare it (`price`); each adds its own description of what reads it.
 */
export const modelPriceSchema = z
  .object({
    input_per_million_tokens: z
      .number()
      .min(0)
      .describe("US dollars per million tokens read (the prompt)."),
    output_per_million_tokens: z
      .number()
      .min(0)
      .describe("US dollars per million tokens written (the answer)."),
  })
  .strict();

export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** The declared price of a model, if its declaration has one. */
export function declaredPrice(declaration: ModelDeclaration | undefined): ModelPrice | undefined {
  return declaration !== undefined && "price" in declaration ? declaration.price : undefined;
}

/** US dollars for `usage` at `price`; null when either is unknown. */
export function answerCostUsd(
  price: ModelPrice | undefined,
  usage: AnswerUsage | undefined,
): number | null {
  if (price === undefined || usage === undefined) return null;
  return (
    (usage.promptTokens * price.input_per_million_tokens +
      usage.completionTokens * price.output_per_million_tokens) /
    1_000_000
  );
}
