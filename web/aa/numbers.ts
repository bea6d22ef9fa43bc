// Phone numbers as a web page writes them: finding a business number in text whatever its spacing or form, and
// writing another number in the style of the occurrence it replaces. Pure string work (no DOM), unit-tested in
// numbers.test.ts; aa.ts applies it to the page.
//
// The forms recognised for a business number +CC NSN (national significant number), with T its trunk prefix (0 in
// most countries; absent for numbers written without it, e.g. Australian 13/1300/1800 numbers):
//   national:       T NSN or NSN             0401020304, 0401 020 304, (04) 0102 0304, 401 020 304
//   international:  +CC NSN, 00CC NSN, CC NSN +61 401 020 304, +61 (0)4 0102 0304, 0061 401 020 304, 61401020304
// Between any two digits up to three separators may stand: spaces (also no-break and thin), dots, dashes, brackets.
// The occurrence must not touch another digit on either side (0401020304 inside 904010203045 is no match).

/** A number as the swap needs it: country code, national significant number, trunk prefix and display text. */
export interface PhoneParts {
  /** Country calling code digits, '' when unknown (then nsn holds every E.164 digit and only international forms match). */
  cc: string;
  nsn: string;
  /** Trunk prefix digits written before the NSN in national form ('0' in Australia), '' for none. */
  trunk: string;
  /** National display text (e.g. "02 9999 8888"), or null to write the digits. */
  text: string | null;
}

const digitsOf = (s: string): string => s.replace(/\D/g, '');

/**
 * The parts of a number from its E.164 form and its national digits (as the server gives them for the number shown):
 * the country code is the E.164 prefix (1 to 3 digits) whose rest ends the national digits, the trunk what precedes
 * it there (at most 2 digits).
 */
export function partsOf(e164: string, national: string | null, text: string | null = null): PhoneParts {
  const e = digitsOf(e164);
  const n = digitsOf(national ?? '');
  for (let l = 1; l <= 3 && n; l++) {
    const nsn = e.slice(l);
    if (nsn.length >= 4 && n.endsWith(nsn) && n.length - nsn.length <= 2) return { cc: e.slice(0, l), nsn, trunk: n.slice(0, n.length - nsn.length), text };
  }
  return { cc: '', nsn: e, trunk: '', text };
}

/** The parts of a business number (E.164 only) given the country code and trunk learnt from the number shown. */
export function businessParts(e164: string, cc: string, trunk: string): PhoneParts {
  const e = digitsOf(e164);
  if (cc && e.startsWith(cc) && e.length - cc.length >= 4) return { cc, nsn: e.slice(cc.length), trunk: trunk || '0', text: null };
  return { cc: '', nsn: e, trunk: '', text: null };
}

const SEP = '[\\s.\\-()\\u2010-\\u2015]{0,3}';
const spaced = (digits: string): string => digits.split('').join(SEP);

/**
 * A global regular expression matching every written form of the number. Group 1 is the international prefix
 * (`+61 `, `0061`, `61`, `+61 (0)`), group 2 the national trunk ('' when written without it); one of them takes part.
 */
export function matcherOf(p: PhoneParts): RegExp {
  const intl = `(?:(?:\\+|00)${SEP})?${p.cc ? spaced(p.cc) + SEP + `(?:0${SEP})?` : ''}`;
  const national = p.cc ? `(?:${spaced(p.trunk || '0')}${SEP})?` : '(?!)';
  return new RegExp(`\\(?(?:(${intl})|(${national}))${spaced(p.nsn)}`, 'g');
}

/**
 * Writes `to` in the style of `occurrence`, a match of `matcherOf(from)` (its groups in `m`). The rule:
 * - the form is kept: an international occurrence gets the new number's country code and NSN after the same prefix
 *   (`+`, `00` or none; a written `(0)` stays), a national one the new number's national digits (trunk and NSN),
 *   or its NSN alone when the occurrence had no trunk and the NSN has as many digits as it (401 020 304);
 * - the grouping is kept digit by digit: the new digits fill the occurrence's digit positions in order and every
 *   other character (spaces, dots, dashes, brackets) stays where it was;
 * - when the digit counts differ (a 1300 number replacing a mobile), the new number's national display text is used
 *   instead, after the occurrence's international prefix (`+61 2 9999 8888`) when it was international.
 */
export function styleLike(occurrence: string, m: RegExpExecArray, from: PhoneParts, to: PhoneParts): string {
  const intl = m[1] !== undefined;
  let digits: string;
  let fallback: string;
  const text = to.text ?? to.trunk + to.nsn;
  const textNoTrunk = to.trunk && text.startsWith(to.trunk) ? text.slice(to.trunk.length).replace(/^\s+/, '') : text;
  if (intl) {
    const pre = digitsOf(m[1]);
    const lead = pre.startsWith('00') && !from.cc.startsWith('00') && pre.length > from.cc.length ? '00' : '';
    const tail = pre.length > lead.length + from.cc.length ? pre.slice(lead.length + from.cc.length) : '';
    if (!to.cc) {
      digits = lead + to.nsn;
      fallback = (m[1].includes('+') ? '+' : lead) + to.nsn;
    } else {
      digits = lead + to.cc + tail + to.nsn;
      fallback = `${m[1].includes('+') ? '+' : lead}${to.cc} ${textNoTrunk}`;
    }
  } else {
    // National digits first; an occurrence written without a trunk may take the NSN alone (401 020 304).
    const slots = digitsOf(occurrence).length;
    digits = !m[2] && to.nsn.length === slots ? to.nsn : to.trunk + to.nsn;
    fallback = text;
  }
  const slots = digitsOf(occurrence).length;
  if (slots === digits.length) {
    let i = 0;
    return occurrence.replace(/\d/g, () => digits[i++]);
  }
  const opened = occurrence.startsWith('(') && occurrence.split('(').length > occurrence.split(')').length ? '(' : '';
  return opened + fallback;
}

/** One swap: every written form of each `from` number becomes `to`, in the occurrence's style. */
export interface Swap {
  from: { parts: PhoneParts; re: RegExp }[];
  to: PhoneParts;
}

export function swapOf(from: PhoneParts[], to: PhoneParts): Swap {
  return { from: from.map((parts) => ({ parts, re: matcherOf(parts) })), to };
}

/** `s` with every occurrence of the swap's numbers written as its target (the same string when there is none). */
export function swapText(s: string, swap: Swap): string {
  if (!/\d{2}/.test(s.replace(/[\s.\-()]/g, ''))) return s;
  let out = s;
  for (const f of swap.from) {
    const re = f.re;
    re.lastIndex = 0;
    let result = '';
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(out))) {
      const start = m.index;
      const end = start + m[0].length;
      const before = start > 0 ? out[start - 1] : '';
      const after = out[end] ?? '';
      if (/\d/.test(before) || /\d/.test(after) || (before === '+' && m[1] === undefined)) {
        re.lastIndex = start + 1;
        continue;
      }
      result += out.slice(last, start) + styleLike(m[0], m, f.parts, swap.to);
      last = end;
    }
    if (last > 0) out = result + out.slice(last);
  }
  return out;
}

/** Whether `s` is, as a whole, one written form of one of the swap's `from` numbers. */
export function isOneOf(s: string, from: PhoneParts[]): boolean {
  const t = s.trim();
  return from.some((p) => {
    const re = matcherOf(p);
    const m = re.exec(t);
    return !!m && m.index === 0 && m[0].length === t.length;
  });
}
