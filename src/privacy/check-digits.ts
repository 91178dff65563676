/**
 * @module
 * Check-digit and structure tests that separate real identifiers from numbers that merely look
 * like them: Luhn (payment cards), ISO 7064 MOD 11-2 with region and birth date (Chinese
 * resident ID, GB 11643-1999), the SSA's never-issued SSN ranges, and ISO 13616 mod-97 with
 * per-country lengths (IBAN). Redaction uses them so an order number or a timestamp of the
 * right length is left alone.
 */

/** Luhn (mod 10) over a string of digits only. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * Issuer prefixes and lengths of the card networks in use (Visa, Mastercard incl. 2-series,
 * American Express, Discover, UnionPay, JCB, Diners, Mir, Maestro). A Luhn-valid number with
 * another prefix (an order number starting with 1, 7, 8 or 9) is not taken for a card.
 * Lengths are those actually issued (13-16 and 19): 17- and 18-digit cards exist on paper
 * only, and 18 digits is the length of a Chinese resident ID, which must not be read as one.
 */
export function cardPrefixPlausible(digits: string): boolean {
  const length = digits.length;
  const two = Number(digits.slice(0, 2));
  const three = Number(digits.slice(0, 3));
  const four = Number(digits.slice(0, 4));
  const long = length === 16 || length === 19;
  if (digits[0] === "4") return length === 13 || long; // Visa
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return length === 16; // Mastercard
  if (two === 34 || two === 37) return length === 15; // Amex
  if ((three >= 300 && three <= 305) || two === 36 || two === 38 || two === 39) {
    return length === 14 || long; // Diners
  }
  if (four >= 3528 && four <= 3589) return long; // JCB
  if (four >= 2200 && four <= 2204) return long; // Mir
  // Discover (6011, 644-649, 65), UnionPay (62, 81), Maestro (50, 56-69).
  if (two === 50 || (two >= 56 && two <= 69) || two === 81) return long;
  return false;
}

/** First two digits of mainland, Hong Kong/Macau/Taiwan resident ID region codes (GB/T 2260). */
const CHINESE_PROVINCE_CODES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
  53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91,
]);

const MOD_11_2_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const MOD_11_2_CHECK = "10X98765432";

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

/**
 * An 18-character Chinese resident identity number: province code, a real birth date between
 * 1900 and this year, and the ISO 7064 MOD 11-2 check character (`X` for 10).
 */
export function chineseResidentIdValid(value: string, now: Date = new Date()): boolean {
  if (!/^\d{17}[\dXx]$/.test(value)) return false;
  if (!CHINESE_PROVINCE_CODES.has(Number(value.slice(0, 2)))) return false;
  const year = Number(value.slice(6, 10));
  if (year < 1900 || year > now.getUTCFullYear()) return false;
  if (!validDate(year, Number(value.slice(10, 12)), Number(value.slice(12, 14)))) return false;
  let sum = 0;
  for (let index = 0; index < 17; index += 1) {
    sum += (value.charCodeAt(index) - 48) * (MOD_11_2_WEIGHTS[index] as number);
  }
  return MOD_11_2_CHECK[sum % 11] === value[17]?.toUpperCase();
}

/**
 * The 15-digit format issued before 1999: province code and a real `YYMMDD` birth date in the
 * 1900s. It has no check digit, so this is a weaker test than the 18-character one.
 */
export function chineseResidentId15Valid(value: string): boolean {
  if (!/^\d{15}$/.test(value)) return false;
  if (!CHINESE_PROVINCE_CODES.has(Number(value.slice(0, 2)))) return false;
  return validDate(
    1900 + Number(value.slice(6, 8)),
    Number(value.slice(8, 10)),
    Number(value.slice(10, 12)),
  );
}

/** A US Social Security number in ranges the SSA issues (area not 000, 666 or 9xx; group and serial not zero). */
export function ssnValid(area: string, group: string, serial: string): boolean {
  return area !== "000" && area !== "666" && area[0] !== "9" && group !== "00" && serial !== "0000";
}

// Country code and length, from the ISO 13616 registry.
const IBAN_REGISTRY =
  "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 " +
  "DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 " +
  "IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 " +
  "MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 " +
  "SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30";

/** IBAN length per country. */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = Object.fromEntries(
  IBAN_REGISTRY.split(" ").map((entry) => [entry.slice(0, 2), Number(entry.slice(2))]),
);

/** ISO 13616: known country, its length, and the mod-97 remainder of the rearranged number is 1. */
export function ibanValid(compact: string): boolean {
  const value = compact.toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(value)) return false;
  if (IBAN_LENGTHS[value.slice(0, 2)] !== value.length) return false;
  const rearranged = value.slice(4) + value.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const code = character.charCodeAt(0);
    // Letters count as two digits (A = 10 ... Z = 35).
    if (code >= 65) remainder = (remainder * 100 + (code - 55)) % 97;
    else remainder = (remainder * 10 + (code - 48)) % 97;
  }
  return remainder === 1;
}
