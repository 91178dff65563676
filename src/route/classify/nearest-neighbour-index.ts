/**
 * @module
 * The `nearest-neighbour` classification step: example utterances per route are embedded
 * once (when the server starts) with the step's embedding model; a request's text is
 * embedded and compared by cosine similarity with every example. The `k` nearest vote, each
 * with its similarity; the route with the largest sum wins. When even the nearest example is
 * below `min_similarity`, the step passes, so a later step (or the default route) decides:
 * that is how an English-only encoder hands Chinese text on to a step that can read it.
 *
 * A linear scan: a few hundred examples of 512 dimensions take well under a millisecond,
 * far less than embedding the query.
 */
import type {
  AnswerUsage,
  BackendOutput,
  ModelBackend,
  RunOptions,
} from "../../backends/model-backend.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";

const EMBEDDING_BATCH = 64;

/**
 * Examples embedded one at a time after the batches, of lengths spread from the shortest to
 * the longest. Requests are embedded one at a time, and a model's first runs on single texts
 * were slower: with the bundled customer-service routes (the English encoder), the step took
 * a median 16-24 ms on the first ten requests after start against 10-12 ms over all; with these
 * twelve runs first, 11.5-16 ms (`npx tsx bench/customer-service-routing.ts`, six runs
 * without, five with, 2026-12-01). The cost is twelve more embeddings at start, about 0.4 s
 * with that encoder. Only for a model that runs on this machine (`describe().local`): what a
 * remote model's server compiles is not ours to warm, and there they would be twelve more
 * round trips in series at every start, and twelve more billed calls on a paid API.
 */
export const WARM_UP_SINGLE_TEXTS = 12;

export interface NeighbourMatch {
  route: string;
  /** Similarity of the nearest example overall (what `min_similarity` is compared with). */
  topSimilarity: number;
  /** The winning route's nearest example and its similarity. */
  similarity: number;
  example: string;
  /** Votes (examples among the k nearest) for the winning route, and k. */
  votes: number;
  k: number;
}

/**
 * A text's vote (null when the allowed routes have no examples) and the tokens its embedding
 * cost, when the model's server reported them (a batch's share, `split-batch-usage.ts`).
 */
export interface NeighbourLookup {
  match: NeighbourMatch | null;
  usage?: AnswerUsage;
}

function lookup(match: NeighbourMatch | null, output: BackendOutput | undefined): NeighbourLookup {
  return output?.kind === "embedding" && output.usage !== undefined
    ? { match, usage: output.usage }
    : { match };
}

function toUnitVector(output: BackendOutput | undefined, modelId: string): Float32Array {
  if (output?.kind !== "embedding") {
    throw new ModelScoutError(
      "BACKEND_RESPONSE_INVALID",
      `${modelId} did not return an embedding (got ${output?.kind ?? "nothing"}); a nearest-neighbour step needs an embedding model (task feature-extraction).`,
      { details: { modelId } },
    );
  }
  const vector = Float32Array.from(output.vector);
  let norm = 0;
  for (const value of vector) norm += value * value;
  const scale = norm === 0 ? 0 : 1 / Math.sqrt(norm);
  for (let index = 0; index < vector.length; index += 1) {
    vector[index] = (vector[index] as number) * scale;
  }
  return vector;
}

export class NearestNeighbourIndex {
  readonly #backend: ModelBackend;
  readonly #k: number;
  #routes: string[] = [];
  #texts: string[] = [];
  #vectors: Float32Array[] = [];

  private constructor(backend: ModelBackend, k: number) {
    this.#backend = backend;
    this.#k = k;
  }

  /**
   * Embeds every example, then, with a local model, some of them again one at a time
   * (`WARM_UP_SINGLE_TEXTS`); throws if the model cannot.
   */
  static async build(
    backend: ModelBackend,
    examples: ReadonlyMap<string, readonly string[]>,
    k: number,
    signal?: AbortSignal,
  ): Promise<NearestNeighbourIndex> {
    const index = new NearestNeighbourIndex(backend, k);
    const run = signal === undefined ? {} : { signal };
    const routes: string[] = [];
    const texts: string[] = [];
    for (const [route, utterances] of examples) {
      for (const utterance of utterances) {
        routes.push(route);
        texts.push(utterance);
      }
    }
    for (let start = 0; start < texts.length; start += EMBEDDING_BATCH) {
      const batch = texts.slice(start, start + EMBEDDING_BATCH);
      const outputs = await backend.doRun(batch, run);
      for (const output of outputs) index.#vectors.push(toUnitVector(output, backend.modelId));
    }
    index.#routes = routes;
    index.#texts = texts;
    const singles = backend.describe().local ? Math.min(WARM_UP_SINGLE_TEXTS, texts.length) : 0;
    const byLength = singles === 0 ? [] : [...texts].sort((a, b) => a.length - b.length);
    for (let single = 0; single < singles; single += 1) {
      const at = singles === 1 ? 0 : Math.round((single * (byLength.length - 1)) / (singles - 1));
      await backend.doRun([byLength[at] as string], run);
    }
    return index;
  }

  get size(): number {
    return this.#vectors.length;
  }

  /** The vote among the k nearest examples of the `allowed` routes (all when absent). */
  async nearest(
    text: string,
    allowed?: ReadonlySet<string>,
    run: RunOptions = {},
  ): Promise<NeighbourLookup> {
    const [output] = await this.#backend.doRun([text], run);
    return lookup(this.#vote(toUnitVector(output, this.#backend.modelId), allowed), output);
  }

  /**
   * `nearest` for each of `texts`, embedded in one call to the model (a batch's texts, ADR
   * 0081): the vote of each is the one `nearest` finds for it.
   */
  async nearestEach(
    texts: readonly string[],
    allowed?: ReadonlySet<string>,
    run: RunOptions = {},
  ): Promise<NeighbourLookup[]> {
    const outputs = await this.#backend.doRun(texts, run);
    if (outputs.length !== texts.length) {
      throw new ModelScoutError(
        "BACKEND_RESPONSE_INVALID",
        `${this.#backend.modelId} returned ${outputs.length} embeddings for ${texts.length} texts.`,
      );
    }
    return outputs.map((output) =>
      lookup(this.#vote(toUnitVector(output, this.#backend.modelId), allowed), output),
    );
  }

  #vote(query: Float32Array, allowed: ReadonlySet<string> | undefined): NeighbourMatch | null {
    const k = Math.min(this.#k, this.#vectors.length);
    if (k === 0) return null;
    // The k best (similarity, index) pairs, kept sorted descending; k is small.
    const best: { similarity: number; index: number }[] = [];
    for (let index = 0; index < this.#vectors.length; index += 1) {
      if (allowed !== undefined && !allowed.has(this.#routes[index] as string)) continue;
      const vector = this.#vectors[index] as Float32Array;
      if (vector.length !== query.length) {
        throw new ModelScoutError(
          "BACKEND_RESPONSE_INVALID",
          `${this.#backend.modelId} returned a ${query.length}-dimensional vector for the request but ${vector.length} for the examples.`,
        );
      }
      let similarity = 0;
      for (let dimension = 0; dimension < query.length; dimension += 1) {
        similarity += (query[dimension] as number) * (vector[dimension] as number);
      }
      if (best.length < k || similarity > (best.at(-1)?.similarity ?? -Infinity)) {
        best.push({ similarity, index });
        best.sort((a, b) => b.similarity - a.similarity);
        if (best.length > k) best.pop();
      }
    }
    const sums = new Map<string, { sum: number; votes: number }>();
    for (const { similarity, index } of best) {
      const route = this.#routes[index] as string;
      const entry = sums.get(route) ?? { sum: 0, votes: 0 };
      entry.sum += similarity;
      entry.votes += 1;
      sums.set(route, entry);
    }
    let winner: string | null = null;
    let winnerSum = -Infinity;
    for (const [route, { sum }] of sums) {
      if (sum > winnerSum) {
        winner = route;
        winnerSum = sum;
      }
    }
    const top = best[0];
    const nearestOfWinner = best.find(({ index }) => this.#routes[index] === winner);
    if (winner === null || top === undefined || nearestOfWinner === undefined) return null;
    return {
      route: winner,
      topSimilarity: top.similarity,
      similarity: nearestOfWinner.similarity,
      example: this.#texts[nearestOfWinner.index] as string,
      votes: sums.get(winner)?.votes ?? 0,
      k,
    };
  }
}
