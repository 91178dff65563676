/**
 * @module
 * Maps the labels in a user's sample data onto a model's label set, so a model that says
 * `POSITIVE` is scored right on data labelled `1` or `pos`. Rules, in order: exact match;
 * case-insensitive match; index labels (`1` <-> `LABEL_1`); then a small synonym table of
 * sentiment and yes/no polarity (`1`/`true`/`pos`/`positive`, `0`/`false`/`neg`/`negative`).
 * Anything left is reported with the model's labels so the user can write `data.label_map`.
 * The synonym step only maps when exactly one model label shares the meaning: guessing
 * between two would score the model on a mapping nobody chose.
 */

export interface LabelMatch {
  /** Data label -> model label, for the labels that could be mapped. */
  mapping: Record<string, string>;
  /** Data labels with no model label. */
  unmatched: string[];
  /** One or two plain sentences saying what was mapped and how, and what was not. */
  explanation: string;
}

/** Meanings shared by common label spellings; keys are lower-case. */
const LABEL_MEANINGS: Record<string, "positive" | "negative" | "neutral"> = {
  positive: "positive",
  pos: "positive",
  "1": "positive",
  label_1: "positive",
  true: "positive",
  yes: "positive",
  good: "positive",
  negative: "negative",
  neg: "negative",
  "0": "negative",
  label_0: "negative",
  false: "negative",
  no: "negative",
  bad: "negative",
  neutral: "neutral",
  neu: "neutral",
  // Chinese, simplified and traditional: how annotators and Chinese models' id2label write them.
  正面: "positive",
  正向: "positive",
  积极: "positive",
  積極: "positive",
  好评: "positive",
  好評: "positive",
  是: "positive",
  负面: "negative",
  負面: "negative",
  负向: "negative",
  負向: "negative",
  消极: "negative",
  消極: "negative",
  差评: "negative",
  差評: "negative",
  否: "negative",
  中性: "neutral",
  中立: "neutral",
};

function normalise(label: string): string {
  return label.trim().toLowerCase();
}

/** `LABEL_3` and `3` name the same class index. */
function indexKey(label: string): string | null {
  const match = /^(?:label[_\s-]?)?(\d+)$/.exec(normalise(label));
  return match === null ? null : String(Number(match[1]));
}

type Rule = "exact" | "case" | "index" | "synonym";

/** Maps data labels onto model labels and explains the result. */
export function matchLabels(dataLabels: string[], modelLabels: string[]): LabelMatch {
  const mapping: Record<string, string> = {};
  const rules: Record<string, Rule> = {};
  const unmatched: string[] = [];
  const ambiguous: Record<string, string[]> = {};
  for (const dataLabel of dataLabels) {
    const found = findModelLabel(dataLabel, modelLabels);
    if ("label" in found) {
      mapping[dataLabel] = found.label;
      rules[dataLabel] = found.rule;
    } else {
      unmatched.push(dataLabel);
      if (found.candidates.length > 1) ambiguous[dataLabel] = found.candidates;
    }
  }
  return {
    mapping,
    unmatched,
    explanation: explain(mapping, rules, unmatched, ambiguous, modelLabels),
  };
}

function findModelLabel(
  dataLabel: string,
  modelLabels: string[],
): { label: string; rule: Rule } | { candidates: string[] } {
  if (modelLabels.includes(dataLabel)) return { label: dataLabel, rule: "exact" };
  const lower = normalise(dataLabel);
  const sameCase = modelLabels.filter((label) => normalise(label) === lower);
  if (sameCase.length === 1) return { label: sameCase[0] as string, rule: "case" };
  const index = indexKey(dataLabel);
  if (index !== null) {
    const sameIndex = modelLabels.filter((label) => indexKey(label) === index);
    if (sameIndex.length === 1) return { label: sameIndex[0] as string, rule: "index" };
  }
  const meaning = LABEL_MEANINGS[lower];
  if (meaning === undefined) return { candidates: [] };
  const sameMeaning = modelLabels.filter((label) => LABEL_MEANINGS[normalise(label)] === meaning);
  if (sameMeaning.length === 1) return { label: sameMeaning[0] as string, rule: "synonym" };
  return { candidates: sameMeaning };
}

const RULE_WORDS: Record<Rule, string> = {
  exact: "same label",
  case: "same label, different case",
  index: "same class index",
  synonym: "same meaning",
};

function explain(
  mapping: Record<string, string>,
  rules: Record<string, Rule>,
  unmatched: string[],
  ambiguous: Record<string, string[]>,
  modelLabels: string[],
): string {
  const mapped = Object.keys(mapping);
  const total = mapped.length + unmatched.length;
  const sentences: string[] = [];
  if (mapped.length > 0) {
    const pairs = mapped.map(
      (label) => `${label} -> ${mapping[label]} (${RULE_WORDS[rules[label] as Rule]})`,
    );
    sentences.push(`Mapped ${mapped.length} of ${total} data labels: ${pairs.join(", ")}.`);
  }
  if (unmatched.length > 0) {
    const reasons = unmatched.map((label) => {
      const candidates = ambiguous[label];
      return candidates === undefined
        ? `"${label}"`
        : `"${label}" (could be ${candidates.join(" or ")})`;
    });
    const known = modelLabels.length === 0 ? "none" : modelLabels.join(", ");
    sentences.push(
      `Could not map ${reasons.join(", ")} onto the model's labels (${known}); add them to data.label_map in the task spec.`,
    );
  }
  if (total === 0) sentences.push("The data has no labels to map.");
  return sentences.join(" ");
}
