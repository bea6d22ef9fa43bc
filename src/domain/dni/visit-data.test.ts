import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callDni, sourceOf, splitGaClientId, visitData } from './visit-data.ts';

const base = { page_url: 'https://shop.example/', landing_url: null, referrer: null, ga_client_id: null, user_agent: null, ip: null };

describe('DNI visit data', () => {
  it('splits the GA client id from the _ga cookie or the bare id', () => {
    assert.deepEqual(splitGaClientId('GA1.2.1234567890.1700000000'), { ga_client_id: '1234567890.1700000000', usercode: '1234567890', sessioncode: '1700000000' });
    assert.deepEqual(splitGaClientId('1234567890.1700000000'), { ga_client_id: '1234567890.1700000000', usercode: '1234567890', sessioncode: '1700000000' });
    assert.deepEqual(splitGaClientId('odd-value'), { ga_client_id: 'odd-value', usercode: null, sessioncode: null });
    assert.deepEqual(splitGaClientId(null), { ga_client_id: null, usercode: null, sessioncode: null });
  });

  it('derives source and medium: utm first, then click ids, then the referrer, else direct', () => {
    const u = (s: string) => new URL(s);
    assert.deepEqual(sourceOf(u('https://a.example/?utm_source=news&utm_medium=email'), null, 'a.example'), { source: 'news', medium: 'email' });
    assert.deepEqual(sourceOf(u('https://a.example/?utm_source=news'), null, 'a.example'), { source: 'news', medium: '(none)' });
    assert.deepEqual(sourceOf(u('https://a.example/?gclid=x'), 'www.google.com', 'a.example'), { source: 'google', medium: 'cpc' });
    assert.deepEqual(sourceOf(u('https://a.example/?fbclid=x'), null, 'a.example'), { source: 'facebook', medium: 'paid' });
    assert.deepEqual(sourceOf(u('https://a.example/'), 'www.google.com.au', 'a.example'), { source: 'google', medium: 'organic' });
    assert.deepEqual(sourceOf(u('https://a.example/'), 'www.blog.example', 'a.example'), { source: 'blog.example', medium: 'referral' });
    assert.deepEqual(sourceOf(u('https://a.example/'), 'a.example', 'a.example'), { source: '(direct)', medium: '(none)' });
    assert.deepEqual(sourceOf(u('https://a.example/'), null, 'a.example'), { source: '(direct)', medium: '(none)' });
  });

  it('reads utm_* and click ids from the landing URL, and keeps the page URL as url', () => {
    const d = visitData({ ...base, page_url: 'https://shop.example/contact', landing_url: 'https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=Spring%202026&utm_term=solar+panels&utm_content=a&gclid=G&fbclid=F', referrer: 'https://www.google.com/', ga_client_id: 'GA1.2.1.2', user_agent: 'UA', ip: '203.0.113.9' });
    assert.deepEqual(d, {
      url: 'https://shop.example/contact',
      landing: 'https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=Spring%202026&utm_term=solar+panels&utm_content=a&gclid=G&fbclid=F',
      referrer: 'https://www.google.com/',
      source: 'google',
      medium: 'cpc',
      campaign: 'Spring 2026',
      term: 'solar panels',
      content: 'a',
      gclid: 'G',
      fbclid: 'F',
      ga_client_id: '1.2',
      usercode: '1',
      sessioncode: '2',
      location: null,
      state: null,
      country: null,
      ip: '203.0.113.9',
      user_agent: 'UA',
    });
    assert.equal(visitData(base).landing, 'https://shop.example/');
  });

  it('builds the call dni: the visit’s fields when attributed, the tracking code only when not', () => {
    const d = visitData({ ...base, page_url: 'https://shop.example/?utm_source=x' });
    const attributed = callDni({ attribution: 'lease', trackingCode: 3, visitId: 'vs_1', visitorId: 'v_1', visitedAt: 't' }, d);
    assert.equal(attributed.source, 'x');
    assert.equal(attributed.tracking_code, 3);
    assert.equal(attributed.visit_id, 'vs_1');
    assert.deepEqual(callDni({ attribution: 'unattributed', trackingCode: 3 }, d), { tracking_code: 3, attribution: 'unattributed' });
  });
});
