/**
 * @module
 * The detectors behind redaction, one per identifier shape: a regular expression that finds
 * candidates and a test that keeps only the real ones (check digits, issuer prefixes, valid
 * dates, separators used consistently). Precision is the point: a redacted order number or
 * timestamp destroys evidence an operator needs, so every numeric detector is anchored on
 * digit boundaries (no match inside a longer number or a decimal) and validated.
 *
 * When two detectors claim overlapping text the one with the higher `priority` wins (an email
 * contains digits; a checksummed ID beats a Luhn-valid card of the same digits).
 */
import { isIPv6 } from "node:net";
import {
  cardPrefixPlausible,
  chineseResidentId15Valid,
  chineseResidentIdValid,
  IBAN_LENGTHS,
  ibanValid,
  luhnValid,
  ssnValid,
} from "./check-digits.js";
import { INTERNATIONALIZED_TLDS } from "./internationalized-tlds.js";

/** The kinds of personal data redaction knows, each replaced by its own placeholder. */
export const REDACTION_TYPES = ["email", "phone", "card", "id", "iban", "ip"] as const;
export type RedactionType = (typeof REDACTION_TYPES)[number];

export const REDACTION_PLACEHOLDERS: Readonly<Record<RedactionType, string>> = {
  email: "[EMAIL]",
  phone: "[PHONE]",
  card: "[CARD]",
  id: "[ID]",
  iban: "[IBAN]",
  ip: "[IP]",
};

export interface PersonalDataSpan {
  type: RedactionType;
  /** Which detector found it: `cn-resident-id`, `us-ssn`, `cn-mobile`, `intl-phone`... */
  detector: string;
  start: number;
  end: number;
}

export interface PersonalDataDetector {
  name: string;
  type: RedactionType;
  priority: number;
  /** Cheap test on the whole text; false skips the detector. */
  mayOccur(text: string, hasDigit: boolean): boolean;
  find(text: string, found: (start: number, end: number) => void): void;
  /**
   * What `find` finds, by trying the expression at every position of the text, for a
   * detector whose `find` tries only where a match can start (tests hold the two to agree).
   */
  findEverywhere?(text: string, found: (start: number, end: number) => void): void;
  /** Where a match can start, ascending; null if more than `most` (default: no limit). */
  listStarts?(text: string, most?: number): number[] | null;
  /** What `find` finds, trying the expression at `starts` (from `listStarts`) only. */
  findAt?(
    text: string,
    starts: readonly number[],
    found: (start: number, end: number) => void,
  ): void;
}

// Not inside a word, and not the fraction of a decimal number ("3.13812345678").
const NUMBER_START = String.raw`(?<![\w]|\d[.,])`;
// Not followed by a word character, and not by a decimal fraction ("13812345678.00").
const NUMBER_END = String.raw`(?![\w]|[.,]\d)`;

/**
 * Labels that make a number a reference rather than personal data ("订单号：", "Order #").
 * Used only by detectors whose validation is weak (a Luhn check passes 1 number in 10).
 */
const REFERENCE_LABEL =
  /(?:订单|單號|单号|运单|快递单|物流单|流水号|交易号|发票|工单|order|invoice|tracking|shipment|waybill|ticket|ref(?:erence)?|txn|transaction)\s*(?:号码|编号|号|no\.?|number|num|id|#)?\s*[:：#]?\s*$/i;

function labelledAsReference(text: string, start: number): boolean {
  return REFERENCE_LABEL.test(text.slice(Math.max(0, start - 24), start));
}

/**
 * Texts shorter than this are scanned everywhere: listing starts costs more than it saves on
 * a short text (`bench/redaction.ts`, one call a line of 40-150 characters, was 11-18 % slower
 * with it).
 */
const MIN_TEXT_FOR_STARTS = 512;

/** Where the character after the one at `at` begins (a surrogate pair is one character). */
function nextCharacter(text: string, at: number): number {
  return (text.charCodeAt(at) & 0xfc00) === 0xd800 && (text.charCodeAt(at + 1) & 0xfc00) === 0xdc00
    ? at + 2
    : at + 1;
}

function regexDetector(
  name: string,
  type: RedactionType,
  priority: number,
  pattern: RegExp,
  options: {
    mayOccur?: (text: string, hasDigit: boolean) => boolean;
    /** Returns the span to redact (possibly narrower than the match), or null to reject. */
    accept?: (match: RegExpExecArray, text: string) => { start: number; end: number } | null;
    /**
     * Every position where a match can start, in ascending order (it may list more), or null
     * if there are more than `most`. With it, the expression is tried at those positions only,
     * rather than at every position of the text: V8 runs an expression like the email one at
     * about 85 instructions a character of text, most of them at positions where no match
     * can start. But one try costs more than a character of V8's own scan, so a text with
     * more than one start in `charactersPerStart` characters is scanned everywhere.
     */
    starts?: {
      list: (text: string, most: number) => number[] | null;
      charactersPerStart: number;
      /** Texts shorter than this are scanned everywhere; default `MIN_TEXT_FOR_STARTS`. */
      minTextLength?: number;
    };
  } = {},
): PersonalDataDetector {
  const accept =
    options.accept ??
    ((match: RegExpExecArray) => ({ start: match.index, end: match.index + match[0].length }));
  // The detector's own expressions, not a copy per call: `find` runs to its end before
  // anything else uses them, and leaves them reset.
  const findEverywhere = (text: string, found: (start: number, end: number) => void) => {
    const regex = pattern;
    regex.lastIndex = 0;
    try {
      for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
        const span = accept(match, text);
        if (span === null) {
          // A rejected candidate may hide a real one that starts inside it
          // ("2024-01-15 4111 1111 1111 1111"): look again from the next character. A whole
          // one: a Unicode expression told to start inside a surrogate pair starts before
          // it, at the same candidate again, for ever.
          regex.lastIndex = nextCharacter(text, match.index);
        } else {
          found(span.start, span.end);
          regex.lastIndex = Math.max(span.end, match.index + 1);
        }
      }
    } finally {
      regex.lastIndex = 0;
    }
  };
  const detector: PersonalDataDetector = {
    name,
    type,
    priority,
    mayOccur: options.mayOccur ?? ((_text, hasDigit) => hasDigit),
    find: findEverywhere,
  };
  const starts = options.starts;
  if (starts === undefined) return detector;
  // Sticky: a match must begin where it is tried. The same search as `findEverywhere`, which
  // takes the leftmost match at or after a position, then goes on past it (or one character
  // past a rejected one): tried in ascending order, the first start that matches is that one.
  const sticky = new RegExp(pattern.source, `${pattern.flags.replace("g", "")}y`);
  const findAt = (
    text: string,
    list: readonly number[],
    found: (start: number, end: number) => void,
  ) => {
    let from = 0;
    try {
      for (const start of list) {
        if (start < from) continue;
        sticky.lastIndex = start;
        const match = sticky.exec(text);
        if (match === null) continue;
        const span = accept(match, text);
        if (span === null) continue;
        found(span.start, span.end);
        from = Math.max(span.end, match.index + 1);
      }
    } finally {
      sticky.lastIndex = 0;
    }
  };
  const listStarts = (text: string, most = Number.POSITIVE_INFINITY) => starts.list(text, most);
  const minTextLength = starts.minTextLength ?? MIN_TEXT_FOR_STARTS;
  detector.findEverywhere = findEverywhere;
  detector.listStarts = listStarts;
  detector.findAt = findAt;
  detector.find = (text, found) => {
    const list =
      text.length < minTextLength
        ? null
        : listStarts(text, Math.floor(text.length / starts.charactersPerStart));
    if (list === null) findEverywhere(text, found);
    else findAt(text, list, found);
  };
  return detector;
}

/**
 * A letter or mark of a script other than Latin (`张`, `ж`, `ก`, `は`): where one meets an ASCII
 * letter or digit, a domain ends, and so does a local part before an ASCII domain. Chinese and
 * Japanese are written without spaces, so `联系zhang@qq.com谢谢` holds the address
 * `zhang@qq.com`, as it always did, while `张三@例子.中国` and `张三123@例子.中国` (RFC 6531,
 * IDNA) are addresses from their first character (`acceptEmail`).
 */
const OTHER_SCRIPT = String.raw`[[\p{L}\p{M}]--[\p{sc=Latin}\p{sc=Zinh}\p{sc=Zyyy}]]`;
/** Any character of a local part: letters, marks and digits of any script, `.`, `_`, `%`, `+`, `-`. */
const LOCAL_PART_CHARACTER = String.raw`[\p{L}\p{M}\p{N}._%+\-]`;
/**
 * The dots that separate a domain's labels: `.`, and the full-width `．`, ideographic `。` and
 * half-width ideographic `｡` that IDNA reads as it (RFC 3490 3.1, UTS 46), and that Chinese
 * text uses to keep an address from scrapers (`zhangsan@example。com`).
 */
const DOMAIN_DOT = String.raw`[.\uFF0E\u3002\uFF61]`;
/**
 * An email address: a local part of 1-64 characters that does not begin inside a longer run of
 * them (or begins where another script meets an ASCII letter or digit: `acceptEmail` says
 * which of these the address begins at), then a domain of labels in any script, separated by
 * `DOMAIN_DOT`s. Its last label is ASCII letters (or `xn--...`), ended by anything but a Latin
 * letter, digit, `_` or `-`; or, in group 1, a run of letters of any script that
 * `acceptedDomainEnd` holds to the known domains.
 */
const EMAIL = new RegExp(
  String.raw`(?:(?<!${LOCAL_PART_CHARACTER})|(?<=${OTHER_SCRIPT})(?=[A-Za-z0-9]))(?=[\p{L}\p{N}])` +
    `${LOCAL_PART_CHARACTER}{1,64}@` +
    String.raw`(?:[\p{L}\p{N}](?:[\p{L}\p{M}\p{N}\-]{0,61}[\p{L}\p{M}\p{N}])?${DOMAIN_DOT})+` +
    String.raw`(?:(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9\-]{1,59})(?![[\p{L}\p{M}\p{N}_\-]--${OTHER_SCRIPT}])|([\p{L}\p{M}]{2,63}))`,
  "gv",
);

/** The longest internationalized top-level domain, in UTF-16 code units. */
const LONGEST_TLD = Math.max(...[...INTERNATIONALIZED_TLDS].map((tld) => tld.length));
/** Scripts written without spaces between words (or, Korean, with particles joined to them). */
const WRITTEN_WITHOUT_SPACES =
  /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Thai}\p{scx=Lao}\p{scx=Hangul}]$/u;
/** A character that would make a domain's last label longer. */
const LABEL_CONTINUES = /[\p{L}\p{M}\p{N}_-]/uy;

/**
 * The span of an address whose last label (`label`, at `labelStart`) is not ASCII: up to the
 * end of the longest known domain the label begins with, which must end it, unless its script
 * is written without spaces (`例子.中国谢谢`: `中国`, then words); null if there is none.
 */
function acceptInternationalizedTld(
  start: number,
  label: string,
  labelStart: number,
  text: string,
): { start: number; end: number } | null {
  for (let length = Math.min(label.length, LONGEST_TLD); length >= 2; length -= 1) {
    const tld = label.slice(0, length);
    if (!INTERNATIONALIZED_TLDS.has(tld)) continue;
    const end = labelStart + length;
    if (WRITTEN_WITHOUT_SPACES.test(tld)) return { start, end };
    LABEL_CONTINUES.lastIndex = end;
    return LABEL_CONTINUES.test(text) ? null : { start, end };
  }
  return null;
}

/** A top-level domain of ASCII letters, or one written as DNS writes it (the expression's). */
const ASCII_TLD = /^(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9-]{1,59})$/;
/** A dot other than `.` in a domain. */
const IDEOGRAPHIC_DOT = /[\uFF0E\u3002\uFF61]/;
/** A character of a domain's labels that is not ASCII (a domain without one is ASCII). */
const NON_ASCII_LABEL_CHARACTER = /[^\p{ASCII}\uFF0E\u3002\uFF61]/u;
/** A label that begins with a letter of a script written without spaces. */
const BEGINS_WITHOUT_SPACES =
  /^[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Thai}\p{scx=Lao}\p{scx=Hangul}]/u;

/**
 * Known top-level domains that are also an utterance on their own, after a sentence's end:
 * `我爱你` ("I love you": `谢谢@小明。我爱你。`), `みんな` ("everyone", as one calls a room).
 * After `．`, `。` or `｡` they are read as the sentence, not as an address's last label.
 */
const UTTERANCE_TLDS: ReadonlySet<string> = new Set(["我爱你", "みんな"]);
/**
 * What, after a known top-level domain written after `．`, `。` or `｡`, makes it the first
 * word of a sentence: more of a word (`中国队赢了`), or the enumeration comma or colon that a
 * noun heading a list or a label takes (`。手机、电脑`, `。手机：1334...`, both in the real
 * reviews).
 */
const SENTENCE_GOES_ON = /[\p{L}\p{M}\p{N}_\-、：:]/uy;

/**
 * Whether `label`, ending at `end`, is the last label of an address written with `．`, `。`
 * or `｡` in an internationalised domain: a known top-level domain whole, that is no utterance
 * and begins no sentence (`UTTERANCE_TLDS`, `SENTENCE_GOES_ON`). Those dots end sentences in
 * Chinese and Japanese, and only a whole top-level domain says the dot before it did not.
 */
function isTldAfterIdeographicDot(label: string, end: number, text: string): boolean {
  if (!INTERNATIONALIZED_TLDS.has(label) || UTTERANCE_TLDS.has(label)) return false;
  SENTENCE_GOES_ON.lastIndex = end;
  return !SENTENCE_GOES_ON.test(text);
}

/** Whether the code unit is one of the `DOMAIN_DOT`s. */
function isDomainDot(code: number): boolean {
  return code === 0x2e || code === 0xff0e || code === 0x3002 || code === 0xff61;
}

/**
 * Where an address whose domain runs from `domainStart` to `end` (the expression's match)
 * ends, or null if it is none. Its last label must be a top-level domain: ASCII (group 1
 * undefined, checked by the expression) or a known internationalised one. When that label
 * begins in a script written without spaces and is no top-level domain, the dot before it
 * ended a sentence (`zhang@qq.com。谢谢`, `zhang@qq.com.谢谢`): the address ends at that dot,
 * if what is left is one. A domain written with `．`, `。` or `｡` must be ASCII throughout
 * (`example。com`) or end in a known internationalised top-level domain, whole
 * (`例子。中国`, `isTldAfterIdeographicDot`): those dots end sentences in Chinese and
 * Japanese, and `谢谢@李雷。Thanks` and `收到@王五。中国队赢了` are no addresses.
 */
function acceptedDomainEnd(
  text: string,
  domainStart: number,
  end: number,
  firstLabel: string | undefined,
): number | null {
  let label = firstLabel;
  for (let first = true; ; first = false) {
    let dot = end - 1;
    while (dot > domainStart && !isDomainDot(text.charCodeAt(dot))) dot -= 1;
    if (dot <= domainStart) return null;
    const labelStart = dot + 1;
    if (!first)
      label = ASCII_TLD.test(text.slice(labelStart, end)) ? undefined : text.slice(labelStart, end);
    const domain = text.slice(domainStart, end);
    if (IDEOGRAPHIC_DOT.test(domain)) {
      if (label === undefined) {
        if (!NON_ASCII_LABEL_CHARACTER.test(domain)) return end;
      } else if (isTldAfterIdeographicDot(label, end, text)) {
        return end;
      }
    } else if (label === undefined) {
      return end;
    } else {
      const span = acceptInternationalizedTld(domainStart, label, labelStart, text);
      if (span !== null) return span.end;
    }
    if (label === undefined || !BEGINS_WITHOUT_SPACES.test(label)) return null;
    end = dot;
  }
}

/**
 * Words that introduce an address in Chinese, written with no separator before it
 * (`请联系张三123@例子.中国`, `发到张三@例子.中国`, `我的邮箱是…`). Words only, of two
 * characters or more: a single character (`至`, `为`) may be part of a given name, and a name
 * cut short is a name left in the log.
 */
const CHINESE_ADDRESS_CUE =
  "(?:(?:电子)?(?:邮箱|郵箱|信箱|邮件|郵件|电邮|電郵|邮址|郵址)(?:地址)?|地址|(?:联系|聯繫|聯系|联络|聯絡)(?:方式|人|我们|我們|我)?)(?:是|为|為|到|至|给|給)?|(?:发|發|寄|传|傳|转|轉|写|寫)(?:送|信|邮件|郵件)?(?:到|至|给|給)";
/**
 * The same in Japanese (`メールは田中@例え.コム`, `連絡先：` has its separator): a word, then
 * the particle that joins it to the address if one is written. A particle is hiragana, and so
 * are many given names (`はるか`, `にいな`): one followed by hiragana is left out of the cue
 * (`メールはるか@…` is `メール[EMAIL]`, the particle redacted, never the name's first kana
 * left in the log).
 */
const JAPANESE_ADDRESS_CUE = String.raw`(?:メールアドレス|メアド|アドレス|電子メール|メール|お問い合わせ先|お問い合わせ|問い合わせ先|問合せ先|連絡先|送信先|送り先|返信先|宛先)(?:(?:までに|まで|にて|は|を|に|へ|で)(?!\p{sc=Hiragana}))?`;
/**
 * The same in Korean, which mostly writes a space before an address (`이메일은 홍길동@…`),
 * for text that does not (`메일은홍길동@예시.한국`, `연락처는hong@naver.com`). The topic,
 * object and instrument particles join the cue; `은` (a surname) and `로` (which begins names
 * written in Hangul, `로라`) only when what follows is not Hangul. `주소` ("address") only with
 * a particle: bare, it begins names (`주소영`: the surname `주` and a given name).
 */
const KOREAN_ADDRESS_CUE = String.raw`(?:(?:이메일|메일|전자우편)(?:주소)?|연락처)(?:는|을|를|으로|(?:은|로)(?!\p{sc=Hangul}))?|주소(?:는|을|를|으로|(?:은|로)(?!\p{sc=Hangul}))`;
/**
 * Words that introduce an address, written with no separator before it: a local part that
 * would begin with one, or run across one, begins after the last (`afterLastCue`). A cue must
 * not eat a name: no word listed can begin a name (`주소` only with a particle), and a
 * particle that can begin one joins the cue only where the script changes after it.
 */
const ADDRESS_CUE = new RegExp(
  `${CHINESE_ADDRESS_CUE}|${JAPANESE_ADDRESS_CUE}|${KOREAN_ADDRESS_CUE}`,
  "gu",
);

/**
 * Where a local part that begins at `start` (a letter outside ASCII) really begins: after the
 * last `ADDRESS_CUE` in it that leaves a local part behind it (`联系人@公司.中国` is an address
 * whole), or at `start`.
 */
function afterLastCue(text: string, start: number, at: number): number {
  const localPart = text.slice(start, at);
  let begins = start;
  ADDRESS_CUE.lastIndex = 0;
  for (let cue = ADDRESS_CUE.exec(localPart); cue !== null; cue = ADDRESS_CUE.exec(localPart)) {
    const end = cue.index + cue[0].length;
    LOCAL_PART_BEGINS.lastIndex = end;
    if (end < localPart.length && LOCAL_PART_BEGINS.test(localPart)) begins = start + end;
  }
  ADDRESS_CUE.lastIndex = 0;
  return begins;
}

/** A character a local part can begin with (the expression's). */
const LOCAL_PART_BEGINS = /[\p{L}\p{N}]/uy;
/** An `xn--` label anywhere in a domain: DNS's writing of an internationalised one. */
const ACE_LABEL = /(?:^|[.\uFF0E\u3002\uFF61])xn--/i;

/**
 * A letter of a script written without spaces between words (Chinese, Japanese, Thai, Lao,
 * Khmer, Burmese): only there can a word run into an address (`联系我zhang@qq.com`). Scripts
 * written with spaces (Cyrillic, Greek, Arabic, Hangul...) put one before an address, so a
 * run such as `иван123@mail.ru` is one local part, redacted whole.
 */
const WITHOUT_SPACES_CODE_POINT =
  /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Thai}\p{scx=Lao}\p{scx=Khmer}\p{scx=Myanmar}]/uy;

/**
 * Where, in the run from `start` to `at`, the last letter of a script written without spaces
 * is followed by an ASCII letter or digit; -1 if nowhere.
 */
function lastMeeting(text: string, start: number, at: number): number {
  for (let position = at - 1; position > start; position -= 1) {
    if (!isAsciiAlphanumeric(text, position)) continue;
    const low = text.charCodeAt(position - 1);
    if (low < 0x80) continue;
    const before =
      (low & 0xfc00) === 0xdc00 &&
      position > start + 1 &&
      (text.charCodeAt(position - 2) & 0xfc00) === 0xd800
        ? position - 2
        : position - 1;
    WITHOUT_SPACES_CODE_POINT.lastIndex = before;
    if (WITHOUT_SPACES_CODE_POINT.test(text)) return position;
  }
  return -1;
}

/**
 * The span of the address the expression matched, or null if it is none: its domain ends
 * where `acceptedDomainEnd` says, and its local part begins
 * - in an ASCII domain, where another script last meets an ASCII letter or digit before the
 *   `@`: `联系我zhang@qq.com谢谢` and `我的QQ邮箱是123456789@qq.com` are written that way far
 *   more often than a name in Chinese before ASCII in the local part of an ordinary address;
 * - in an internationalised domain (a label outside ASCII or `xn--`), with the run: the
 *   address is one of RFC 6531's, whose local parts hold any letters, and `张三123` before
 *   `@例子.中国` is a name and a number, not a word and an address (`张三[EMAIL]` kept the
 *   name);
 * and a local part that then begins with a letter outside ASCII begins after the last word
 * that introduces an address in it (`afterLastCue`): `请联系张三123@例子.中国` keeps `请联系`.
 */
function acceptEmail(match: RegExpExecArray, text: string): { start: number; end: number } | null {
  // Most addresses are ASCII, and all of these rules are then the expression's.
  if (match[1] === undefined && isAscii(match[0])) {
    return { start: match.index, end: match.index + match[0].length };
  }
  const at = match.index + match[0].indexOf("@");
  const end = acceptedDomainEnd(text, at + 1, match.index + match[0].length, match[1]);
  if (end === null) return null;
  const domain = text.slice(at + 1, end);
  let start = match.index;
  if (!NON_ASCII_LABEL_CHARACTER.test(domain) && !ACE_LABEL.test(domain)) {
    const meeting = lastMeeting(text, start, at);
    if (meeting !== -1) start = meeting;
  }
  if (text.charCodeAt(start) >= 0x80) start = afterLastCue(text, start, at);
  return { start, end };
}

const LOCAL_PART_CODE_POINT = new RegExp(LOCAL_PART_CHARACTER, "uy");
const OTHER_SCRIPT_CODE_POINT = new RegExp(OTHER_SCRIPT, "vy");

/** Whether every character of `text` is ASCII. */
function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    if (text.charCodeAt(index) >= 0x80) return false;
  }
  return true;
}

/** Whether the character at `at` is an ASCII letter or digit. */
function isAsciiAlphanumeric(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x30 && code <= 0x39)
  );
}

/**
 * Where an email address can start: before each `@`, where its run of local-part characters
 * begins, and wherever another script meets an ASCII letter or digit in that run (the
 * expression starts there too, and only there when the run is longer than a local part). The
 * local part is 1-64 characters, and the expression's lookbehind rules out any other start.
 * Null if there are more than `most` `@`s: the starts after the first of an `@` are tried
 * only if it is refused (`findAt` skips the starts inside an address it found), so the `@`s
 * count the tries.
 */
function emailStarts(text: string, most: number): number[] | null {
  const starts: number[] = [];
  const meetings: number[] = [];
  let atSigns = 0;
  for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
    atSigns += 1;
    if (atSigns > most) return null;
    let start = at;
    meetings.length = 0;
    for (let characters = 0; start > 0 && characters < 64; characters += 1) {
      const low = text.charCodeAt(start - 1);
      const width =
        low >= 0xdc00 &&
        low <= 0xdfff &&
        start > 1 &&
        (text.charCodeAt(start - 2) & 0xfc00) === 0xd800
          ? 2
          : 1;
      const before = start - width;
      if (low < 0x80) {
        if (!isLocalPartCharacter(low)) break;
      } else {
        LOCAL_PART_CODE_POINT.lastIndex = before;
        if (!LOCAL_PART_CODE_POINT.test(text)) break;
        if (start < at && isAsciiAlphanumeric(text, start)) {
          OTHER_SCRIPT_CODE_POINT.lastIndex = before;
          if (OTHER_SCRIPT_CODE_POINT.test(text)) meetings.push(start);
        }
      }
      start = before;
    }
    if (start < at && start !== meetings[meetings.length - 1]) starts.push(start);
    for (let index = meetings.length - 1; index >= 0; index -= 1) {
      starts.push(meetings[index] as number);
    }
  }
  return starts;
}

/** ASCII characters of an email address's local part (the email expression's). */
function isLocalPartCharacter(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2e || // .
    code === 0x5f || // _
    code === 0x25 || // %
    code === 0x2b || // +
    code === 0x2d // -
  );
}

/**
 * Appends to `starts` (ascending) the positions from `before` characters ahead of `at` up to
 * `at`, leaving out those it already holds.
 */
function pushStartsUpTo(starts: number[], at: number, before: number): void {
  const last = starts.length === 0 ? -1 : (starts[starts.length - 1] as number);
  for (let start = Math.max(last + 1, at - before); start <= at; start += 1) starts.push(start);
}

/**
 * Where a match can start, for an expression whose matches all hold `character` at most
 * `before` characters after their start: the `before + 1` positions up to each occurrence.
 */
function startsBefore(
  character: string,
  before: number,
): (text: string, most: number) => number[] | null {
  return (text, most) => {
    const starts: number[] = [];
    for (let at = text.indexOf(character); at !== -1; at = text.indexOf(character, at + 1)) {
      pushStartsUpTo(starts, at, before);
      if (starts.length > most) return null;
    }
    return starts;
  };
}

const DIGIT_RUN = /\d+/g;
/** The last `digitRuns` answer: the eight detectors that start near a digit ask in turn. */
let runsOf: string | undefined;
let runsMost = 0;
let runsFound: number[] | null = null;

/** Where each run of digits in `text` begins, or null if there are more than `most`. */
function digitRuns(text: string, most: number): number[] | null {
  if (text === runsOf && most === runsMost) return runsFound;
  let runs: number[] | null = [];
  DIGIT_RUN.lastIndex = 0;
  for (let match = DIGIT_RUN.exec(text); match !== null; match = DIGIT_RUN.exec(text)) {
    if (runs.length >= most) {
      runs = null;
      break;
    }
    runs.push(match.index);
  }
  DIGIT_RUN.lastIndex = 0;
  runsOf = text;
  runsMost = most;
  runsFound = runs;
  return runs;
}

/**
 * Where a match can start, for an expression whose first digit begins a run of digits and
 * comes at most `before` characters after the match's start (`+1`, `(0`, `DE89`): the
 * `before + 1` positions up to each run's first digit. Here `most` bounds the runs.
 */
function startsBeforeDigits(before: number): (text: string, most: number) => number[] | null {
  return (text, most) => {
    const runs = digitRuns(text, most);
    if (runs === null || before === 0) return runs;
    const starts: number[] = [];
    for (const run of runs) pushStartsUpTo(starts, run, before);
    return starts;
  };
}

/** Past one run of digits in this many characters, a digit-led detector scans everywhere. */
const CHARACTERS_PER_DIGIT_RUN = 16;

const digitStarts = (before: number) => ({
  list: startsBeforeDigits(before),
  charactersPerStart: CHARACTERS_PER_DIGIT_RUN,
});

const email = regexDetector("email", "email", 100, EMAIL, {
  mayOccur: (text) => text.includes("@"),
  accept: acceptEmail,
  // One try: 56-69 ns, against 3.6-6.6 ns a character for the scan everywhere
  // (`bench/redaction-starts.ts`, docs/benchmarks.md), for the ASCII expression. With letters
  // of every script a try costs several times more, and listing the starts beat the scan
  // everywhere on short texts too (ADR 0078).
  starts: { list: emailStarts, charactersPerStart: 32, minTextLength: 0 },
});

const iban = regexDetector(
  "iban",
  "iban",
  90,
  /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}/g,
  {
    // Its first digit comes after the two letters of the country code.
    starts: digitStarts(2),
    accept(match, text) {
      // The pattern is greedy; the country's registered length says where the IBAN ends.
      const length = IBAN_LENGTHS[match[0].slice(0, 2)];
      if (length === undefined) return null;
      let compact = "";
      let end = match.index;
      for (const character of match[0]) {
        end += 1;
        if (character !== " ") compact += character;
        if (compact.length === length) break;
      }
      if (compact.length !== length || /[A-Za-z0-9]/.test(text[end] ?? "")) return null;
      return ibanValid(compact) ? { start: match.index, end } : null;
    },
  },
);

const chineseResidentId = regexDetector(
  "cn-resident-id",
  "id",
  80,
  new RegExp(`${NUMBER_START}\\d{17}[\\dXx]${NUMBER_END}`, "g"),
  {
    // Digit-led: at the first digit of a run (the lookbehind rejects any other).
    starts: digitStarts(0),
    accept: (match) =>
      chineseResidentIdValid(match[0])
        ? { start: match.index, end: match.index + match[0].length }
        : null,
  },
);

const card = regexDetector(
  "card",
  "card",
  70,
  new RegExp(`${NUMBER_START}\\d(?:[ -]?\\d){11,18}(?!\\d|[.,]\\d)`, "g"),
  {
    // Digit-led, as the resident ID.
    starts: digitStarts(0),
    accept(match, text) {
      const raw = match[0];
      const separators = raw.replace(/\d/g, "");
      if (separators.length > 0 && !/^( +|-+)$/.test(separators)) return null;
      if (labelledAsReference(text, match.index)) return null;
      // A card followed by another number ("4111 1111 1111 1111 20"): try whole groups from the end.
      const groups = separators.length === 0 ? [raw] : raw.split(separators[0] as string);
      for (let count = groups.length; count >= 1; count -= 1) {
        const digits = groups.slice(0, count).join("");
        if (digits.length < 13) break;
        if (luhnValid(digits) && cardPrefixPlausible(digits)) {
          const end = match.index + groups.slice(0, count).join(separators[0] ?? "").length;
          if (count < groups.length || !/[A-Za-z0-9_]/.test(text[end] ?? "")) {
            return { start: match.index, end };
          }
        }
      }
      return null;
    },
  },
);

const ssn = regexDetector(
  "us-ssn",
  "id",
  60,
  /(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-])|\b(?:SSN|social security (?:number|no\.?))\s*[:#]?\s*(\d{3})[ -]?(\d{2})[ -]?(\d{4})(?!\d)/gi,
  {
    accept(match) {
      const [area, group, serial] =
        match[1] !== undefined ? [match[1], match[2], match[3]] : [match[4], match[5], match[6]];
      if (!ssnValid(area as string, group as string, serial as string)) return null;
      const end = match.index + match[0].length;
      if (match[1] !== undefined) return { start: match.index, end };
      // Keyword form: redact the number, keep "SSN:" so the sentence still reads.
      const number = /\d{3}[ -]?\d{2}[ -]?\d{4}$/.exec(match[0]) as RegExpExecArray;
      return { start: end - number[0].length, end };
    },
  },
);

const chineseResidentId15 = regexDetector(
  "cn-resident-id-15",
  "id",
  50,
  new RegExp(`${NUMBER_START}\\d{15}${NUMBER_END}`, "g"),
  {
    // Digit-led, as the resident ID.
    starts: digitStarts(0),
    accept: (match, text) =>
      chineseResidentId15Valid(match[0]) && !labelledAsReference(text, match.index)
        ? { start: match.index, end: match.index + match[0].length }
        : null,
  },
);

const chineseMobile = regexDetector(
  "cn-mobile",
  "phone",
  45,
  new RegExp(
    `(?<![\\w+]|\\d[.,])(?:(?:\\+|00)?86[ -]?)?1[3-9]\\d(?:\\d{8}|[ -]\\d{4}[ -]\\d{4})${NUMBER_END}`,
    "g",
  ),
  {
    // At a digit, or at the `+` of `+86` just before one.
    starts: digitStarts(1),
    accept(match, text) {
      // An unseparated run (`13812345678`, or `8613812345678` as exports write the country
      // code without its `+`) may be a reference number.
      const bare = /^(?:86)?1\d{10}$/.test(match[0]);
      if (bare && labelledAsReference(text, match.index)) return null;
      return { start: match.index, end: match.index + match[0].length };
    },
  },
);

// Taiwan's mobiles: 09, then eight digits, written whole or as 09xx-xxx-xxx (+886 9xx... is
// the international phone detector's).
const taiwanMobile = regexDetector(
  "tw-mobile",
  "phone",
  45,
  new RegExp(`${NUMBER_START}09\\d{2}(?:\\d{6}|([ -])\\d{3}\\1\\d{3})${NUMBER_END}`, "g"),
  {
    // Digit-led, as the resident ID.
    starts: digitStarts(0),
    accept: (match, text) =>
      match[1] === undefined && labelledAsReference(text, match.index)
        ? null
        : { start: match.index, end: match.index + match[0].length },
  },
);

// Area code 010, 02x or 0xxx (3-9), then a 7-8 digit local number starting 2-9; a separator or
// parentheses are required, because a bare 11-12 digit run starting with 0 is as often an
// order or account number.
const chineseLandline = regexDetector(
  "cn-landline",
  "phone",
  44,
  new RegExp(
    `${NUMBER_START}(?:\\(0(?:10|2\\d|[3-9]\\d{2})\\)[ -]?|0(?:10|2\\d|[3-9]\\d{2})[ -])[2-9]\\d{2,3}[ -]?\\d{4}(?: ?(?:转|分机|ext\\.?|x) ?\\d{1,5}|-\\d{1,5})?${NUMBER_END}`,
    "g",
  ),
  {
    // At a digit, or at the `(` of `(010)` just before one.
    starts: digitStarts(1),
  },
);

// NANP: area code and exchange start 2-9; groups separated consistently or the area code in
// parentheses. An unformatted 10-digit run is not taken (too many order numbers look like it).
const usPhone = regexDetector(
  "us-phone",
  "phone",
  43,
  new RegExp(
    `(?<![\\w+]|\\d[.,])(?:\\+?1[ .-]?)?(?:\\([2-9]\\d{2}\\) ?[2-9]\\d{2}[ .-]\\d{4}|[2-9]\\d{2}([ .-])[2-9]\\d{2}\\1\\d{4})${NUMBER_END}`,
    "g",
  ),
  {
    // At a digit, or at the `+` or `(` just before one.
    starts: digitStarts(1),
  },
);

// E.164 written with a leading +: country code, then groups; 8 to 15 digits in all.
const internationalPhone = regexDetector(
  "intl-phone",
  "phone",
  42,
  /(?<![\w+])\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?)(?:[ .-]?\d{2,5}){1,5}(?![\w]|[.,]\d)/g,
  {
    mayOccur: (text, hasDigit) => hasDigit && text.includes("+"),
    accept(match) {
      const digits = match[0].replace(/\D/g, "").length;
      return digits >= 8 && digits <= 15
        ? { start: match.index, end: match.index + match[0].length }
        : null;
    },
  },
);

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const VERSION_LABEL = /(?:version|ver\.?|版本|release|build)\s*(?:号)?\s*[:：]?\s*$/i;

const ipv4 = regexDetector(
  "ipv4",
  "ip",
  30,
  new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, "g"),
  {
    // Digit-led, as the resident ID.
    starts: digitStarts(0),
    mayOccur: (text, hasDigit) => hasDigit && text.includes("."),
    accept: (match, text) =>
      VERSION_LABEL.test(text.slice(Math.max(0, match.index - 16), match.index))
        ? null
        : { start: match.index, end: match.index + match[0].length },
  },
);

const ipv6 = regexDetector(
  "ipv6",
  "ip",
  31,
  /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?(?![\w:]|\.\d)/g,
  {
    mayOccur: (text) => text.includes(":"),
    // The first `:` comes after at most four hex digits. One try: 17-24 ns, against 3.3-7.0
    // ns a character for the scan everywhere (`bench/redaction-starts.ts`).
    starts: { list: startsBefore(":", 4), charactersPerStart: 8 },
    accept: (match) =>
      /[0-9A-Fa-f]/.test(match[0]) && isIPv6(match[0])
        ? { start: match.index, end: match.index + match[0].length }
        : null,
  },
);

/** All detectors, highest priority first. */
export const PERSONAL_DATA_DETECTORS: readonly PersonalDataDetector[] = [
  email,
  iban,
  chineseResidentId,
  card,
  ssn,
  chineseResidentId15,
  chineseMobile,
  taiwanMobile,
  chineseLandline,
  usPhone,
  internationalPhone,
  ipv6,
  ipv4,
];
