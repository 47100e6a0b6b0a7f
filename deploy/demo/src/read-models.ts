import { ModelRegistry, type ModelVersion } from '@creditstream/model';
import { PredictionReader, type CurrentPrediction } from '@creditstream/scoring-service';
import { openStore, type Store } from '@creditstream/store';

/** A current prediction with the customer it belongs to. */
export interface ShownPrediction extends CurrentPrediction {
  readonly customerId: string;
}

/** What the demo reads back from MongoDB: the scoring service's current predictions and the model registry. */
export class ReadModels {
  private readonly predictions: PredictionReader;

  private constructor(private readonly store: Store) {
    this.predictions = new PredictionReader(store);
  }

  static async open(uri: string, database: string): Promise<ReadModels> {
    return new ReadModels(await openStore({ uri, database, appName: 'creditstream-demo' }));
  }

  /** Customers whose predictions `version` made, of all the customers the scoring service has scored. */
  async rescoring(version: string): Promise<{ done: number; total: number }> {
    const customers = [...(await this.predictions.customers()).values()];
    return { done: customers.filter((c) => c.scored?.modelVersion === version).length, total: customers.length };
  }

  /**
   * Up to `count` current predictions of `version` with their top factors, of the latest business date first,
   * one per customer, at-risk and not-at-risk invoices alternating so both kinds show.
   */
  async recentPredictions(version: string, count: number): Promise<ShownPrediction[]> {
    const latestPerCustomer: ShownPrediction[] = [];
    for (const doc of (await this.predictions.customers()).values()) {
      const mine = doc.predictions.filter((p) => p.modelVersion === version && p.topFactors.length > 0).sort((a, b) => b.businessDate.localeCompare(a.businessDate) || a.invoiceId.localeCompare(b.invoiceId));
      if (mine[0]) latestPerCustomer.push({ ...mine[0], customerId: doc.customerId });
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
