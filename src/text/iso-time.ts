/**
 * @module
 * ISO 8601 times as `Date#toISOString` writes them (`2026-11-30T09:08:20.123Z`), written and
 * read for times that come second after second, as a server's do: each second is formatted or
 * parsed once, and the milliseconds are appended or added. The routing server stamps every
 * request this way (`server/request-clock.ts`), and its monitoring reads the stamps back
 * (`monitor/conditions/alert-condition.ts`, `server/admin/pending-events.ts`).
 */

/** ISO 8601 with milliseconds: `2026-11-30T09:08:20.123Z`, 24 characters for years 0-9999. */
export const ISO_LENGTH = 24;

/**
 * `(ms) => new Date(ms).toISOString()`, formatting the date and time to the second once per
 * second and appending the milliseconds: for times that come in order, as a server's do.
 */
export function isoFormatter(): (ms: number) => string {
  let second = Number.NaN;
  let prefix = "";
  return (ms) => {
    const rest = ms % 1000;
    const start = ms - rest;
    if (start !== second) {
      const formatted = new Date(start).toISOString();
      // Outside years 0-9999 (an extended year) the layout differs: format every call.
      if (formatted.length !== ISO_LENGTH || rest < 0) return new Date(ms).toISOString();
      second = start;
      prefix = formatted.slice(0, ISO_LENGTH - 4);
    }
    return `${prefix}${rest < 10 ? "00" : rest < 100 ? "0" : ""}${rest}Z`;
  };
}

/**
 * `Date.parse` for times that come second after second, each second parsed once: for a text in
 * `Date#toISOString`'s layout (`isoFormatter`'s) whose first 20 characters, up to the
 * milliseconds, are those of the last one it parsed, the milliseconds are added to that
 * second's time; any other text goes to `Date.parse`. V8's date parser takes about 3k
 * instructions a call, and the monitoring reads the time of every request's event
 * (`bench/router-instructions.ts --monitoring --functions`).
 */
export function isoTimeParser(): (text: string) => number {
  let prefix = "";
  let secondMs = Number.NaN;
  return (text) => {
    const ms = isoMilliseconds(text);
    if (ms === null) return Date.parse(text);
    if (prefix !== "" && text.startsWith(prefix)) return secondMs + ms;
    const time = Date.parse(text);
    const start = text.slice(0, 20);
    // Kept only when the text's digits are its milliseconds (its second, parsed, is the rest).
    if (!Number.isNaN(time) && time - ms === Date.parse(`${start}000Z`)) {
      prefix = start;
      secondMs = time - ms;
    }
    return time;
  };
}

/** The milliseconds of a text laid out as `2026-11-30T09:08:20.123Z`, or null for another layout. */
function isoMilliseconds(text: string): number | null {
  if (
    text.length !== ISO_LENGTH ||
    text.charCodeAt(19) !== 0x2e /* . */ ||
    text.charCodeAt(ISO_LENGTH - 1) !== 0x5a /* Z */
  ) {
    return null;
  }
  let ms = 0;
  for (let index = 20; index < 23; index += 1) {
    const digit = text.charCodeAt(index) - 0x30;
    if (digit < 0 || digit > 9) return null;
    ms = ms * 10 + digit;
  }
  return ms;
}
