import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

export const NUMBER_CLASSES = ['GEO', 'TOLLFREE', 'FREECALL', 'MOBILE'] as const;
export type NumberClass = (typeof NUMBER_CLASSES)[number];

export interface ParsedNumber {
  /** E.164, e.g. +61290088888 */
  e164: string;
  /** ISO 3166 alpha-2 country, e.g. AU */
  country: string;
  /** National significant number without trunk prefix, e.g. 290088888 */
  nationalNumber: string;
  /** Class inferred from the numbering plan, or null when the plan says nothing usable. */
  inferredClass: NumberClass | null;
}

/**
 * Parses a number written as E.164 (`+61290088888`), AVANSER style (`+61-0290088888`), with spaces or dashes,
 * or nationally when a default country is given. Returns null when it is not a valid number.
 */
export function parseNumber(input: string, defaultCountry?: string): ParsedNumber | null {
  if (typeof input !== 'string') return null;
  let text = input.trim();
  // +CC-0LOCAL keeps the national trunk prefix; the country code tells us how to read the rest.
  const avanser = /^\+(\d{1,3})-(\d+)$/.exec(text.replace(/\s+/g, ''));
  let parsed: PhoneNumber | undefined;
  if (avanser) {
    parsed = parsePhoneNumberFromString(`+${avanser[1]}${avanser[2].replace(/^0+/, '')}`);
  } else {
    if (/^00\d/.test(text)) text = `+${text.slice(2)}`;
    parsed = parsePhoneNumberFromString(text, defaultCountry ? (defaultCountry.toUpperCase() as CountryCode) : undefined);
  }
  if (!parsed || !parsed.isValid() || !parsed.country) return null;
  return {
    e164: parsed.number,
    country: parsed.country,
    nationalNumber: parsed.nationalNumber,
    inferredClass: classFromType(parsed.getType()),
  };
}

/** libphonenumber types to AVANSER classes: note AVANSER TOLLFREE ≈ SHARED_COST and FREECALL ≈ TOLL_FREE. */
function classFromType(type: string | undefined): NumberClass | null {
  switch (type) {
    case 'FIXED_LINE':
    case 'FIXED_LINE_OR_MOBILE':
      return 'GEO';
    case 'MOBILE':
      return 'MOBILE';
    case 'TOLL_FREE':
      return 'FREECALL';
    case 'SHARED_COST':
      return 'TOLLFREE';
    default:
      return null;
  }
}

export function isNumberClass(v: unknown): v is NumberClass {
  return typeof v === 'string' && (NUMBER_CLASSES as readonly string[]).includes(v);
}

/** `+CC-LOCAL` with the national trunk prefix kept, as the AVANSER-compatible surfaces write numbers. */
export function toAvanserFormat(e164: string): string {
  const p = parsePhoneNumberFromString(e164);
  if (!p) return e164;
  const national = p.formatNational().replace(/\D/g, '');
  return `+${p.countryCallingCode}-${national}`;
}

/** True when the national number starts with the area prefix (a leading trunk 0 in the prefix is ignored). */
export function matchesArea(nationalNumber: string, area: string): boolean {
  const digits = area.replace(/\D/g, '').replace(/^0+/, '');
  return nationalNumber.startsWith(digits);
}
