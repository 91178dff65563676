/**
 * @module
 * The quality proxy for unlabelled data: agreement with the other candidates, NOT accuracy.
 * For each item, a candidate scores the share of the other candidates that gave the same
 * answer (same top label for classifiers, the same normalised text for generation, OCR and
 * speech, the same set of spans for token classification); its agreement is the mean over
 * items. It rewards the consensus answer, so it ranks a lone correct model low when most
 * candidates share a mistake; reports must call it agreement and say so.
 *
 * Embeddings have no agreement proxy: vectors of different models live in different spaces.
 */
import type { BackendOutput } from "../../backends/model-backend.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { topLabel } from "./classification-metrics.js";
import { normaliseText } from "./normalise-text.js";

/** Model label -> shared label, for one candidate (`{"LABEL_1": "positive"}`). */
export type CandidateLabelMap = Readonly<Record<string, string>>;

export interface AgreementOptions {
  /**
   * Per candidate (same order as the outputs), a map from its labels to a shared vocabulary.
   * Labels without an entry are compared after `normaliseText`, so `POSITIVE` and `positive`
   * agree but `LABEL_1` and `POSITIVE` do not: pass maps when label sets differ.
   */
  labelMaps?: readonly (CandidateLabelMap | undefined)[];
}

export interface CandidateAgreement {
  /** Mean share of other candidates that agreed, 0..1; NaN when `items` is 0. */
  agreement: number;
  /** Items this candidate answered and at least one other candidate answered too. */
  items: number;
  /** Per item, the share of other candidates that agreed; null where it was not scored. */
  perItem: (number | null)[];
}

/**
 * The comparable answer in an output, or null for "no answer" (no label, empty text, no
 * output): a null answer agrees with nothing, not even another null, so two candidates that
 * both fail do not prop each other up.
 */
export function agreementKey(
  output: BackendOutput | null,
  labelMap: CandidateLabelMap | undefined = undefined,
): string | null {
  if (output === null) return null;
  switch (output.kind) {
    case "labels": {
      const label = topLabel(output);
      if (label === null) return null;
      return labelMap !== undefined && Object.hasOwn(labelMap, label)
        ? normaliseText(labelMap[label] as string)
        : normaliseText(label);
    }
    case "text": {
      const text = normaliseText(output.text);
      return text.length === 0 ? null : text;
    }
    case "spans": {
      const spans = output.spans
        .map((span) => `${normaliseText(span.label)}@${span.start}-${span.end}`)
        .sort();
      return JSON.stringify(spans);
    }
    case "embedding":
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        "agreement: embeddings of different models live in different spaces and cannot agree or disagree; an embedding task needs labelled data (knn_accuracy, mrr).",
      );
  }
}

/**
 * Share of `others` whose answer equals `output`'s, for one item. Null when `output` is null
 * (failed) or no other candidate answered. Others that are null (failed) are left out.
 */
export function itemAgreement(
  output: BackendOutput | null,
  others: readonly (BackendOutput | null)[],
  labelMaps: { own?: CandidateLabelMap; others?: readonly (CandidateLabelMap | undefined)[] } = {},
): number | null {
  if (output === null) return null;
  const key = agreementKey(output, labelMaps.own);
  let answered = 0;
  let agreed = 0;
  others.forEach((other, index) => {
    if (other === null) return;
    answered++;
    const otherKey = agreementKey(other, labelMaps.others?.[index]);
    if (key !== null && otherKey === key) agreed++;
  });
  return answered === 0 ? null : agreed / answered;
}

/**
 * Agreement of every candidate with the others. `outputsByCandidate[c][i]` is candidate
 * `c`'s output on item `i` (null when it failed on that item); every candidate must cover
 * the same items. Needs at least two candidates (`INVALID_ARGUMENT` otherwise).
 */
export function agreementProxy(
  outputsByCandidate: readonly (readonly (BackendOutput | null)[])[],
  options: AgreementOptions = {},
): CandidateAgreement[] {
  if (outputsByCandidate.length < 2) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `agreement: needs outputs from at least 2 candidates (got ${outputsByCandidate.length}); with one candidate there is nobody to agree with. Add labels to the data to measure accuracy instead.`,
    );
  }
  const itemCount = outputsByCandidate[0]?.length ?? 0;
  if (outputsByCandidate.some((outputs) => outputs.length !== itemCount)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `agreement: every candidate must have one output (or null) per item; got ${outputsByCandidate.map((outputs) => outputs.length).join(", ")} outputs.`,
    );
  }
  const labelMaps = options.labelMaps ?? [];
  const keys = outputsByCandidate.map((outputs, candidate) =>
    outputs.map((output) => ({
      answered: output !== null,
      key: agreementKey(output, labelMaps[candidate]),
    })),
  );
  return keys.map((own, candidate) => {
    const perItem = own.map((answer, item): number | null => {
      if (!answer.answered) return null;
      let answered = 0;
      let agreed = 0;
      keys.forEach((other, otherCandidate) => {
        const otherAnswer = other[item];
        if (otherCandidate === candidate || otherAnswer === undefined || !otherAnswer.answered)
          return;
        answered++;
        if (answer.key !== null && otherAnswer.key === answer.key) agreed++;
      });
      return answered === 0 ? null : agreed / answered;
    });
    const scored = perItem.filter((share): share is number => share !== null);
    const agreement =
      scored.length === 0
        ? Number.NaN
        : scored.reduce((sum, share) => sum + share, 0) / scored.length;
    return { agreement, items: scored.length, perItem };
  });
}
