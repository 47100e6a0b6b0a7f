import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GENERATED_DOC, GENERATED_TYPES, packageRoot, renderAll } from '../src/codegen/generate';

describe('generated files', () => {
  const expected = renderAll();

  it('src/generated/events.ts matches the schemas (run `npm run generate -w schemas` when this fails)', () => {
    const actual = fs.readFileSync(path.join(packageRoot(), GENERATED_TYPES), 'utf8');
    assert.equal(actual, expected.types, 'src/generated/events.ts is stale: run `npm run generate -w schemas`');
  });

  it('docs/events.md matches the schemas and the topic table (run `npm run generate -w schemas` when this fails)', () => {
    const actual = fs.readFileSync(path.join(packageRoot(), GENERATED_DOC), 'utf8');
    assert.equal(actual, expected.doc, 'docs/events.md is stale: run `npm run generate -w schemas`');
  });

  it('documents every event type of every topic', () => {
    for (const name of ['InvoiceIssued', 'PaymentReturned', 'BusinessDayTick', 'CreditHoldRejected', 'WriteOffProposed', 'DeadLetter']) {
      assert.match(expected.doc, new RegExp(`### ${name}\\n`));
    }
  });
});
