import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyseSentiment, courtesyIn, stemsOf, type Phrase } from './sentiment.ts';
import { matchKeywordRules, type KeywordRule } from './keywords.ts';

const line = (speaker: Phrase['speaker'], startS: number, endS: number, text: string): Phrase => ({ speaker, startMs: startS * 1000, endMs: endS * 1000, text });

const polite: Phrase[] = [
  line('agent', 0, 4, 'Good morning, thank you for calling, how can I help?'),
  line('caller', 4, 12, 'Hi, I would love to book an appointment for Tuesday, your service was wonderful last time.'),
  line('agent', 12, 16, 'Wonderful, that is booked. Thank you and have a great day.'),
];
const rude: Phrase[] = [
  line('caller', 0, 3, 'Where is my refund?'),
  line('agent', 3, 13, 'I do not care, this is your stupid problem, it is shit, gonna hang up now.'),
  line('caller', 13, 16, 'This is terrible, I hate this awful service, you are useless.'),
];

describe('analyseSentiment', () => {
  it('scores a polite, happy call positive with a polite agent and no flags', () => {
    const s = analyseSentiment(polite);
    assert.ok(s.score! > 0.2, `score ${s.score}`);
    assert.ok(s.agent! > 0 && s.caller! > 0, `agent ${s.agent} caller ${s.caller}`);
    assert.equal(s.talkMost, 'equal'); // 8 s each
    assert.equal(s.communication, 100);
    assert.ok(s.politeness! >= 75, `politeness ${s.politeness}`);
    assert.ok(s.conduct! > 50);
    assert.deepEqual([s.highRisk, s.badAttitude, s.slangUsed, s.profanityUsed], [false, false, false, false]);
  });

  it('flags a rude call with a profanity: negative scores, bad attitude, high risk, slang', () => {
    const s = analyseSentiment(rude);
    assert.ok(s.score! < 0, `score ${s.score}`);
    assert.ok(s.agent! < 0 && s.caller! < 0, `agent ${s.agent} caller ${s.caller}`);
    assert.equal(s.talkMost, 'agent'); // 10 s against 6 s
    assert.equal(s.communication, 75); // 2 × 6 ÷ 16
    assert.equal(s.politeness, 0);
    assert.ok(s.conduct! < 25, `conduct ${s.conduct}`);
    assert.deepEqual([s.highRisk, s.badAttitude, s.slangUsed, s.profanityUsed], [true, true, true, true]);
  });

  it('leaves the scores empty when nothing was said, and one side empty when it said nothing', () => {
    const none = analyseSentiment([]);
    assert.deepEqual(none, { score: null, agent: null, caller: null, talkMost: null, communication: null, conduct: null, politeness: null, highRisk: false, badAttitude: false, slangUsed: false, profanityUsed: false });
    const monologue = analyseSentiment([line('caller', 0, 5, 'Please call me back, it is urgent.')]);
    assert.equal(monologue.agent, null);
    assert.equal(monologue.politeness, null);
    assert.equal(monologue.talkMost, 'caller');
    assert.equal(monologue.communication, 0);
  });

  it('catches a disguised profanity and counts courtesy expressions once each', () => {
    assert.equal(analyseSentiment([line('caller', 0, 2, 'what the fuuuck')]).profanityUsed, true);
    assert.deepEqual(courtesyIn('Thanks, thanks again. Sorry! Please.'), ['please', 'thanks', 'sorry']);
  });
});

describe('matchKeywordRules', () => {
  const rules: KeywordRule[] = [
    { id: 1, phrases: ['booked', 'appointment'], speaker: 'any', action: { kind: 'label', label: 'Lead' } },
    { id: 2, phrases: ['cancel my account'], speaker: 'caller', action: { kind: 'high_risk' } },
    { id: 3, phrases: ['thank you'], speaker: 'caller', action: { kind: 'evaluation', questionId: 7, answer: true } },
  ];

  it('matches by stems, by speaker, each rule once at its first hit', () => {
    const hits = matchKeywordRules(rules, [
      line('caller', 5, 8, 'I am cancelling my accounts today'),
      line('agent', 1, 3, 'Thank you, we are booking appointments this week'),
    ]);
    assert.deepEqual(hits.map((h) => [h.ruleId, h.phrase, h.speaker, h.atMs]), [
      [1, 'booked', 'agent', 1000],
      [2, 'cancel my account', 'caller', 5000],
    ]);
    assert.deepEqual(stemsOf('Booked, booking!'), ['book', 'book']);
  });

  it('never matches across phrases or for the wrong speaker', () => {
    assert.deepEqual(matchKeywordRules(rules, [line('caller', 0, 1, 'please cancel'), line('caller', 1, 2, 'my account')]), []);
    assert.deepEqual(matchKeywordRules([rules[2]], [line('agent', 0, 1, 'thank you')]), []);
  });
});
