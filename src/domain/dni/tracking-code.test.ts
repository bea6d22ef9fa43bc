import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { displayNumber, heartbeatSeconds, normalizeOrigin, originAllowed, pageSnippet } from './tracking-code.ts';
import { poolReport, suggestedPoolSize } from './pool-report.ts';

describe('DNI tracking codes', () => {
  it('normalizes allowed origins and refuses paths and other schemes', () => {
    assert.equal(normalizeOrigin('https://Shop.Example/'), 'https://shop.example');
    assert.equal(normalizeOrigin('http://localhost:5173'), 'http://localhost:5173');
    assert.equal(normalizeOrigin('https://*.Example.com'), 'https://*.example.com');
    assert.equal(normalizeOrigin('https://shop.example/path'), null);
    assert.equal(normalizeOrigin('ftp://shop.example'), null);
    assert.equal(normalizeOrigin('shop.example'), null);
  });

  it('allows listed origins exactly or by subdomain wildcard; none listed: sandbox any, production none', () => {
    const list = ['https://shop.example', 'https://*.brand.example'];
    assert.equal(originAllowed('https://shop.example', list, 'production'), true);
    assert.equal(originAllowed('https://a.b.brand.example', list, 'production'), true);
    assert.equal(originAllowed('https://brand.example', list, 'production'), false);
    assert.equal(originAllowed('http://shop.example', list, 'production'), false);
    assert.equal(originAllowed('https://shop.example:8443', list, 'production'), false);
    assert.equal(originAllowed('https://evilbrand.example', list, 'production'), false);
    assert.equal(originAllowed('https://any.example', [], 'sandbox'), true);
    assert.equal(originAllowed('https://any.example', [], 'production'), false);
  });

  it('shows numbers as national digits and national text', () => {
    assert.deepEqual(displayNumber('+61299998888'), { number: '0299998888', e164: '+61299998888', text: '02 9999 8888' });
    assert.deepEqual(displayNumber('+61401020304'), { number: '0401020304', e164: '+61401020304', text: '0401 020 304' });
    assert.deepEqual(displayNumber('+611300123456'), { number: '1300123456', e164: '+611300123456', text: '1300 123 456' });
  });

  it('heartbeats every minute, a third of the hold for short holds', () => {
    assert.equal(heartbeatSeconds(30), 60);
    assert.equal(heartbeatSeconds(1), 20);
  });

  it('writes the page snippet with the loader appended after render', () => {
    const s = pageSnippet('https://tt.example/', 5995, 12);
    assert.match(s, /window\.AvanserOptions = \{ clientId: 5995, trackingCode: 12 \};/);
    assert.match(s, /s\.id = 'AVANSERjs'; s\.src = "https:\/\/tt\.example\/aa\.js"; d\.body\.appendChild\(s\)/);
  });

  it('suggests the smallest pool the peak uses under 75 %', () => {
    assert.equal(suggestedPoolSize(0), 1);
    assert.equal(suggestedPoolSize(3), 5);
    assert.equal(suggestedPoolSize(15), 21);
    assert.equal(suggestedPoolSize(14), 19);
  });

  it('reports peak concurrent leases per hour: a lease spanning hours counts in each, handovers do not double count', () => {
    const v = (visitor: string, service: string | null, from: string, until: string, kind = 'pool', fell = 0) => ({ visitor_id: visitor, kind, fell_back: fell, service_id: service, created_at: `2026-01-01T${from}:00.000Z`, last_seen_at: `2026-01-01T${from}:00.000Z`, lease_until: kind === 'pool' ? `2026-01-01T${until}:00.000Z` : null });
    const r = poolReport({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-01T03:00:00.000Z',
      poolSize: 2,
      holdMinutes: 30,
      visits: [v('a', 's1', '00:10', '01:20'), v('b', 's2', '00:50', '01:00'), v('c', 's2', '01:00', '01:30'), v('a', 's1', '00:20', '01:20'), v('d', null, '02:10', '', 'default', 1)],
      calls: [{ started_at: '2026-01-01T00:30:00.000Z', visit_id: 'x' }, { started_at: '2026-01-01T02:30:00.000Z', visit_id: null }],
    });
    assert.deepEqual(r.hours.map((h) => [h.peak_leases, h.peak_visitors, h.fell_back, h.calls_attributed, h.calls_unattributed]), [
      [2, 2, 0, 1, 0],
      [2, 2, 0, 0, 0],
      [0, 1, 1, 0, 1],
    ]);
    assert.equal(r.suggested_pool_size, 3);
  });
});
