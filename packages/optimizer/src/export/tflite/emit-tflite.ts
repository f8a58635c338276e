/**
 * IR -> `.tflite` bytes (flatbuffer schema version 3, identifier TFL3, one subgraph, builtin ops
 * only, float32). The input is NHWC `input` with the batch fixed to `batchSize` in `shape` and -1 in
 * `shape_signature`; the first output is `probs`. Labels, preprocessing and properties go into the
 * model's `metadata` as one JSON buffer named `edgeml`.
 */

import { ConfigError, UnsupportedError } from '@edgeml/core';
import type { IrGraph } from '../../ir/types.js';
import { validateGraph } from '../../ir/validate.js';
import { emitTfliteNode } from './emit-ops.js';
import { serializeTfliteModel } from './flatbuffer-writer.js';
import { TfliteGraphBuilder } from './tflite-builder.js';

/** Options of emitTflite. */
export interface EmitTfliteOptions {
  /** Name of the input tensor. @default 'input' */
  readonly inputName?: string;
  /** Name of the (first) output tensor. @default 'probs' */
  readonly outputName?: string;
  /**
   * Batch size written into the static shapes (`shape_signature` keeps -1 for runtimes that can
   * resize; tfjs-tflite cannot, so it runs `batchSize` images per call). @default 1
   */
  readonly batchSize?: number;
  /** `Model.description`. @default 'edgeml' */
  readonly description?: string;
}

/** Name of the `Model.metadata` entry holding edgeml's JSON metadata. */
export const TFLITE_METADATA_NAME = 'edgeml';

/** The JSON stored in the `edgeml` metadata buffer. */
export interface TfliteEdgemlMetadata {
  /** Metadata format version. */
  readonly version: 1;
  /** Always NHWC for TFLite. */
  readonly inputLayout: 'NHWC';
  readonly inputName: string;
  readonly outputName: string;
  readonly labels?: readonly string[];
  readonly preprocessing?: Readonly<Record<string, unknown>>;
  readonly props?: Readonly<Record<string, string>>;
}

/** The checked batch size and public tensor naming shared by the float and int8 TFLite emitters. */
export interface TfliteExportNames {
  readonly batchSize: number;
  readonly inputName: string;
  readonly outputName: string;
  /** The graph's single input. */
  readonly irInput: string;
  /** IR tensor name -> TFLite tensor name (public names for the input and outputs). */
  readonly tensorName: (ir: string) => string;
}

/** Validates `graph` and the options for TFLite export and resolves the tensor names. */
export function prepareTfliteExport(graph: IrGraph, options: EmitTfliteOptions): TfliteExportNames {
  validateGraph(graph);
  const batchSize = options.batchSize ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ConfigError(`'batchSize' must be a positive integer, got ${JSON.stringify(batchSize)}`);
  }
  if (graph.inputs.length !== 1) {
    throw new UnsupportedError(
      `TFLite export supports one graph input, graph '${graph.name}' has ${graph.inputs.length}`,
    );
  }
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'probs';
  const irInput = graph.inputs[0]!;
  const publicNames = new Map<string, string>([[irInput, inputName]]);
  graph.outputs.forEach((name, i) => {
    if (!publicNames.has(name)) publicNames.set(name, i === 0 ? outputName : name);
  });
  const reserved = new Set(publicNames.values());
  const tensorName = (ir: string) => publicNames.get(ir) ?? (reserved.has(ir) ? `${ir}__value` : ir);
  return { batchSize, inputName, outputName, irInput, tensorName };
}

/** Adds the edgeml metadata to the built model and serialises it; returns the file bytes. */
export function finishTfliteModel(
  builder: TfliteGraphBuilder,
  graph: IrGraph,
  names: TfliteExportNames,
  input: number,
  outputs: readonly number[],
  options: EmitTfliteOptions,
): Uint8Array {
  const metadata: TfliteEdgemlMetadata = {
    version: 1,
    inputLayout: 'NHWC',
    inputName: names.inputName,
    outputName: names.outputName,
    ...(graph.metadata.labels ? { labels: graph.metadata.labels } : {}),
    ...(graph.metadata.preprocessing ? { preprocessing: graph.metadata.preprocessing } : {}),
    ...(graph.metadata.props ? { props: graph.metadata.props } : {}),
  };
  const def = builder.toModelDef([input], outputs, options.description ?? 'edgeml', [
    { name: TFLITE_METADATA_NAME, data: new TextEncoder().encode(JSON.stringify(metadata)) },
  ]);
  return serializeTfliteModel(def);
}

/** Serialises `graph` as a TFLite flatbuffer; returns the file bytes. */
export function emitTflite(graph: IrGraph, options: EmitTfliteOptions = {}): Uint8Array {
  const names = prepareTfliteExport(graph, options);
  const builder = new TfliteGraphBuilder(graph, names.batchSize, names.tensorName);
  const input = builder.value(names.irInput);
  for (const node of graph.nodes) emitTfliteNode(builder, node);
  const outputs = graph.outputs.map((name) => builder.value(name));
  return finishTfliteModel(builder, graph, names, input, outputs, options);
}
