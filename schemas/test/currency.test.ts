import * as assert from 'node:assert/strict';
import { isCurrency, minorUnitDigits, UnknownCurrencyError } from '../src';

describe('currency', () => {
  it('knows the ISO 4217 minor-unit exponents', () => {
    assert.equal(minorUnitDigits('USD'), 2);
    assert.equal(minorUnitDigits('EUR'), 2);
    assert.equal(minorUnitDigits('JPY'), 0);
    assert.equal(minorUnitDigits('KWD'), 3);
    assert.equal(minorUnitDigits('CLF'), 4);
  });

  it('refuses codes that are not ISO 4217, naming them', () => {
    assert.equal(isCurrency('usd'), false);
    assert.equal(isCurrency('XYZ'), false);
    assert.throws(() => minorUnitDigits('XYZ'), (err: unknown) => err instanceof UnknownCurrencyError && /"XYZ"/.test(err.message));
  });
});
