/**
 * @module
 * What an answer cost: the tokens its model server reported (OpenAI's `usage`) at the price
 * the routes config declares for the model (`price`, US dollars per million tokens).
 */
import type { ModelPrice } from "../backends/http/endpoint-model-record.js";
import type { ModelDeclaration } from "./routes-config.js";

// The cost of an answer is the endpoint record's rule, shared with selection's probe costs.
export { answerCostUsd } from "../backends/http/endpoint-model-record.js";
export type { ModelPrice };

/** The declared price of a model, if its declaration has one. */
export function declaredPrice(declaration: ModelDeclaration | undefined): ModelPrice | undefined {
  return declaration !== undefined && "price" in declaration ? declaration.price : undefined;
}
