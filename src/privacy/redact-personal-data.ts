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
  type PersonalDataDetector,
  type PersonalDataSpan,
  REDACTION_TYPES,
  type RedactionType,
} from "./personal-data-detectors.js";
import {
  detectorsFor,
  detectorsOfTypes,
  personalSpans,
  prefixRedactorFor,
  replaceSpans,
} from "./personal-spans.js";
import { type RedactionConfig, resolveRedactionConfig } from "./redaction-config.js";

export {
  cutForPrefix,
  PREFIX_MARGIN,
  prefixReadLength,
  WARM_UP_TEXTS,
  warmRedactor,
} from "./personal-spans.js";

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

/**
 * The personal data in `text` that the enabled `types` cover, as non-overlapping spans in
 * text order. Exposed for tests and for callers that want to highlight rather than replace.
 */
export function findPersonalData(
  text: string,
  types: ReadonlySet<RedactionType> = new Set(REDACTION_TYPES),
): PersonalDataSpan[] {
  return personalSpans(text, detectorsFor(types)) ?? [];
}

/** The detectors a configuration turns on; empty when redaction is off. */
function configuredDetectors(config: RedactionConfig | undefined): readonly PersonalDataDetector[] {
  return detectorsOfTypes(redactedTypes(config));
}

/**
 * The types a configuration redacts, in their listed order; none when redaction is off. What
 * the request log's writer thread builds its redactor from (`logTextRedactor`).
 */
export function redactedTypes(config: RedactionConfig | undefined): RedactionType[] {
  const resolved = resolveRedactionConfig(config);
  return resolved.enabled ? REDACTION_TYPES.filter((type) => resolved.types.has(type)) : [];
}

/**
 * Whether a text holds personal data the configuration's types cover (default: every type):
 * the redactor's question without its answer's text.
 */
export function createPersonalDataTest(
  config: RedactionConfig | undefined = undefined,
): (text: string) => boolean {
  const detectors = configuredDetectors(config);
  if (detectors.length === 0) return () => false;
  return (text) => personalSpans(text, detectors) !== null;
}

/** Builds a redactor for a configuration (default: on, every type). */
export function createRedactor(config: RedactionConfig | undefined = undefined): Redactor {
  const detectors = configuredDetectors(config);
  return (text) => {
    const spans = detectors.length === 0 ? null : personalSpans(text, detectors);
    const counts = zeroCounts();
    if (spans === null) return { text, counts, total: 0 };
    return { text: replaceSpans(text, spans, counts), total: spans.length, counts };
  };
}

/**
 * A redactor that returns only the text, for the request log, where nothing reads the
 * counts: a text with no personal data comes back as it is, with nothing allocated.
 */
export function createTextRedactor(
  config: RedactionConfig | undefined = undefined,
): (text: string) => string {
  const detectors = configuredDetectors(config);
  if (detectors.length === 0) return (text) => text;
  return (text) => {
    const spans = personalSpans(text, detectors);
    return spans === null ? text : replaceSpans(text, spans);
  };
}

/**
 * A redactor for a log that keeps only the first `keep` characters of a text
 * (`log_text_chars`): it returns what `createTextRedactor(config)(text).slice(0, keep)` would,
 * but reads about `1.25 * keep + PREFIX_MARGIN` characters of `text`, not all of it. The
 * request log redacted whole prompts and answers before clipping them, on the event loop
 * after each answer (`bench/router-cpu.ts --message-chars`, docs/benchmarks.md).
 *
 * A text no longer than the first window is redacted whole, as before. For a longer one, the
 * findings that begin in a window's first `window - PREFIX_MARGIN` characters (its kept part)
 * are the findings that begin there in the whole text: the detectors look at most 24
 * characters behind a match and a few past it, and no finding is longer than the margin in
 * practice. The kept part is a quarter longer than `keep`, because findings shorten it (an
 * address becomes `[EMAIL]`); if they shorten it below `keep`, the window doubles.
 *
 * `cut` says that `text` is itself the start of a longer text (`cutForPrefix`): the end of
 * `text` is then not the end of the text, and a finding there may be cut short. Where the
 * windows reach it, its last `PREFIX_MARGIN` characters are read as a window's margin, not
 * kept: fewer than `keep` characters may come back, never part of a cut finding.
 */
export function createPrefixRedactor(
  config: RedactionConfig | undefined = undefined,
): (text: string, keep: number, cut?: boolean) => string {
  return prefixRedactorFor(configuredDetectors(config));
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
