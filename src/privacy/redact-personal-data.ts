/**
 * @module
 * Redaction: the step that removes personal data (emails, phone numbers, payment cards, ID
 * numbers, IBANs, IP addresses) from text before ModelScout stores or logs it. Each finding is
 * replaced by a typed placeholder (`[EMAIL]`, `[PHONE]`, `[CARD]`, `[ID]`, `[IBAN]`, `[IP]`)
 * and counted, so a stored record says what was removed without keeping it.
 *
 * On by default; a `RedactionConfig` (validated with zod, see `redaction-config.ts`) turns
 * types off or the whole step off. Overlapping findings are resolved by detector priority
 * (see `personal-data-detectors.ts`), then by length.
 */
import {
  PERSONAL_DATA_DETECTORS,
  type PersonalDataSpan,
  REDACTION_PLACEHOLDERS,
  REDACTION_TYPES,
  type RedactionType,
} from "./personal-data-detectors.js";
import { type RedactionConfig, resolveRedactionConfig } from "./redaction-config.js";

export interface RedactionResult {
  text: string;
  /** Findings replaced, per type (every type present, zero when none). */
  counts: Record<RedactionType, number>;
  /** Sum of `counts`. */
  total: number;
}

export type Redactor = (text: string) => RedactionResult;

function zeroCounts(): Record<RedactionType, number> {
  return { email: 0, phone: 0, card: 0, id: 0, iban: 0, ip: 0 };
}

const ANY_DIGIT = /\d/;

/**
 * The personal data in `text` that the enabled `types` cover, as non-overlapping spans in
 * text order. Exposed for tests and for callers that want to highlight rather than replace.
 */
export function findPersonalData(
  text: string,
  types: ReadonlySet<RedactionType> = new Set(REDACTION_TYPES),
): PersonalDataSpan[] {
  const hasDigit = ANY_DIGIT.test(text);
  const candidates: (PersonalDataSpan & { priority: number })[] = [];
  for (const detector of PERSONAL_DATA_DETECTORS) {
    if (!types.has(detector.type) || !detector.mayOccur(text, hasDigit)) continue;
    detector.find(text, (start, end) => {
      candidates.push({
        type: detector.type,
        detector: detector.name,
        start,
        end,
        priority: detector.priority,
      });
    });
  }
  if (candidates.length <= 1) {
    return candidates.map(({ priority: _priority, ...span }) => span);
  }
  candidates.sort(
    (a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const kept: PersonalDataSpan[] = [];
  for (const { priority: _priority, ...candidate } of candidates) {
    if (kept.every((span) => candidate.end <= span.start || candidate.start >= span.end)) {
      kept.push(candidate);
    }
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** Builds a redactor for a configuration (default: on, every type). */
export function createRedactor(config: RedactionConfig | undefined = undefined): Redactor {
  const resolved = resolveRedactionConfig(config);
  if (!resolved.enabled || resolved.types.size === 0) {
    return (text) => ({ text, counts: zeroCounts(), total: 0 });
  }
  return (text) => {
    const spans = findPersonalData(text, resolved.types);
    const counts = zeroCounts();
    if (spans.length === 0) return { text, counts, total: 0 };
    let output = "";
    let cursor = 0;
    for (const span of spans) {
      output += text.slice(cursor, span.start) + REDACTION_PLACEHOLDERS[span.type];
      cursor = span.end;
      counts[span.type] += 1;
    }
    return { text: output + text.slice(cursor), counts, total: spans.length };
  };
}

const defaultRedactor = createRedactor();

/** Redacts `text` with the default configuration (every type). */
export function redactPersonalData(text: string, config?: RedactionConfig): RedactionResult {
  return config === undefined ? defaultRedactor(text) : createRedactor(config)(text);
}

/**
 * Redacts every string inside a JSON-like value (object keys are kept as they are) and sums
 * the counts; for request bodies, feedback comments and alert evidence before they are stored.
 */
export function redactJson<T>(
  value: T,
  redactor: Redactor = defaultRedactor,
): { value: T; counts: Record<RedactionType, number>; total: number } {
  const counts = zeroCounts();
  let total = 0;
  const visit = (node: unknown): unknown => {
    if (typeof node === "string") {
      const result = redactor(node);
      if (result.total === 0) return node;
      for (const type of REDACTION_TYPES) counts[type] += result.counts[type];
      total += result.total;
      return result.text;
    }
    if (Array.isArray(node)) return node.map(visit);
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, visit(child)]));
    }
    return node;
  };
  return { value: visit(value) as T, counts, total };
}
