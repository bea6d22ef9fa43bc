import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch, matchRule, parseRuleText, validateRules, type RuleInput, type SourceRule } from './rules.ts';
import { ruleInput } from './visit-data.ts';

const input = (o: Partial<RuleInput> = {}): RuleInput => ({ utm_source: null, utm_medium: null, utm_campaign: null, referrer_host: null, landing_url: 'https://shop.example/', gclid: null, fbclid: null, ...o });

describe('DNI source rules', () => {
  const rules: SourceRule[] = [
    { when: { utm_source: 'google', utm_medium: 'cpc' }, service_id: 'ads' },
    { when: { gclid: true }, service_id: 'gclid' },
    { when: { referrer_domain: 'facebook.com' }, service_id: 'fb' },
    { when: { landing_contains: '/Solar' }, service_id: 'solar' },
    { when: { landing_matches: 'https://shop.example/promo/*/2026*' }, service_id: 'promo' },
    { when: { fbclid: true, utm_campaign: 'Spring' }, service_id: 'fbspring' },
  ];

  it('takes the first matching rule in priority order; every condition of a rule must hold', () => {
    assert.equal(matchRule(rules, input({ utm_source: 'Google', utm_medium: 'CPC', gclid: 'x' })), 0);
    assert.equal(matchRule(rules, input({ utm_source: 'google', gclid: 'x' })), 1, 'medium missing: the next rule');
    assert.equal(matchRule(rules, input({ utm_source: 'google' })), -1);
  });

  it('matches the referrer domain and its subdomains only', () => {
    assert.equal(matchRule(rules, input({ referrer_host: 'facebook.com' })), 2);
    assert.equal(matchRule(rules, input({ referrer_host: 'm.facebook.com' })), 2);
    assert.equal(matchRule(rules, input({ referrer_host: 'notfacebook.com' })), -1);
    assert.equal(matchRule(rules, input({ referrer_host: 'facebook.com.evil.example' })), -1);
  });

  it('matches the landing URL by substring and by * pattern, case-insensitively', () => {
    assert.equal(matchRule(rules, input({ landing_url: 'https://shop.example/solar/panels' })), 3);
    assert.equal(matchRule(rules, input({ landing_url: 'https://shop.example/promo/easter/2026-04' })), 4);
    assert.equal(matchRule(rules, input({ landing_url: 'https://shop.example/promo/easter/2025' })), -1);
    assert.equal(matchRule(rules, input({ fbclid: 'f', utm_campaign: 'spring' })), 5);
    assert.equal(matchRule(rules, input({ fbclid: 'f' })), -1);
  });

  it('reads the conditions from the landing URL (page URL when none)', () => {
    const v = ruleInput({ page_url: 'https://shop.example/b', landing_url: 'https://shop.example/a?utm_source=google&utm_medium=cpc&gclid=1', referrer: 'https://www.google.com/', ga_client_id: null, user_agent: null, ip: null });
    assert.deepEqual(v, { utm_source: 'google', utm_medium: 'cpc', utm_campaign: null, referrer_host: 'www.google.com', landing_url: 'https://shop.example/a?utm_source=google&utm_medium=cpc&gclid=1', gclid: '1', fbclid: null });
    assert.equal(ruleInput({ page_url: 'https://shop.example/?gclid=2', landing_url: null, referrer: null, ga_client_id: null, user_agent: null, ip: null }).gclid, '2');
  });

  it('matches * patterns without backtracking blow-up', () => {
    assert.equal(globMatch('a*b*c', 'axxbyyc'), true);
    assert.equal(globMatch('a*b*c', 'axxbyy'), false);
    assert.equal(globMatch('*', ''), true);
    assert.equal(globMatch('', 'x'), false);
    assert.equal(globMatch('*a*a*a*a*a*a*a*b', 'a'.repeat(2000)), false);
  });

  it('parses the CLI form field=value[,…]:SERVICE_ID', () => {
    assert.deepEqual(parseRuleText('utm_source=google:svc_1'), { when: { utm_source: 'google' }, service_id: 'svc_1' });
    assert.deepEqual(parseRuleText('utm_source=google,utm_medium=cpc,gclid:svc_2'), { when: { utm_source: 'google', utm_medium: 'cpc', gclid: true }, service_id: 'svc_2' });
    assert.deepEqual(parseRuleText('referrer=facebook.com,fbclid=false:svc_3'), { when: { referrer_domain: 'facebook.com', fbclid: false }, service_id: 'svc_3' });
    assert.deepEqual(parseRuleText('landing_matches=https://shop.example/*:svc_4'), { when: { landing_matches: 'https://shop.example/*' }, service_id: 'svc_4' });
    assert.throws(() => parseRuleText('utm_source=google'), /SERVICE_ID/);
    assert.throws(() => parseRuleText('colour=red:svc_1'), /unknown condition/);
  });

  it('validates rules given as JSON, naming the field', () => {
    const { errors } = validateRules([{ when: { utm_source: '' }, service_id: 'x' }, { when: { gclid: 'yes' }, service_id: 'y' }, { service_id: 'z' }, 'nope']);
    assert.deepEqual(errors.map((e) => e.path), ['rules[0].when.utm_source', 'rules[1].when.gclid', 'rules[2].when', 'rules[3]']);
    assert.equal(validateRules({}).errors[0].path, 'rules');
    assert.equal(validateRules([{ when: { landing_matches: '*'.repeat(9) }, service_id: 'x' }]).errors[0].path, 'rules[0].when.landing_matches');
  });
});
