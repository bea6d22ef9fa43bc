import { fieldError } from '../errors.ts';

/**
 * Rules of the work people do on calls: a call's label, its notes, the call-log search, and the evaluation report's
 * figures. Pure: no I/O.
 */

export const LABEL_MAX = 100;
export const NOTE_MAX = 5000;
export const SEARCH_MAX = 100;
export const SEARCH_WORDS_MAX = 5;
export const QUESTION_TITLE_MAX = 100;
export const QUESTION_TEXT_MAX = 1000;
export const WEIGHT_MAX = 100;

/** Control characters other than tab (a label is one line; a note may hold line breaks). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;
const CONTROL_OR_BREAK = /[\u0000-\u0008\u000a-\u001f\u007f]/;

const length = (s: string) => [...s].length;

/** A label as stored: trimmed, one line, at most LABEL_MAX characters; empty (or null) clears it. */
export function normalizeLabel(v: unknown, field = 'label'): string | null {
  if (v === null) return null;
  if (typeof v !== 'string') throw fieldError(field, 'must be a string or null');
  const s = v.trim();
  if (s === '') return null;
  if (CONTROL_OR_BREAK.test(s)) throw fieldError(field, 'must be one line without control characters');
  if (length(s) > LABEL_MAX) throw fieldError(field, `must be at most ${LABEL_MAX} characters`);
  return s;
}

/** A note's text: trimmed, 1 to NOTE_MAX characters; line breaks and tabs are kept, other control characters refused. */
export function normalizeNoteText(v: unknown, field = 'text'): string {
  if (typeof v !== 'string') throw fieldError(field, 'must be a string');
  const s = v.replace(/\r\n?/g, '\n').trim();
  if (s === '') throw fieldError(field, 'must not be empty');
  if (CONTROL.test(s.replace(/\n/g, ''))) throw fieldError(field, 'must not contain control characters');
  if (length(s) > NOTE_MAX) throw fieldError(field, `must be at most ${NOTE_MAX} characters`);
  return s;
}

/** A question's title or text: trimmed, 1 to `max` characters, one line for titles. */
export function normalizeQuestionPart(v: unknown, field: string, max: number, oneLine: boolean): string {
  if (typeof v !== 'string') throw fieldError(field, 'must be a string');
  const s = v.trim();
  if (s === '') throw fieldError(field, 'must not be empty');
  if ((oneLine ? CONTROL_OR_BREAK : CONTROL).test(s)) throw fieldError(field, oneLine ? 'must be one line without control characters' : 'must not contain control characters');
  if (length(s) > max) throw fieldError(field, `must be at most ${max} characters`);
  return s;
}

/** A question's weight in the weighted score: a whole number 0 to WEIGHT_MAX (0: asked, but not scored). */
export function normalizeWeight(v: unknown, field = 'weight'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > WEIGHT_MAX) throw fieldError(field, `must be a whole number from 0 to ${WEIGHT_MAX}`);
  return v;
}

/**
 * Case folding of the search: ASCII letters A–Z become a–z and nothing else changes, so both databases fold alike
 * (SQLite's lower() folds ASCII only).
 */
export function asciiFold(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Escapes a text for a LIKE pattern with `\` as the escape character. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** One word of a call-log search: its LIKE pattern over folded text, and the digits to look for in caller numbers. */
export interface SearchWord {
  /** `%word%`, folded and LIKE-escaped (escape character `\`) */
  pattern: string;
  /** the word's digits when it reads as (part of) a phone number, without a leading national 0; else null */
  digits: string | null;
}

/**
 * The call-log search `q`: words separated by spaces, each of which must match (AND) the caller number, the tracking
 * name, the label or a note of the call. A word matches text as a case-insensitive (ASCII) substring. A word made of
 * digits and `+ - ( ) .` with at least three digits also matches caller numbers containing those digits, a leading 0
 * (national prefix) dropped: `0290088888` and `9008-8888` find `+61290088888`.
 */
export function parseSearch(q: string, field = 'q'): SearchWord[] {
  if (length(q) > SEARCH_MAX) throw fieldError(field, `must be at most ${SEARCH_MAX} characters`);
  if (CONTROL_OR_BREAK.test(q)) throw fieldError(field, 'must not contain control characters');
  const words = q.split(/\s+/).filter(Boolean);
  if (!words.length) throw fieldError(field, 'must contain a word to search for');
  if (words.length > SEARCH_WORDS_MAX) throw fieldError(field, `must have at most ${SEARCH_WORDS_MAX} words`);
  return words.map((w) => {
    const numberLike = /^[+\d().-]+$/.test(w);
    let digits = numberLike ? w.replace(/\D/g, '') : '';
    if (digits.length > 3 && digits.startsWith('0') && !w.startsWith('+')) digits = digits.slice(1);
    return { pattern: `%${escapeLike(asciiFold(w))}%`, digits: numberLike && digits.length >= 3 ? digits : null };
  });
}

/** A percentage with one decimal (0–100), or null when nothing was counted. */
export function percent(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : null;
}

/** Counts of one group of the evaluation report, summed from answers. */
export interface EvaluationTally {
  answers: number;
  yes: number;
  /** sum of the answered questions' weights */
  weight: number;
  /** sum of the weights of the questions answered yes */
  yes_weight: number;
}

export function emptyTally(): EvaluationTally {
  return { answers: 0, yes: 0, weight: 0, yes_weight: 0 };
}

export function addTally(t: EvaluationTally, answers: number, yes: number, weight: number): void {
  t.answers += answers;
  t.yes += yes;
  t.weight += answers * weight;
  t.yes_weight += yes * weight;
}

/** A tally as the report shows it: counts, % yes, and the weighted score (% of the answered weight that is yes). */
export function tallyFigures(t: EvaluationTally) {
  return { answers: t.answers, yes: t.yes, no: t.answers - t.yes, yes_percent: percent(t.yes, t.answers), weighted_score: percent(t.yes_weight, t.weight) };
}

/** One call's evaluation score: the weighted share of yes answers, in percent; null when no weighted question is answered. */
export function callScore(answers: { answer: string; weight: number }[]): number | null {
  const t = emptyTally();
  for (const a of answers) addTally(t, 1, a.answer === 'yes' ? 1 : 0, a.weight);
  return percent(t.yes_weight, t.weight);
}
