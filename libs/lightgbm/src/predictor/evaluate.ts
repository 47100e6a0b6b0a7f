import type { CompiledModel } from './compiled-model';
import { decide, decisionForm, DECISION_FORMS, fillDecisionForms } from './decision';

/**
 * Raw scores of one row into `out[0..numTreePerIteration)`, summing trees in model order like GBDT::PredictRaw
 * (iteration by iteration, class by class), so the floating-point sums match LightGBM's.
 */
export function predictRawInto(model: CompiledModel, row: ArrayLike<number>, out: Float64Array): void {
  const k = model.numTreePerIteration;
  for (let c = 0; c < k; c++) out[c] = 0;
  const { treeRoot, treeClass, leafValue, numTrees } = model;
  for (let t = 0; t < numTrees; t++) {
    let node = treeRoot[t] as number;
    while (node >= 0) node = decide(model, node, row);
    const c = treeClass[t] as number;
    out[c] = (out[c] as number) + (leafValue[~node] as number);
  }
}

/**
 * {@link predictRawInto} for one model, bit-identical and faster: the row's decision forms are filled once
 * (fillDecisionForms), so a numerical node is one comparison of a form with its threshold instead of decide()'s
 * missing-value branches; categorical nodes and NaN thresholds still go through decide(). Trees are summed in the
 * same order. Not reentrant: the returned function keeps the row's forms in one buffer.
 */
export function createRawWalk(model: CompiledModel): (row: ArrayLike<number>, out: Float64Array) => void {
  const { treeRoot, treeClass, leafValue, numTrees, nodeLeft, nodeRight, nodeThreshold, numFeatures, numTreePerIteration } = model;
  const formAt = new Int32Array(model.nodeFeature.length);
  for (let n = 0; n < formAt.length; n++) {
    const form = decisionForm(model, n);
    formAt[n] = form < 0 ? -1 : (model.nodeFeature[n] as number) * DECISION_FORMS + form;
  }
  const forms = new Float64Array(numFeatures * DECISION_FORMS);
  return (row, out) => {
    for (let c = 0; c < numTreePerIteration; c++) out[c] = 0;
    fillDecisionForms(row, numFeatures, forms);
    for (let t = 0; t < numTrees; t++) {
      let node = treeRoot[t] as number;
      while (node >= 0) {
        const at = formAt[node] as number;
        node = at < 0 ? decide(model, node, row) : (forms[at] as number) <= (nodeThreshold[node] as number) ? (nodeLeft[node] as number) : (nodeRight[node] as number);
      }
      const c = treeClass[t] as number;
      out[c] = (out[c] as number) + (leafValue[~node] as number);
    }
  };
}

/**
 * Applies the objective's ConvertOutput in place to the raw scores in `out[0..numClass)`:
 * softmax (Common::Softmax), sigmoid 1/(1+exp(-sigmoid·x)), identity, or sign(x)·x² for `regression sqrt`.
 */
export function transformInPlace(model: CompiledModel, out: Float64Array): void {
  const transform = model.transform;
  switch (transform.kind) {
    case 'softmax': {
      const n = model.numClass;
      let max = out[0] as number;
      for (let i = 1; i < n; i++) max = Math.max(out[i] as number, max);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const e = Math.exp((out[i] as number) - max);
        out[i] = e;
        sum += e;
      }
      for (let i = 0; i < n; i++) out[i] = (out[i] as number) / sum;
      return;
    }
    case 'sigmoid':
      out[0] = 1 / (1 + Math.exp(-transform.sigmoid * (out[0] as number)));
      return;
    case 'signed-square': {
      const x = out[0] as number;
      out[0] = Math.sign(x) * x * x;
      return;
    }
    case 'identity':
      return;
  }
}
