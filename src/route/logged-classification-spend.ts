/**
 * @module
 * The classification calls a request log row accounts for, read from its logged decision
 * (ADR 0090): what `/metrics` counts from rows it did not see served, and what
 * `modelscout requests` sums over a window. A model step that reported tokens has `model`,
 * `usage` and, priced, `cost_usd` (`server/decision-wire.ts`); a batch's item says what its own
 * classification called (`classification_usage`).
 */

/** A model step's call, as a logged step or batch item has it. */
export interface LoggedClassificationSpend {
  model?: string;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  cost_usd?: number;
}

/** The parts of a logged decision that say what its classification called. */
export interface LoggedClassificationFields {
  classification?: { steps?: LoggedClassificationSpend[] } | null;
  /** A batch's item rows (ADR 0081): the row's item, or every item on item 0's row. */
  item?: { classification_usage?: LoggedClassificationSpend[] };
  items?: { request_id?: string; classification_usage?: LoggedClassificationSpend[] }[];
}

/**
 * The classification calls a logged row accounts for: a batch's item its own
 * (`classification_usage`, on its `item`, or its entry of `items` on item 0's row), any other
 * row its decision's steps. A batch item's row also holds its group's decision, whose
 * classification is the group's first item's: counted on that item's row only.
 */
export function loggedClassificationSpends(
  rowId: string,
  logged: LoggedClassificationFields,
): readonly LoggedClassificationSpend[] {
  if (logged.item !== undefined) return logged.item.classification_usage ?? [];
  if (Array.isArray(logged.items)) {
    return logged.items.find((item) => item.request_id === rowId)?.classification_usage ?? [];
  }
  return logged.classification?.steps ?? [];
}
