/**
 * @module
 * An embeddings server reports one `usage` for a whole batch (OpenAI's `prompt_tokens` for
 * every input together), while the router logs and the selection prices each answer. The
 * batch's tokens are shared out in proportion to each input's length in characters, in whole
 * tokens by largest remainder, so the shares add up to what the server reported: a request's
 * logged tokens and a probe's mean cost per item are exact, each item's share an estimate.
 */
import type { AnswerUsage } from "../model-backend.js";

export function splitBatchUsage(usage: AnswerUsage, texts: readonly string[]): AnswerUsage[] {
  const lengths = texts.map((text) => text.length);
  const totalLength = lengths.reduce((sum, length) => sum + length, 0);
  const split = (tokens: number): number[] => {
    const exact = lengths.map((length) =>
      totalLength === 0 ? tokens / texts.length : (tokens * length) / totalLength,
    );
    const shares = exact.map(Math.floor);
    let left = tokens - shares.reduce((sum, share) => sum + share, 0);
    // The whole tokens left go to the largest fractions, earliest first on ties.
    const order = exact
      .map((value, index) => ({ index, fraction: value - Math.floor(value) }))
      .sort((a, b) => b.fraction - a.fraction || a.index - b.index);
    for (const { index } of order) {
      if (left <= 0) break;
      shares[index] = (shares[index] ?? 0) + 1;
      left -= 1;
    }
    return shares;
  };
  const prompt = split(usage.promptTokens);
  const completion = split(usage.completionTokens);
  return texts.map((_, index) => ({
    promptTokens: prompt[index] ?? 0,
    completionTokens: completion[index] ?? 0,
  }));
}
