/**
 * IR -> ONNX ModelProto bytes (opset 13, IR version 8). The ONNX graph runs in NCHW; the single
 * graph input is NHWC by default (one Transpose after it, the way TF.js and our preprocessing make
 * images) or NCHW on request. Rank-2 outputs keep their layout; the first output is named `probs`.
 * Labels and preprocessing go into `metadata_props` as JSON strings.
 */

import { ConfigError, formatAllowed, UnsupportedError } from '@edgeml/core';
import type { IrGraph, IrNode } from '../../ir/types.js';
import { validateGraph } from '../../ir/validate.js';
import { OnnxGraphBuilder } from './emit-nodes.js';
import { NCHW_TO_NHWC, NHWC_TO_NCHW, onnxShape } from './layout.js';
import { floatValueInfo, onnx } from './proto.js';

/** The ONNX opset the emitter targets. */
export const ONNX_OPSET = 13;
/** The ONNX IR version written into the model. */
export const ONNX_IR_VERSION = 8;
/** onnxruntime's contrib-op domain (QLinearAdd, QGemm, ...): imported at version 1 when a node uses it. */
export const ONNX_MS_DOMAIN = 'com.microsoft';

/** Layout of the exported model's input tensor. */
export type OnnxInputLayout = 'NHWC' | 'NCHW';

/** Options of emitOnnx. */
export interface EmitOnnxOptions {
  /** Layout of the model input. @default 'NHWC' */
  readonly inputLayout?: OnnxInputLayout;
  /** Name of the ONNX graph input. @default 'input' */
  readonly inputName?: string;
  /** Name of the (first) ONNX graph output. @default 'probs' */
  readonly outputName?: string;
  /** Producer name written into the model. @default 'edgeml' */
  readonly producerName?: string;
}

/** Metadata keys written by the emitter into `metadata_props`. */
export const ONNX_METADATA_KEYS = {
  labels: 'labels',
  preprocessing: 'preprocessing',
  inputLayout: 'input_layout',
} as const;

/** Emits one IR node into the builder (the float emitter's `builder.emit`, or the int8 QDQ one). */
export type OnnxNodeEmitter = (builder: OnnxGraphBuilder, node: IrNode) => void;

/** Serialises `graph` as an ONNX model; returns the protobuf bytes. */
export function emitOnnx(graph: IrGraph, options: EmitOnnxOptions = {}): Uint8Array {
  return emitOnnxWith(graph, options, (builder, node) => builder.emit(node));
}

/** emitOnnx with a custom node emitter (used by the int8 QDQ and QOperator emitters); the rest of the model is the same. */
export function emitOnnxWith(
  graph: IrGraph,
  options: EmitOnnxOptions,
  emitNode: OnnxNodeEmitter,
): Uint8Array {
  validateGraph(graph);
  const layout = options.inputLayout ?? 'NHWC';
  if (layout !== 'NHWC' && layout !== 'NCHW') {
    throw new ConfigError(
      `'inputLayout' must be ${formatAllowed(['NHWC', 'NCHW'])}, got ${JSON.stringify(layout)}`,
    );
  }
  if (graph.inputs.length !== 1) {
    throw new UnsupportedError(
      `ONNX export supports one graph input, graph '${graph.name}' has ${graph.inputs.length}`,
    );
  }
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'probs';
  const irInput = graph.inputs[0]!;
  const inputShape = graph.tensors[irInput]!.shape;
  const publicOutputs = graph.outputs.map((name, i) => (i === 0 ? outputName : name));
  const reserved = new Set([inputName, ...publicOutputs]);

  const mapping = new Map<string, string>();
  const transposeIn = layout === 'NHWC' && inputShape.length === 4;
  mapping.set(irInput, transposeIn ? `${inputName}_nchw` : inputName);
  const transposeOut = new Map<string, string>();
  graph.outputs.forEach((name, i) => {
    if (graph.tensors[name]!.shape.length === 4) transposeOut.set(name, publicOutputs[i]!);
    else if (!mapping.has(name)) mapping.set(name, publicOutputs[i]!);
  });
  const valueName = (ir: string) => mapping.get(ir) ?? (reserved.has(ir) ? `${ir}__value` : ir);

  const builder = new OnnxGraphBuilder(graph, valueName);
  if (transposeIn)
    builder.node('Transpose', [inputName], valueName(irInput), { perm: [...NHWC_TO_NCHW] }, 'input_to_nchw');
  for (const node of graph.nodes) emitNode(builder, node);
  const outputs = graph.outputs.map((name, i) => {
    const shape = graph.tensors[name]!.shape;
    const publicName = publicOutputs[i]!;
    if (transposeOut.has(name)) {
      builder.node(
        'Transpose',
        [valueName(name)],
        publicName,
        { perm: [...NCHW_TO_NHWC] },
        `${publicName}_to_nhwc`,
      );
    } else if (valueName(name) !== publicName) {
      builder.node('Identity', [valueName(name)], publicName, {}, publicName);
    }
    return floatValueInfo(publicName, shape);
  });

  const metadata: { key: string; value: string }[] = [{ key: ONNX_METADATA_KEYS.inputLayout, value: layout }];
  if (graph.metadata.labels)
    metadata.push({ key: ONNX_METADATA_KEYS.labels, value: JSON.stringify(graph.metadata.labels) });
  if (graph.metadata.preprocessing) {
    metadata.push({
      key: ONNX_METADATA_KEYS.preprocessing,
      value: JSON.stringify(graph.metadata.preprocessing),
    });
  }
  for (const [key, value] of Object.entries(graph.metadata.props ?? {})) metadata.push({ key, value });

  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [
      { domain: '', version: ONNX_OPSET },
      ...(builder.nodes.some((n) => n.domain === ONNX_MS_DOMAIN)
        ? [{ domain: ONNX_MS_DOMAIN, version: 1 }]
        : []),
    ],
    producerName: options.producerName ?? 'edgeml',
    producerVersion: '0.1.0',
    graph: {
      name: graph.name,
      node: builder.nodes,
      initializer: builder.initializers,
      input: [floatValueInfo(inputName, layout === 'NHWC' ? inputShape : onnxShape(inputShape))],
      output: outputs,
    },
    metadataProps: metadata,
  });
  return onnx.ModelProto.encode(model).finish();
}
