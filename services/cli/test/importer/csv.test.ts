import * as assert from 'node:assert/strict';
import { CsvParser, type CsvResult, detectDelimiter } from '../../src/importer/csv';

function parseWhole(text: string, delimiter?: string): CsvResult[] {
  const p = new CsvParser(delimiter);
  return [...p.push(text), ...p.end()];
}

function parseByChar(text: string, delimiter?: string): CsvResult[] {
  const p = new CsvParser(delimiter);
  const out: CsvResult[] = [];
  for (const ch of text) out.push(...p.push(ch));
  return [...out, ...p.end()];
}

describe('CSV parser', () => {
  it('reads plain records with their line numbers', () => {
    assert.deepEqual(parseWhole('a,b\n1,2\n3,4\n'), [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
    ]);
  });

  it('reads quoted fields with delimiters, escaped quotes and line breaks, counting physical lines', () => {
    const text = 'id,note\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n4,x\n';
    assert.deepEqual(parseWhole(text), [
      { line: 1, fields: ['id', 'note'] },
      { line: 2, fields: ['1', 'a, b'] },
      { line: 3, fields: ['2', 'say "hi"'] },
      { line: 4, fields: ['3', 'two\nlines'] },
      { line: 6, fields: ['4', 'x'] },
    ]);
  });

  it('accepts a byte-order mark, CRLF and CR line ends, a missing final line break, and skips blank lines', () => {
    assert.deepEqual(parseWhole('\uFEFFa,b\r\n1,2\r\n\r\n3,4'), [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 4, fields: ['3', '4'] },
    ]);
    assert.deepEqual(parseWhole('a,b\r1,2\r'), [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ]);
    assert.deepEqual(parseWhole('a,"x\r\ny"\r\n1,2'), [
      { line: 1, fields: ['a', 'x\r\ny'] },
      { line: 3, fields: ['1', '2'] },
    ]);
  });

  it('gives the same records whatever the chunking', () => {
    const text = '\uFEFFid;note;amount\r\n1;"a; ""b""\r\nc";12.5\r\n\r\n2;plain;3\r\n3;"";\r\n';
    const whole = parseWhole(text);
    assert.deepEqual(parseByChar(text), whole);
    for (let cut = 1; cut < text.length; cut++) {
      const p = new CsvParser();
      const out = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut)), ...p.end()];
      assert.deepEqual(out, whole, `cut at ${cut}`);
    }
    assert.deepEqual(whole[2], { line: 5, fields: ['2', 'plain', '3'] });
    assert.deepEqual(whole[3], { line: 6, fields: ['3', '', ''] });
  });

  it('keeps a stray quote inside an unquoted field as text', () => {
    assert.deepEqual(parseWhole('a,b\n12" pipe,2\n')[1], { line: 2, fields: ['12" pipe', '2'] });
  });

  it('reports text after a closing quote and an unterminated quote on the line the record starts', () => {
    assert.deepEqual(parseWhole('a,b\n"x"y,2\n3,4\n'), [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, reason: 'unexpected "y" after the closing quote of field 1' },
      { line: 3, fields: ['3', '4'] },
    ]);
    assert.deepEqual(parseWhole('a,b\n1,2\n3,"open\nstill open\n'), [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, reason: 'unterminated quoted field: the quote opened on line 3 is never closed' },
    ]);
  });

  it('detects comma, semicolon and tab delimiters from the header', () => {
    assert.equal(detectDelimiter('a,b,c'), ',');
    assert.equal(detectDelimiter('a;b;"c,d"'), ';');
    assert.equal(detectDelimiter('a\tb\tc'), '\t');
    assert.equal(detectDelimiter('single'), ',');
  });
});
