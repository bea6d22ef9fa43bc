import { stemsOf, type Phrase, type Speaker } from './sentiment.ts';

/** What a keyword rule does to a call whose transcript matches it. */
export type KeywordAction = { kind: 'label'; label: string } | { kind: 'high_risk' } | { kind: 'evaluation'; questionId: number; answer: boolean };

/** An account's keyword rule: any of its phrases, said by the named speaker (or either), triggers its action. */
export interface KeywordRule {
  id: number;
  phrases: readonly string[];
  speaker: Speaker | 'any';
  action: KeywordAction;
}

/** A rule that matched, with the phrase that matched it and where (the transcript phrase's start, ms). */
export interface KeywordHit {
  ruleId: number;
  phrase: string;
  speaker: Speaker;
  atMs: number;
  action: KeywordAction;
}

/** True when `needle` (stems) occurs as consecutive words of `hay` (stems). */
function containsRun(hay: readonly string[], needle: readonly string[]): boolean {
  if (!needle.length || needle.length > hay.length) return false;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * The rules a transcript matches, each once (its first hit in time). Phrases are compared by word stems, so a rule
 * for "booked" matches "booking" and "book", and a rule for "book an appointment" matches "booking an appointment";
 * a phrase never matches across two transcript phrases.
 */
export function matchKeywordRules(rules: readonly KeywordRule[], transcript: readonly Phrase[]): KeywordHit[] {
  const stemmed = [...transcript].sort((a, b) => a.startMs - b.startMs).map((p) => ({ p, stems: stemsOf(p.text) }));
  const hits: KeywordHit[] = [];
  for (const rule of rules) {
    const needles = rule.phrases.map((phrase) => ({ phrase, stems: stemsOf(phrase) })).filter((n) => n.stems.length);
    const hit = stemmed.find(({ p, stems }) => (rule.speaker === 'any' || rule.speaker === p.speaker) && needles.some((n) => containsRun(stems, n.stems)));
    if (!hit) continue;
    const phrase = needles.find((n) => containsRun(hit.stems, n.stems))!.phrase;
    hits.push({ ruleId: rule.id, phrase, speaker: hit.p.speaker, atMs: hit.p.startMs, action: rule.action });
  }
  return hits;
}
