import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from 'obscenity';

/** Who said a phrase: the caller (the call's first channel) or the agent (the answer point's channel). */
export type Speaker = 'caller' | 'agent';

/** One recognised phrase of a call's transcript, with its speaker and its place in the recording (ms). */
export interface Phrase {
  speaker: Speaker;
  startMs: number;
  endMs: number;
  text: string;
}

/**
 * The seed's eleven `[[sentiment:*]]` fields, as stored in the call record's `sentiment` JSON and sent in the HTTP
 * Callback (booleans as `1`/`0`, null as empty). Definitions and scales:
 * - `score`: the whole call's sentiment, −1 (negative) … +1 (positive), from wink-nlp's sentiment analyser
 *   (its packaged English model) over every word of both speakers; null when nothing was said.
 * - `agent`, `caller`: the same over one speaker's words only; null when that speaker said nothing.
 * - `talkMost`: `caller` or `agent`, whoever spoke longer by speech time (the sum of their phrases' durations), or
 *   `equal` when the two differ by less than 10 % of the speech time; null when nothing was said.
 * - `communication`: 0 … 100, how two-way the conversation was: 100 when both spoke for the same time, 0 when only
 *   one did (2 × the shorter speech time ÷ the total).
 * - `conduct`: 0 … 100, the agent's conduct: the agent's sentiment mapped onto 0 … 100, less 50 when the agent used a
 *   profanity; null when the agent said nothing.
 * - `politeness`: 0 … 100, 25 for each distinct courtesy expression the agent used (see `COURTESY`), at most 100;
 *   0 when the agent used a profanity; null when the agent said nothing.
 * - `highRisk`: one of the caller's phrases has a sentiment of −0.4 or below, or the caller used a profanity (keyword
 *   rules may also set it).
 * - `badAttitude`: one of the agent's phrases has a sentiment of −0.3 or below, or the agent used a profanity.
 * - `slangUsed`: a word of the informal-speech list `SLANG` was said by either speaker.
 * - `profanityUsed`: either speaker used a profanity, by the `obscenity` package's English dataset (which also catches
 *   disguised spellings).
 */
export interface Sentiment {
  score: number | null;
  agent: number | null;
  caller: number | null;
  talkMost: 'caller' | 'agent' | 'equal' | null;
  communication: number | null;
  conduct: number | null;
  politeness: number | null;
  highRisk: boolean;
  badAttitude: boolean;
  slangUsed: boolean;
  profanityUsed: boolean;
}

/** Courtesy expressions counted by `politeness` (no maintained library scores politeness; this list is the definition). */
export const COURTESY: readonly string[] = [
  'please', 'thank you', 'thanks', 'sorry', 'apologise', 'apologize', 'you are welcome', "you're welcome", 'appreciate',
  'my pleasure', 'happy to help', 'glad to help', 'good morning', 'good afternoon', 'good evening', 'have a nice day',
  'have a great day', 'have a good day',
];

/** Informal words counted by `slangUsed` (no maintained slang detector exists for English; this list is the definition). */
export const SLANG: readonly string[] = [
  'gonna', 'wanna', 'gotta', 'dunno', 'kinda', 'sorta', 'lemme', 'gimme', "ain't", 'aint', "y'all", 'yall', 'innit',
  'nah', 'yep', 'nope', 'dude', 'bro', 'cuz', 'ya', 'lol', 'whatever', 'cool', 'awesome', 'stuff',
];

const HIGH_RISK_CALLER = -0.4;
const BAD_ATTITUDE_AGENT = -0.3;

const nlp = winkNLP(model);
const its = nlp.its;
const profanity = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });

/** Lower-case words of a text, apostrophes kept (`ain't`), for the list checks. */
function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z]+(?:'[a-z]+)?/g) ?? [];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** wink-nlp's sentiment of a text (−1 … +1), null when the text has no word. */
export function sentimentOf(text: string): number | null {
  if (!words(text).length) return null;
  return round2(nlp.readDoc(text).out(its.sentiment) as number);
}

export function hasProfanity(text: string): boolean {
  return profanity.hasMatch(text);
}

/** The distinct courtesy expressions in a text (as listed in `COURTESY`). */
export function courtesyIn(text: string): string[] {
  const padded = ` ${words(text).join(' ')} `;
  return COURTESY.filter((c) => padded.includes(` ${words(c).join(' ')} `));
}

/** The seed's sentiment fields of a transcript (see `Sentiment` for each definition). */
export function analyseSentiment(phrases: readonly Phrase[]): Sentiment {
  const said = (who?: Speaker) => phrases.filter((p) => !who || p.speaker === who).map((p) => p.text).join('. ');
  const talk = (who: Speaker) => phrases.filter((p) => p.speaker === who).reduce((s, p) => s + Math.max(0, p.endMs - p.startMs), 0);
  const all = said();
  const callerText = said('caller');
  const agentText = said('agent');
  const caller = sentimentOf(callerText);
  const agent = sentimentOf(agentText);
  const callerTalk = talk('caller');
  const agentTalk = talk('agent');
  const totalTalk = callerTalk + agentTalk;
  const agentSwore = hasProfanity(agentText);
  const callerSwore = hasProfanity(callerText);
  const anyWords = words(all).length > 0;
  const worst = (who: Speaker) => Math.min(Infinity, ...phrases.filter((p) => p.speaker === who).map((p) => sentimentOf(p.text) ?? Infinity));
  return {
    score: sentimentOf(all),
    agent,
    caller,
    talkMost: !anyWords || totalTalk === 0 ? null : Math.abs(callerTalk - agentTalk) < 0.1 * totalTalk ? 'equal' : callerTalk > agentTalk ? 'caller' : 'agent',
    communication: !anyWords || totalTalk === 0 ? null : Math.round((200 * Math.min(callerTalk, agentTalk)) / totalTalk),
    conduct: agent === null ? null : Math.max(0, Math.min(100, Math.round(50 * (1 + agent)) - (agentSwore ? 50 : 0))),
    politeness: agent === null ? null : agentSwore ? 0 : Math.min(100, 25 * courtesyIn(agentText).length),
    highRisk: worst('caller') <= HIGH_RISK_CALLER || callerSwore,
    badAttitude: worst('agent') <= BAD_ATTITUDE_AGENT || agentSwore,
    slangUsed: words(all).some((w) => SLANG.includes(w)),
    profanityUsed: agentSwore || callerSwore,
  };
}

/** The stems of a text's words (wink-nlp's Porter stemmer), for keyword rules: "booked" and "booking" both give "book". */
export function stemsOf(text: string): string[] {
  const doc = nlp.readDoc(text.toLowerCase());
  const tokens = doc.tokens().out(its.stem as never) as unknown as string[];
  const types = doc.tokens().out(its.type) as string[];
  return tokens.filter((_, i) => types[i] === 'word');
}
