/** onnxruntime-node (native CPU execution provider) as a runtime adapter. Node only. */
import { importOptional } from '@edgeml/core';
import type { AdapterContext, RuntimeAdapter } from '../adapter.js';
import { modelLoadError } from '../model-load-error.js';
import { createOrtAdapter, type OrtModule } from '../ort-session.js';

/** Loads the context's ONNX file into an onnxruntime-node session (CPU). */
export async function loadOrtNodeAdapter(context: AdapterContext): Promise<RuntimeAdapter> {
  // An optional peer dependency: a typed error naming it (and `npm install`) when it is missing.
  const ort = (await importOptional(
    'ort-node',
    'onnxruntime-node',
    () => import('onnxruntime-node'),
  )) as unknown as OrtModule;
  const bytes = await context.pkg.readFile(context.file.path);
  try {
    return await createOrtAdapter('ort-node', ort, bytes, { executionProviders: ['cpu'] });
  } catch (error) {
    throw modelLoadError('ort-node', context.file.path, error);
  }
}
