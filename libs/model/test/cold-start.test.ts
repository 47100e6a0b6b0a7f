import assert from 'node:assert/strict';
import { FEATURE_NAMES } from '@creditstream/features';
import { coldStartContributions, coldStartProbabilities, createScorer, builtInColdStart, DEFAULT_COLD_START, exactShapley, fitColdStart, lateSideScore } from '../src';

const vector = (history: { settled?: number; late?: number; veryLate?: number; writtenOff?: number }) => {
  const v = new Float64Array(FEATURE_NAMES.length).fill(NaN);
  const set = (name: string, x: number) => (v[FEATURE_NAMES.indexOf(name as never)] = x);
  if (history.settled !== undefined) {
    set('settled_count', history.settled);
    if (history.settled > 0) {
      set('share_late_all', (history.late ?? 0) / history.settled);
      set('share_very_late_all', (history.veryLate ?? 0) / history.settled);
    }
  }
  if (history.writtenOff !== undefined) set('written_off_count', history.writtenOff);
  return v;
};

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

describe('cold-start model', () => {
  const params = { prior: [0.6, 0.3, 0.1], strength: 4, fittedOn: 100 };

  it('predicts the prior without history and the Dirichlet posterior mean with it', () => {
    assert.deepEqual([...coldStartProbabilities(params, vector({}))], [0.6, 0.3, 0.1]);
    assert.deepEqual([...coldStartProbabilities(params, vector({ settled: 0 }))], [0.6, 0.3, 0.1]);
    // 10 settled: 6 on time, 3 late, 1 very late; plus 2 written off (very late).
    const p = coldStartProbabilities(params, vector({ settled: 10, late: 3, veryLate: 1, writtenOff: 2 }));
    const total = 12 + 4;
    close(p[0]!, (6 + 4 * 0.6) / total);
    close(p[1]!, (3 + 4 * 0.3) / total);
    close(p[2]!, (3 + 4 * 0.1) / total);
    close(p[0]! + p[1]! + p[2]!, 1);
  });

  it('with no data at all the prior is uniform', () => {
    assert.deepEqual(DEFAULT_COLD_START.prior, [1 / 3, 1 / 3, 1 / 3]);
    assert.deepEqual(fitColdStart([]), DEFAULT_COLD_START);
  });

  it('fits the prior to the bucket shares and the strength to the data', () => {
    // Customers who always pay the same way: their own history predicts best, so the prior should weigh little.
    const examples: { values: Float64Array; label: number }[] = [];
    for (let c = 0; c < 30; c++) {
      const label = c % 3;
      for (let i = 0; i < 20; i++) examples.push({ values: vector({ settled: i, late: label === 1 ? i : 0, veryLate: label === 2 ? i : 0 }), label });
    }
    const fitted = fitColdStart(examples);
    close(fitted.prior[0]!, 201 / 603);
    assert.equal(fitted.fittedOn, 600);
    assert.ok(fitted.strength <= 1, `strength ${fitted.strength}`);
    // Customers whose history says nothing (every bucket at random): the prior should weigh a lot.
    const noisy = Array.from({ length: 600 }, (_, i) => ({ values: vector({ settled: 10, late: (i * 7) % 4, veryLate: (i * 3) % 3 }), label: (i * 5) % 3 }));
    assert.ok(fitColdStart(noisy).strength >= 16, `strength ${fitColdStart(noisy).strength}`);
  });

  it('explains with exact Shapley values that add up to the late-side score minus the no-history score', () => {
    for (const h of [{ settled: 10, late: 3, veryLate: 1, writtenOff: 2 }, { settled: 3, late: 0, veryLate: 3 }, { settled: 40, late: 1, veryLate: 0, writtenOff: 0 }]) {
      const v = vector(h);
      const phi = coldStartContributions(params, v);
      const full = lateSideScore(coldStartProbabilities(params, v));
      const none = lateSideScore(coldStartProbabilities(params, vector({})));
      close(phi.reduce((a, b) => a + b, 0), full - none, 1e-9);
    }
    const veryLate = coldStartContributions(params, vector({ settled: 20, late: 0, veryLate: 20 }));
    assert.ok(veryLate[2]! > 0, 'a history of very late payments pushes towards late');
  });

  it('the scorer names the cold-start factors with their values', () => {
    const scorer = createScorer(builtInColdStart(params));
    const p = scorer.score(vector({ settled: 20, late: 0, veryLate: 20 }), { factors: 2 });
    assert.equal(p.factors.length, 2);
    assert.equal(p.factors[0]!.feature, 'share_very_late_all');
    assert.equal(p.factors[0]!.value, 1);
    assert.ok(p.factors[0]!.contribution > 0);
  });
});

describe('exactShapley', () => {
  it('matches hand-computed values for a small game and satisfies efficiency', () => {
    // v(S) = 10·[0∈S] + 4·[0∈S ∧ 1∈S] + 2·[2∈S]: player 0 gets 10 + 2, player 1 gets 2, player 2 gets 2.
    const value = (mask: number) => (mask & 1 ? 10 : 0) + ((mask & 3) === 3 ? 4 : 0) + (mask & 4 ? 2 : 0);
    assert.deepEqual([...exactShapley(3, value)].map((x) => Math.round(x * 1e12) / 1e12), [12, 2, 2]);
    assert.deepEqual([...exactShapley(0, () => 1)], []);
    assert.throws(() => exactShapley(13, () => 0), /0\.\.12/);
  });
});
