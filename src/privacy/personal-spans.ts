/**
 * @module
 * Finding personal data and replacing it, given the detectors: the part of redaction that
 * reads no configuration, so it loads without zod (`redaction-config.ts`). The request log's
 * writer thread loads this module alone and builds its redactor from the types the event
 * loop resolved (ADR 0085: about 40 ms from source against 150 with zod). The configured API
 * is `redact-personal-data.ts`.
 */
import {
  PERSONAL_DATA_DETECTORS,
  type PersonalDataDetector,
  type PersonalDataSpan,
  REDACTION_PLACEHOLDERS,
  REDACTION_TYPES,
  type RedactionType,
} from "./personal-data-detectors.js";

const ANY_DIGIT = /\d/;
/**
 * A full-width digit, letter or at sign (U+FF10-FF19, U+FF20-FF3A, U+FF41-FF5A), as Chinese
 * and Japanese input methods type them: `zhangsan＠example.com` is typed with the input
 * method's own `＠` and nothing else full-width, so the at sign alone must be enough.
 */
const FULL_WIDTH_CHARACTER = /[\uFF10-\uFF19\uFF20-\uFF3A\uFF41-\uFF5A]/;
/** The full-width digits, letters and at sign, and the signs written around them: `＋`, `－`, `（`, `）`. */
const FULL_WIDTH_FORMS = /[\uFF08\uFF09\uFF0B\uFF0D\uFF10-\uFF19\uFF20-\uFF3A\uFF41-\uFF5A]/g;

/**
 * `text` with its full-width digits, letters and at signs and the signs around them as their
 * ASCII forms: one code unit each, so a span found in the result is the same span of `text`.
 */
function foldFullWidth(text: string): string {
  return text.replace(FULL_WIDTH_FORMS, (form) => String.fromCharCode(form.charCodeAt(0) - 0xfee0));
}

type Candidate = PersonalDataSpan & { priority: number };

/** The detectors of `types`, in their listed order. */
export function detectorsFor(types: ReadonlySet<RedactionType>): readonly PersonalDataDetector[] {
  return PERSONAL_DATA_DETECTORS.filter((detector) => types.has(detector.type));
}

export const ALL_DETECTORS = detectorsFor(new Set(REDACTION_TYPES));

/**
 * The personal data `detectors` find in `text` as non-overlapping spans in text order, or
 * null when they find none. Runs on every text the routing server logs (twice a request), so
 * a text with nothing in it costs no allocation: no candidate list, no callback, no result.
 */
export function personalSpans(
  given: string,
  detectors: readonly PersonalDataDetector[],
): PersonalDataSpan[] | null {
  // `１３８１２３４５６７８` is a phone number and `zhangsan＠example.com` an address too: the
  // detectors read ASCII.
  const text = FULL_WIDTH_CHARACTER.test(given) ? foldFullWidth(given) : given;
  const hasDigit = ANY_DIGIT.test(text);
  let candidates: Candidate[] | null = null;
  let current: PersonalDataDetector | undefined;
  let found: ((start: number, end: number) => void) | undefined;
  for (const detector of detectors) {
    if (!detector.mayOccur(text, hasDigit)) continue;
    current = detector;
    found ??= (start, end) => {
      const by = current as PersonalDataDetector;
      candidates ??= [];
      candidates.push({
        type: by.type,
        detector: by.name,
        start,
        end,
        priority: by.priority,
      });
    };
    detector.find(text, found);
  }
  // `as`: TypeScript does not see the callback's assignment.
  const all = candidates as Candidate[] | null;
  if (all === null) return null;
  if (all.length === 1) {
    const { priority: _priority, ...span } = all[0] as Candidate;
    return [span];
  }
  all.sort(
    (a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const kept: PersonalDataSpan[] = [];
  for (const { priority: _priority, ...candidate } of all) {
    if (kept.every((span) => candidate.end <= span.start || candidate.start >= span.end)) {
      kept.push(candidate);
    }
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** `text` with each span replaced by its placeholder, counted into `counts` when given. */
export function replaceSpans(
  text: string,
  spans: readonly PersonalDataSpan[],
  counts?: Record<RedactionType, number>,
): string {
  let output = "";
  let cursor = 0;
  for (const span of spans) {
    output += text.slice(cursor, span.start) + REDACTION_PLACEHOLDERS[span.type];
    cursor = span.end;
    if (counts !== undefined) counts[span.type] += 1;
  }
  return output + text.slice(cursor);
}

/** The detectors of `types` (all of them: the shared list); none when `types` is empty. */
export function detectorsOfTypes(types: readonly RedactionType[]): readonly PersonalDataDetector[] {
  const wanted = new Set(types);
  return wanted.size === REDACTION_TYPES.length ? ALL_DETECTORS : detectorsFor(wanted);
}

/**
 * The request log's redaction of one text for `types`, keeping `keep` characters: the prefix
 * redactor (`prefixRedactorFor`) on the text cut to `prefixReadLength(keep)`, marked `cut`
 * when it is that long. The writer thread and the store's own fallback both use it, on texts
 * the store cut already or on whole ones (ADR 0085).
 */
export function logTextRedactor(
  types: readonly RedactionType[],
  keep: number,
): (text: string) => string {
  const prefix = prefixRedactorFor(detectorsOfTypes(types));
  const most = prefixReadLength(keep);
  return (text) =>
    text.length >= most ? prefix(cutForPrefix(text, keep), keep, true) : prefix(text, keep);
}

/**
 * Characters past the part of a window of text that a prefix redactor keeps that it also
 * reads: twice the longest finding the detectors make in practice (an email address is at
 * most 254 characters, the other types under 50), so a finding that reaches into the kept
 * part is read whole, with the few characters around it that a detector looks at.
 */
export const PREFIX_MARGIN = 512;

/**
 * The prefix redactor over `detectors` (`createPrefixRedactor` says what it returns); with no
 * detectors it only clips.
 */
export function prefixRedactorFor(
  detectors: readonly PersonalDataDetector[],
): (text: string, keep: number, cut?: boolean) => string {
  const clipped = (text: string, keep: number) => (text.length > keep ? text.slice(0, keep) : text);
  if (detectors.length === 0) return clipped;
  return (text, keep, cut = false) => {
    for (let window = keep + (keep >> 2) + PREFIX_MARGIN; ; window *= 2) {
      const last = window >= text.length;
      if (last && !cut) {
        const spans = personalSpans(text, detectors);
        return clipped(spans === null ? text : replaceSpans(text, spans), keep);
      }
      const part = last ? text : text.slice(0, window);
      const limit = Math.max(0, part.length - PREFIX_MARGIN);
      const spans = personalSpans(part, detectors) ?? [];
      let count = 0;
      while (count < spans.length && (spans[count] as PersonalDataSpan).start < limit) count += 1;
      // A finding astride `limit` is replaced whole; nothing of the text past it is kept.
      const redacted = replaceSpans(part.slice(0, limit), spans.slice(0, count));
      if (last || redacted.length >= keep) return clipped(redacted, keep);
    }
  };
}

/**
 * How much of a text `createPrefixRedactor` needs to be handed to keep `keep` characters:
 * its first two windows. The request log's writer thread redacts texts that the event loop
 * cut to this length (ADR 0085); a text whose findings shorten even the second window below
 * `keep` comes back shorter (`cut`), which no text without dense personal data does.
 */
export function prefixReadLength(keep: number): number {
  return 2 * (keep + (keep >> 2) + PREFIX_MARGIN);
}

/**
 * `text` cut to what a prefix redactor keeping `keep` characters reads (`prefixReadLength`);
 * redact the result with `cut` when it is that long.
 */
export function cutForPrefix(text: string, keep: number): string {
  const most = prefixReadLength(keep);
  return text.length > most ? text.slice(0, most) : text;
}

/**
 * Texts in which every detector finds something (`test/privacy/redact-personal-data.test.ts`
 * holds them to that), one of one-byte characters and one with Chinese. V8 compiles a regular
 * expression on its first run against each kind of string, and to machine code on a later
 * one: a new redactor's first calls took 0.17-2.1 ms each, and 0.004-0.03 ms once warmed,
 * which took 9-11 ms (`bench/redaction-first-calls.ts`, 2026-12-01).
 */
export const WARM_UP_TEXTS: readonly string[] = [
  "Jane (jane.doe@mail.example.co.uk), (415) 555-2671 or +44 20 7946 0958. Visa " +
    "4111-1111-1111-1111, SSN 123-45-6789, IBAN GB82 WEST 1234 5698 7654 32, from " +
    "203.0.113.42 and 2001:db8::8a2e:370:7334. Mobile 13812345678, landline 010-62345678, ID " +
    "11010519491231002X, old ID 110105491231002, Taipei 0912-345-678.",
  "客户手机13812345678，座机 010-62345678，邮箱zhang.san@example.com，身份证号11010519491231002X，" +
    "旧身份证110105491231002，银行卡 6222 0212 3456 7890 128，SSN 123-45-6789，(415) 555-2671，" +
    "+44 20 7946 0958，IBAN DE89 3704 0044 0532 0130 00，IP 203.0.113.42，2001:db8::8a2e:370:7334，" +
    "台北手机0912345678，全角１３９１２３４５６７８。",
];

/**
 * Runs `redactor` on `WARM_UP_TEXTS`, twice each, so that a server's first requests do not
 * pay for compiling its expressions (a few milliseconds at start instead).
 */
export function warmRedactor(redactor: (text: string) => unknown): void {
  for (let round = 0; round < 2; round += 1) {
    for (const text of WARM_UP_TEXTS) redactor(text);
  }
}
