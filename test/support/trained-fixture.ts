/**
 * A small trained model for the compression guards: the zoo's lenet5, seeded, trained on a subset
 * of real MNIST with the wasm backend and written as a model package by the trainer's own
 * `trainPackage` flow (data reference, lineage, metrics), then loaded as the passes' input.
 * Training is a few seconds to a minute on two busy cores; every number it yields is measured on
 * the whole MNIST test split (1,501 images).
 */
import { join } from 'node:path';
import { loadPassPackage, type PassPackage } from '@edgeml/optimizer';
import {
  buildModel,
  type Dataset,
  datasetReference,
  type LoadDatasetOptions,
  loadDataset,
  selectBackend,
  type TrainConfigInput,
  trainPackage,
  validateTrainConfig,
} from '@edgeml/trainer';

/** The fixture's recipe: model, seed and training budget. */
export const TRAINED_FIXTURE = {
  model: 'lenet5',
  seed: 7,
  train: { epochs: 5, batchSize: 32, optimizer: { lr: 0.002 }, seed: 7 },
} as const satisfies { model: string; seed: number; train: TrainConfigInput };

/** What `trainFixturePackage` made. */
export interface TrainedFixture {
  /** MNIST, as loaded for training (the passes take it as their context's data set). */
  readonly dataset: Dataset;
  /** The package directory. */
  readonly dir: string;
  /** The package loaded for the passes. */
  readonly teacher: PassPackage;
  /** Test accuracy measured by trainPackage on the whole test split. */
  readonly testAccuracy: number;
  /** Wall seconds of loading the data, training and writing the package. */
  readonly seconds: number;
}

/** Trains the fixture on the wasm backend into `<root>/trained` and loads it. */
export async function trainFixturePackage(root: string): Promise<TrainedFixture> {
  const started = performance.now();
  const backend = await selectBackend('wasm');
  const options: LoadDatasetOptions = { name: 'mnist' };
  const dataset = await loadDataset(options);
  const dir = join(root, 'trained');
  const model = buildModel(TRAINED_FIXTURE.model, {
    inputShape: dataset.info.inputShape,
    numClasses: dataset.info.classNames.length,
    seed: TRAINED_FIXTURE.seed,
  });
  const result = await trainPackage({
    model,
    modelName: TRAINED_FIXTURE.model,
    dataset,
    data: datasetReference(options, dataset.info),
    config: validateTrainConfig(TRAINED_FIXTURE.train),
    backend: { name: backend.name, detail: backend.detail },
    outDir: dir,
    name: 'mnist-lenet5',
    resume: false,
    toolVersion: 'test',
  });
  result.model.dispose();
  const teacher = await loadPassPackage(dir);
  return {
    dataset,
    dir,
    teacher,
    testAccuracy: result.test.accuracy,
    seconds: (performance.now() - started) / 1000,
  };
}
