import { UnknownCurrencyError } from './errors';

// Active ISO 4217 codes by minor-unit exponent. Money in events is an integer of minor units, so the exponent is
// what converts "12.34 USD" to 1234 and "1234 JPY" to 1234.
const BY_EXPONENT: Record<number, string> = {
  0: 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF',
  2:
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF ' +
    'CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG ' +
    'HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK ' +
    'MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE ' +
    'SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ' +
    'ZMW ZWG ZWL',
  3: 'BHD IQD JOD KWD LYD OMR TND',
  4: 'CLF UYW',
};

const EXPONENTS = new Map<string, number>();
for (const [exp, codes] of Object.entries(BY_EXPONENT)) for (const code of codes.split(' ')) EXPONENTS.set(code, Number(exp));

/** True when `code` is an active ISO 4217 currency code (upper case). */
export function isCurrency(code: string): boolean {
  return EXPONENTS.has(code);
}

/** Number of decimal places of one unit of `code` (2 for USD, 0 for JPY, 3 for KWD). @throws UnknownCurrencyError */
export function minorUnitDigits(code: string): number {
  const exp = EXPONENTS.get(code);
  if (exp === undefined) throw new UnknownCurrencyError(code);
  return exp;
}
