/**
 * @module
 * What an answer cost: the tokens its model server reported (OpenAI's `usage`) at the price
 * the routes config declares for the model (`price`, US dollars per million tokens).
 */
import type { ModelPrice } from "../backends/http/endpoint-model-record.js";
import type { AnswerUsage } from "../backends/model-backend.js";
import type { ModelDeclaration } from "./routes-config.js";

export type { ModelPrice };

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
