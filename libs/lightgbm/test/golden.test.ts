import assert from 'node:assert/strict';
import { DEFAULT_SHAP_TABLE_BYTES, NativeBooster, Predictor, train, type LightGbmParams } from '../src';
import { compileModel } from '../src/predictor/compiled-model';
import { predictRawInto } from '../src/predictor/evaluate';
import { parseModelText, type ParsedModel } from '../src/predictor/model-text';
import { MAX_BATCH_ROWS, MAX_TABLE_DEPTH } from '../src/predictor/shap-table';
import { edgeRows, synthetic, type SyntheticSpec } from './support/synthetic';

// Golden tests: models are trained by the native library inside the test, then the TypeScript predictor's
// probabilities and TreeSHAP contributions are compared with LightGBM's own predict / predict_contrib.

const TOLERANCE = 1e-9;

interface GoldenCase {
  readonly name: string;
  readonly data: Omit<SyntheticSpec, 'seed' | 'rows'>;
  readonly rows: number;
  readonly params: LightGbmParams;
  readonly rounds: number;
  /** Asserts that the trained model really exercises what the case is about. */
  readonly exercises: (model: ParsedModel) => void;
}

const decisionTypes = (model: ParsedModel): number[] => model.trees.flatMap((t) => [...t.decisionType]);
const missingType = (decision: number): number => (decision >> 2) & 3;

/** Depth of a tree's deepest leaf (root = 0). */
function treeDepth(tree: ParsedModel['trees'][number]): number {
  let max = 0;
  const walk = (node: number, depth: number): void => {
    if (node < 0) max = Math.max(max, depth);
    else {
      walk(tree.leftChild[node] as number, depth + 1);
      walk(tree.rightChild[node] as number, depth + 1);
    }
  };
  if (tree.numLeaves > 1) walk(0, 0);
  return max;
}

/**
 * Whether every leaf's first TreeSHAP term is for one feature: the first element of its unique path (a feature split
 * on again leaves its place in the path and is appended at the end).
 */
function firstTermsShared(tree: ParsedModel['trees'][number]): boolean {
  const firsts = new Set<number>();
  const walk = (node: number, path: readonly number[]): void => {
    if (node < 0) {
      firsts.add(path[0] as number);
      return;
    }
    const f = tree.splitFeature[node] as number;
    const next = [...path.filter((p) => p !== f), f];
    walk(tree.leftChild[node] as number, next);
    walk(tree.rightChild[node] as number, next);
  };
  if (tree.numLeaves > 1) walk(0, []);
  return firsts.size === 1;
}

/** Deepest leaf over all trees (root = 0). */
const deepest = (model: ParsedModel): number => Math.max(...model.trees.map(treeDepth));

const CASES: readonly GoldenCase[] = [
  {
    name: 'multiclass, numerical features, small trees',
    data: { task: 'multiclass', numerical: 6 },
    rows: 1500,
    params: { objective: 'multiclass', num_class: 3, num_leaves: 4, learning_rate: 0.2 },
    rounds: 40,
    exercises: (model) => assert.equal(model.trees.length, 40 * 3),
  },
  {
    name: 'multiclass, deeper trees (features repeat along paths)',
    data: { task: 'multiclass', numerical: 6 },
    rows: 3000,
    params: { objective: 'multiclass', num_class: 3, num_leaves: 48, min_data_in_leaf: 3, learning_rate: 0.1 },
    rounds: 25,
    // A path of more than 6 splits over 6 features must split on some feature twice, which TreeSHAP unwinds.
    exercises: (model) => assert.ok(deepest(model) >= 8, `max depth ${deepest(model)}`),
  },
  {
    name: 'multiclass, NaN missing values',
    data: { task: 'multiclass', numerical: 5, nanRate: 0.25 },
    rows: 2000,
    params: { objective: 'multiclass', num_class: 3, num_leaves: 15, learning_rate: 0.1 },
    rounds: 30,
    exercises: (model) => {
      const types = decisionTypes(model);
      assert.ok(types.some((d) => missingType(d) === 2), 'no split with missing type NaN');
      assert.ok(types.some((d) => missingType(d) === 2 && (d & 2) !== 0), 'no NaN split defaulting left');
      assert.ok(types.some((d) => missingType(d) === 2 && (d & 2) === 0), 'no NaN split defaulting right');
    },
  },
  {
    name: 'multiclass, categorical features (bitsets over more than one word)',
    data: { task: 'multiclass', numerical: 3, categorical: [6, 45] },
    rows: 3000,
    params: {
      objective: 'multiclass', num_class: 3, num_leaves: 15, min_data_in_leaf: 5, min_data_per_group: 5,
      cat_smooth: 1, cat_l2: 1, max_cat_threshold: 32, learning_rate: 0.1,
    },
    rounds: 30,
    exercises: (model) => {
      assert.ok(decisionTypes(model).some((d) => (d & 1) === 1), 'no categorical split');
      const multiWord = model.trees.some((t) => t.catBoundaries.some((b, i) => i > 0 && b - (t.catBoundaries[i - 1] as number) > 1));
      assert.ok(multiWord, 'no categorical bitset spans more than one 32-bit word');
    },
  },
  {
    name: 'multiclass, zero_as_missing',
    data: { task: 'multiclass', numerical: 5, zeroRate: 0.3 },
    rows: 2000,
    params: { objective: 'multiclass', num_class: 3, num_leaves: 15, zero_as_missing: true, learning_rate: 0.1 },
    rounds: 30,
    exercises: (model) => assert.ok(decisionTypes(model).some((d) => missingType(d) === 1), 'no split with missing type Zero'),
  },
  {
    name: 'binary, NaN and a categorical feature',
    data: { task: 'binary', numerical: 4, nanRate: 0.15, categorical: [20] },
    rows: 2000,
    params: { objective: 'binary', num_leaves: 15, min_data_per_group: 5, cat_smooth: 1, learning_rate: 0.1 },
    rounds: 40,
    exercises: (model) => {
      assert.equal(model.objective, 'binary sigmoid:1');
      assert.ok(decisionTypes(model).some((d) => (d & 1) === 1), 'no categorical split');
    },
  },
  {
    name: 'regression with reg_sqrt (signed-square output)',
    data: { task: 'regression', numerical: 5, nanRate: 0.1 },
    rows: 1500,
    params: { objective: 'regression', reg_sqrt: true, num_leaves: 15, learning_rate: 0.1 },
    rounds: 30,
    exercises: (model) => assert.equal(model.objective, 'regression sqrt'),
  },
];

function maxAbsDiff(actual: Float64Array, expected: Float64Array): { diff: number; index: number } {
  assert.equal(actual.length, expected.length, 'output lengths differ');
  let diff = 0;
  let index = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs((actual[i] as number) - (expected[i] as number));
    // NaN in either output is a mismatch too.
    if (!(d <= diff)) {
      diff = d;
      index = i;
    }
  }
  return { diff, index };
}

describe('TypeScript predictor vs native LightGBM (golden)', function () {
  this.timeout(60_000);
  // Tabled trees explained with their first terms summed in a local, and without, over every case: the exactness
  // tests below cover both walks only if both kinds occurred.
  const kinds = { shared: 0, notShared: 0 };
  after(() => assert.ok(kinds.shared > 0 && kinds.notShared > 0, `the cases' tabled trees do not exercise both walks: ${JSON.stringify(kinds)}`));

  CASES.forEach((c, caseIndex) => {
    describe(c.name, () => {
      let modelText = '';
      let native: NativeBooster | undefined;
      let predictor: Predictor;
      let rows: number[][] = [];

      before(async () => {
        const seed = 1000 + caseIndex;
        const data = synthetic({ ...c.data, seed, rows: c.rows });
        const numerical = c.data.numerical;
        const categorical = c.data.categorical ?? [];
        const featureNames = [
          ...Array.from({ length: numerical }, (_, i) => `num_${i}`),
          ...categorical.map((_, i) => `cat_${i}`),
        ];
        const result = await train({
          features: data.features,
          labels: data.labels,
          featureNames,
          categoricalFeatures: categorical.map((_, i) => numerical + i),
          params: { ...c.params, seed: 7 },
          numBoostRound: c.rounds,
        });
        modelText = result.modelText;
        native = NativeBooster.fromModelText(modelText);
        predictor = Predictor.fromModelText(modelText);
        const heldOut = synthetic({ ...c.data, seed: seed + 500, rows: 300 }).features;
        rows = [...heldOut, ...edgeRows(numerical, categorical, seed + 900, 60)];
      });

      after(() => native?.free());

      it('trains a model that exercises the case', () => {
        c.exercises(parseModelText(modelText));
      });

      it(`probabilities equal native predict within ${TOLERANCE}`, () => {
        const expected = (native as NativeBooster).predict(rows);
        const actual = predictor.predict(rows);
        const { diff, index } = maxAbsDiff(actual, expected);
        const row = rows[Math.floor(index / predictor.numClass)];
        assert.ok(diff <= TOLERANCE, `max |diff| ${diff} at output ${index} (row ${JSON.stringify(row)})`);
      });

      it('raw scores through the decision forms (predictRawRow) equal the plain tree walk (predictRawInto) exactly', () => {
        const compiled = compileModel(parseModelText(modelText));
        const plain = new Float64Array(predictor.numTreePerIteration);
        rows.forEach((row, r) => {
          predictRawInto(compiled, row, plain);
          const viaForms = predictor.predictRawRow(row);
          for (let c = 0; c < plain.length; c++) assert.equal(viaForms[c], plain[c], `row ${r} class ${c}`);
        });
      });

      it(`SHAP contributions equal native predict_contrib within ${TOLERANCE}`, () => {
        const expected = (native as NativeBooster).contributions(rows);
        const actual = predictor.contributions(rows);
        const { diff, index } = maxAbsDiff(actual, expected);
        const row = rows[Math.floor(index / predictor.contributionsPerRow)];
        assert.ok(diff <= TOLERANCE, `max |diff| ${diff} at output ${index} (row ${JSON.stringify(row)})`);
      });

      // The TreeSHAP tables hold every leaf's terms for every pattern of hot/cold bits of its ancestors, filled by the
      // recursion; explaining from them must give the direct recursion's doubles exactly (and its probabilities), with
      // the default budget (every tree of depth <= 8 tabled) and with a budget that tables only some trees.
      for (const [budget, shapTableBytes] of [['default', undefined], ['small', 24 << 10]] as const) {
        it(`contributions from the TreeSHAP tables (${budget} budget) equal the direct recursion exactly and native within ${TOLERANCE}`, () => {
          const tabled = Predictor.fromModelText(modelText, shapTableBytes === undefined ? {} : { shapTableBytes });
          const direct = Predictor.fromModelText(modelText, { shapTableBytes: 0 });
          const trees = parseModelText(modelText).trees.filter((t) => t.numLeaves > 1);
          const shallow = trees.filter((t) => treeDepth(t) <= MAX_TABLE_DEPTH).length;
          assert.deepEqual(direct.shapTableStats(), { tabledTrees: 0, directTrees: trees.length, bytes: 0, sharedFirstTermTrees: 0 });
          const stats = tabled.shapTableStats();
          const all = Predictor.fromModelText(modelText).shapTableStats();
          // The default budget tables every tree of depth <= 8; the small one only some, or none when the first is too big.
          assert.deepEqual([all.tabledTrees, all.directTrees], [shallow, trees.length - shallow]);
          const shared = trees.filter((t) => treeDepth(t) <= MAX_TABLE_DEPTH && firstTermsShared(t)).length;
          assert.equal(all.sharedFirstTermTrees, shared, 'tabled trees whose leaves all start their unique path with one feature');
          if (shapTableBytes === undefined) {
            kinds.shared += shared;
            kinds.notShared += shallow - shared;
          }
          assert.equal(stats.tabledTrees + stats.directTrees, trees.length);
          assert.ok(stats.bytes <= (shapTableBytes ?? DEFAULT_SHAP_TABLE_BYTES), JSON.stringify(stats));
          if (shapTableBytes !== undefined) assert.ok(stats.tabledTrees < shallow, `the small budget tabled every shallow tree: ${JSON.stringify(stats)}`);
          const expected = (native as NativeBooster).contributions(rows);
          const viaTables = new Float64Array(rows.length * tabled.contributionsPerRow);
          const probabilities = new Float64Array(tabled.numClass);
          const contribs = new Float64Array(tabled.contributionsPerRow);
          const directContribs = new Float64Array(tabled.contributionsPerRow);
          const directProbabilities = new Float64Array(tabled.numClass);
          rows.forEach((row, r) => {
            tabled.predictWithContributionsRow(row, probabilities, contribs);
            direct.contributionsRow(row, directContribs);
            direct.predictRow(row, directProbabilities);
            for (let i = 0; i < contribs.length; i++) assert.equal(contribs[i], directContribs[i], `row ${r} contribution ${i}`);
            for (let i = 0; i < probabilities.length; i++) assert.equal(probabilities[i], directProbabilities[i], `row ${r} probability ${i}`);
            viaTables.set(contribs, r * tabled.contributionsPerRow);
          });
          assert.deepEqual(tabled.contributions(rows), viaTables);
          const { diff, index } = maxAbsDiff(viaTables, expected);
          assert.ok(diff <= TOLERANCE, `max |diff| ${diff} at output ${index}`);
        });

        it(`rows explained together from the TreeSHAP tables (${budget} budget) get their single-row contributions and probabilities exactly, in batches of every size`, () => {
          const tabled = Predictor.fromModelText(modelText, shapTableBytes === undefined ? {} : { shapTableBytes });
          const per = tabled.contributionsPerRow;
          const single = rows.map((row) => {
            const probabilities = new Float64Array(tabled.numClass);
            const contribs = new Float64Array(per);
            tabled.predictWithContributionsRow(row, probabilities, contribs);
            return { probabilities, contribs };
          });
          // Batch sizes 1, 2, ... up to two full walks and one more, again and again over the rows.
          const sizes: number[] = [];
          for (let at = 0, size = 1; at < rows.length; at += size, size = (size % (2 * MAX_BATCH_ROWS + 1)) + 1) sizes.push(Math.min(size, rows.length - at));
          assert.ok(sizes.some((n) => n > MAX_BATCH_ROWS), 'no batch is longer than one walk');
          let at = 0;
          for (const size of sizes) {
            const batch = rows.slice(at, at + size);
            const probabilities = batch.map(() => new Float64Array(tabled.numClass).fill(NaN));
            const contribs = batch.map(() => new Float64Array(per).fill(NaN));
            tabled.predictWithContributionsRows(batch, probabilities, contribs);
            batch.forEach((_, i) => {
              const r = at + i;
              const one = single[r] as { probabilities: Float64Array; contribs: Float64Array };
              for (let k = 0; k < per; k++) assert.equal((contribs[i] as Float64Array)[k], one.contribs[k], `row ${r} (batch of ${size}) contribution ${k}`);
              for (let k = 0; k < tabled.numClass; k++) assert.equal((probabilities[i] as Float64Array)[k], one.probabilities[k], `row ${r} (batch of ${size}) probability ${k}`);
            });
            at += size;
          }
        });
      }

      it('contributions of each class add up to its raw score', () => {
        const nativeRaw = (native as NativeBooster).predictRaw(rows);
        const stride = predictor.numFeatures + 1;
        const contribs = new Float64Array(predictor.contributionsPerRow);
        rows.forEach((row, r) => {
          predictor.contributionsRow(row, contribs);
          for (let k = 0; k < predictor.numTreePerIteration; k++) {
            let sum = 0;
            for (let f = 0; f < stride; f++) sum += contribs[k * stride + f] as number;
            const raw = nativeRaw[r * predictor.numTreePerIteration + k] as number;
            assert.ok(Math.abs(sum - raw) <= 1e-9 * Math.max(1, Math.abs(raw)), `row ${r} class ${k}: ${sum} vs ${raw}`);
          }
        });
      });

      it('single-row TS and native paths agree with the batch outputs', () => {
        const batch = predictor.predict(rows);
        const out = new Float64Array(predictor.numClass);
        const nativeOut = new Float64Array(predictor.numClass);
        rows.forEach((row, r) => {
          predictor.predictRow(row, out);
          (native as NativeBooster).predictRow(Float64Array.from(row), nativeOut);
          for (let k = 0; k < predictor.numClass; k++) {
            assert.equal(out[k], batch[r * predictor.numClass + k]);
            assert.ok(Math.abs((nativeOut[k] as number) - (out[k] as number)) <= TOLERANCE, `row ${r} class ${k}`);
          }
        });
      });
    });
  });
});
