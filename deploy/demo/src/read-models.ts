import { ModelRegistry, type ModelVersion } from '@creditstream/model';
import { PREDICTION_COLLECTION, type CurrentPrediction, type CustomerPredictionsDocument } from '@creditstream/scoring-service';
import { openStore, type Collection, type Store } from '@creditstream/store';

/** A current prediction with the customer it belongs to. */
export interface ShownPrediction extends CurrentPrediction {
  readonly customerId: string;
}

/** What the demo reads back from MongoDB: the scoring service's current predictions and the model registry. */
export class ReadModels {
  private readonly predictions: Collection<CustomerPredictionsDocument>;

  private constructor(private readonly store: Store) {
    this.predictions = store.collection<CustomerPredictionsDocument>(PREDICTION_COLLECTION);
  }

  static async open(uri: string, database: string): Promise<ReadModels> {
    return new ReadModels(await openStore({ uri, database, appName: 'creditstream-demo' }));
  }

  /** Customers whose predictions `version` made, of all the customers the scoring service has scored. */
  async rescoring(version: string): Promise<{ done: number; total: number }> {
    const [done, total] = await Promise.all([this.predictions.countDocuments({ 'scored.modelVersion': version }), this.predictions.countDocuments({})]);
    return { done, total };
  }

  /**
   * Up to `count` current predictions of `version` with their top factors, of the latest business date first,
   * one per customer, at-risk and not-at-risk invoices alternating so both kinds show.
   */
  async recentPredictions(version: string, count: number): Promise<ShownPrediction[]> {
    const docs = await this.predictions.find({ 'predictions.modelVersion': version }, { projection: { predictions: 1 } }).toArray();
    const latestPerCustomer: ShownPrediction[] = [];
    for (const doc of docs) {
      const mine = doc.predictions.filter((p) => p.modelVersion === version && p.topFactors.length > 0).sort((a, b) => b.businessDate.localeCompare(a.businessDate) || a.invoiceId.localeCompare(b.invoiceId));
      if (mine[0]) latestPerCustomer.push({ ...mine[0], customerId: doc._id });
    }
    latestPerCustomer.sort((a, b) => b.businessDate.localeCompare(a.businessDate) || a.customerId.localeCompare(b.customerId));
    const atRisk = latestPerCustomer.filter((p) => p.atRisk);
    const safe = latestPerCustomer.filter((p) => !p.atRisk);
    const shown: ShownPrediction[] = [];
    for (let i = 0; shown.length < count && (i < atRisk.length || i < safe.length); i++) {
      for (const p of [atRisk[i], safe[i]]) if (p && shown.length < count) shown.push(p);
    }
    return shown;
  }

  /** The version the latest publication made active, or null when nothing was published (the cold-start model). */
  async activeVersion(): Promise<string | null> {
    return (await new ModelRegistry(this.store).latestPublication())?.version ?? null;
  }

  /** A registered model version (metrics, data summary). */
  async model(version: string): Promise<ModelVersion> {
    return new ModelRegistry(this.store).get(version);
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
