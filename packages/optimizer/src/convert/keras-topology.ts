/**
 * The topology of a TF.js LayersModel as a flat list of layers with their input layer names, read
 * from the model's Keras JSON config (`model.toJSON`), for Sequential and functional models alike.
 */

import { UnsupportedError } from '@edgeml/core';
import type * as tf from '@tensorflow/tfjs';

/** One layer of the model as the converter sees it. */
export interface KerasLayerEntry {
  /** Layer name (unique within the model). */
  readonly name: string;
  /** Keras class name: `Conv2D`, `Dense`, `InputLayer`, ... */
  readonly className: string;
  /** The layer's Keras config (snake_case keys). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Names of the layers whose (first) output feeds this layer, in order. */
  readonly inbound: readonly string[];
}

/** The model as ordered layers, graph inputs and outputs (layer names). */
export interface KerasTopology {
  readonly name: string;
  readonly layers: readonly KerasLayerEntry[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

interface RawLayer {
  name?: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

type InboundRef = [string, number, number, unknown?];

function inboundOf(raw: RawLayer, name: string): string[] {
  const nodes = (raw.inbound_nodes ?? []) as InboundRef[][];
  if (nodes.length === 0) return [];
  if (nodes.length > 1) {
    throw new UnsupportedError(
      `layer '${name}' (class ${raw.class_name}) is applied ${nodes.length} times; shared layers are not supported`,
      { layer: name, className: raw.class_name },
    );
  }
  return nodes[0]!.map((ref) => {
    const [layer, , tensorIndex] = ref;
    if (tensorIndex !== 0) {
      throw new UnsupportedError(
        `layer '${name}' reads output ${tensorIndex} of '${layer}'; multi-output layers are not supported`,
      );
    }
    return layer;
  });
}

/** Reads the layer graph of `model` from its Keras JSON. */
export function readTopology(model: tf.LayersModel): KerasTopology {
  const json = model.toJSON(null, false) as unknown as {
    class_name: string;
    config: Record<string, unknown>;
  };
  const config = json.config;
  const rawLayers = (config['layers'] ?? []) as RawLayer[];
  if (json.class_name === 'Sequential') {
    const inputName = model.inputs[0]?.name.replace(/\/.*$/, '') ?? 'input';
    const input: KerasLayerEntry = {
      name: inputName,
      className: 'InputLayer',
      config: { batch_input_shape: model.inputs[0]?.shape ?? [] },
      inbound: [],
    };
    const layers: KerasLayerEntry[] = [input];
    let previous = inputName;
    for (const raw of rawLayers) {
      const name = String(raw.config['name'] ?? raw.name);
      if (raw.class_name === 'InputLayer') continue;
      layers.push({ name, className: raw.class_name, config: raw.config, inbound: [previous] });
      previous = name;
    }
    return { name: model.name, layers, inputs: [inputName], outputs: [previous] };
  }
  const layers = rawLayers.map((raw) => {
    const name = String(raw.name ?? raw.config['name']);
    return { name, className: raw.class_name, config: raw.config, inbound: inboundOf(raw, name) };
  });
  const refs = (key: string) => ((config[key] ?? []) as InboundRef[]).map((r) => r[0]);
  return { name: model.name, layers, inputs: refs('input_layers'), outputs: refs('output_layers') };
}
