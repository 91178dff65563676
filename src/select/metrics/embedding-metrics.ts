/**
 * @module
 * Embedding quality on labelled items, measured inside the probed set itself (no training):
 * leave-one-out k-nearest-neighbour accuracy and the mean reciprocal rank of same-label items,
 * both by cosine similarity. A model whose embeddings put items of one label near each other
 * scores high on both, whatever its vector size or scale, so different models compare fairly.
 *
 * Without labels there is no embedding metric: vectors of different models live in different
 * spaces, so they cannot be compared with each other either (`defaultMetricFor` returns null).
 */
import type { BackendOutput } from "../../backends/model-backend.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { requireAlignedItems, requireOutputKind } from "./metric-inputs.js";

/** Cosine similarity; 0 when either vector is all zeros. Vectors must have the same length. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Cannot compare embeddings of different sizes (${a.length} and ${b.length}); one model must return one vector size.`,
    );
  }
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    const x = a[index] as number;
    const y = b[index] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

export interface EmbeddingMetricOptions {
  /**
   * Neighbours that vote in k-NN (default 1, capped at items - 1). Default 1 because probe
   * sets are small: with two items per class, any k >= 3 lets the other classes outvote an
   * item's single same-class neighbour, whatever the model.
   */
  k?: number;
}

export interface EmbeddingMetrics {
  /** Labelled items scored. */
  items: number;
  /** Neighbours that voted (the requested k, capped at items - 1). */
  k: number;
  /** Share of items whose k nearest other items vote for the item's own label (k = 1: the nearest carries it). */
  knnAccuracy: number;
  /** Mean over items of 1 / rank of the nearest other item with the same label; NaN when no label occurs twice. */
  mrr: number;
  /** Items that had at least one other item with the same label (the items `mrr` averages over). */
  mrrQueries: number;
  /** Per labelled item, in input order: k-NN vote correct, and reciprocal rank (null: label occurs once). */
  perItem: { knnCorrect: boolean; reciprocalRank: number | null }[];
}

const DEFAULT_K = 1;

/**
 * Leave-one-out k-NN accuracy and same-label MRR of `embedding` outputs. Items whose gold is
 * null are left out entirely (neither queried nor used as neighbours); fewer than two
 * labelled items is an `INVALID_ARGUMENT` error.
 *
 * k-NN: each item's label is predicted by majority vote of its k most similar other items;
 * a tied vote goes to the label whose voters have the larger summed similarity, then to the
 * label of the nearest voter. MRR: other items ranked by similarity (ties keep item order);
 * items whose label occurs nowhere else have nothing to retrieve and are skipped.
 */
export function embeddingMetrics(
  golds: readonly (string | null)[],
  outputs: readonly BackendOutput[],
  options: EmbeddingMetricOptions = {},
): EmbeddingMetrics {
  requireAlignedItems("knn_accuracy", golds, outputs);
  const labelled: { label: string; vector: readonly number[] }[] = [];
  outputs.forEach((output, index) => {
    const { vector } = requireOutputKind("knn_accuracy", output, "embedding", index);
    const label = golds[index] as string | null;
    if (label !== null) labelled.push({ label, vector });
  });
  if (labelled.length < 2) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `knn_accuracy: needs at least 2 labelled items to compare embeddings (got ${labelled.length}); probe more items.`,
    );
  }
  const requestedK = options.k ?? DEFAULT_K;
  if (!Number.isInteger(requestedK) || requestedK < 1) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `knn_accuracy: k must be a positive integer (got ${requestedK}).`,
    );
  }
  const k = Math.min(requestedK, labelled.length - 1);
  const count = labelled.length;
  const similarity = Array.from({ length: count }, () => new Array<number>(count).fill(0));
  for (let row = 0; row < count; row++) {
    for (let column = row + 1; column < count; column++) {
      const value = cosineSimilarity(
        (labelled[row] as (typeof labelled)[number]).vector,
        (labelled[column] as (typeof labelled)[number]).vector,
      );
      (similarity[row] as number[])[column] = value;
      (similarity[column] as number[])[row] = value;
    }
  }

  const perItem: EmbeddingMetrics["perItem"] = [];
  for (let query = 0; query < count; query++) {
    const own = (labelled[query] as (typeof labelled)[number]).label;
    const row = similarity[query] as number[];
    const ranked = Array.from({ length: count }, (_, index) => index)
      .filter((index) => index !== query)
      .sort((a, b) => (row[b] as number) - (row[a] as number));
    const firstSame = ranked.findIndex((index) => labelled[index]?.label === own);
    perItem.push({
      knnCorrect: knnVote(ranked.slice(0, k), row, labelled) === own,
      reciprocalRank: firstSame >= 0 ? 1 / (firstSame + 1) : null,
    });
  }
  const correct = perItem.filter((item) => item.knnCorrect).length;
  const ranks = perItem
    .map((item) => item.reciprocalRank)
    .filter((rank): rank is number => rank !== null);
  return {
    items: count,
    k,
    knnAccuracy: correct / count,
    mrr:
      ranks.length === 0 ? Number.NaN : ranks.reduce((sum, rank) => sum + rank, 0) / ranks.length,
    mrrQueries: ranks.length,
    perItem,
  };
}

function knnVote(
  neighbours: readonly number[],
  similarityRow: readonly number[],
  labelled: readonly { label: string }[],
): string {
  const votes = new Map<string, { count: number; similarity: number; nearest: number }>();
  neighbours.forEach((neighbour, rank) => {
    const label = (labelled[neighbour] as { label: string }).label;
    const vote = votes.get(label) ?? { count: 0, similarity: 0, nearest: rank };
    vote.count++;
    vote.similarity += similarityRow[neighbour] as number;
    votes.set(label, vote);
  });
  let best: { label: string; count: number; similarity: number; nearest: number } | null = null;
  for (const [label, vote] of votes) {
    if (
      best === null ||
      vote.count > best.count ||
      (vote.count === best.count && vote.similarity > best.similarity) ||
      (vote.count === best.count &&
        vote.similarity === best.similarity &&
        vote.nearest < best.nearest)
    ) {
      best = { label, ...vote };
    }
  }
  return (best as { label: string }).label;
}
