import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CALLBACK_TAGS } from './callback-template.ts';
import { CALLBACK_TAG_INFO } from './callback-tags.ts';

describe('HTTP Callback tag descriptions', () => {
  it('describes every tag once, in the order of CALLBACK_TAGS, with a name, a one-line meaning and a group', () => {
    assert.deepEqual(CALLBACK_TAG_INFO.map((t) => t.tag), [...CALLBACK_TAGS]);
    for (const t of CALLBACK_TAG_INFO) {
      assert.equal(t.placeholder, `[[${t.tag}]]`);
      assert.ok(t.name.trim() && t.description.trim() && t.group, t.tag);
      assert.ok(!/[\r\n]/.test(t.description) && t.description === t.description.trim(), `${t.tag}: one line`);
    }
  });

  it('takes names and meanings from the seed document', () => {
    const by = new Map(CALLBACK_TAG_INFO.map((t) => [t.tag, t]));
    // Rows typed out from "HTTP Callback: Full Parameter List" (not from our code).
    assert.deepEqual([by.get('bnum')!.name, by.get('bnum')!.description], ["Avanser's Bnum", 'Service Tracking Number (format +CC-LOCAL)']);
    assert.deepEqual([by.get('ani')!.name, by.get('ani')!.description], ['Calling number', 'Calling Number (format +CC-LOCAL) or "Private"']);
    assert.deepEqual([by.get('call:disposition')!.name, by.get('call:disposition')!.description], ['Call Disposition', 'Hangup: IVR, BUSY, ANSWERED, NO ANSWER, FAILED']);
    assert.deepEqual([by.get('cd_cp07')!.name, by.get('feat07')!.name, by.get('feat07')!.description], ['Call parameter #7', 'Feature #7', 'Feature Tracking: Feature7 name']);
    assert.deepEqual([by.get('tag')!.name, by.get('curl')!.description], ['custom_id', 'custom_group, managed by the Telco API']);
    assert.equal(by.get('sentiment:profanityUsed')!.description, 'Sentiment Analysis: profanities were used');
  });
});
