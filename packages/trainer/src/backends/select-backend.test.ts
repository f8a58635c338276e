import { BackendUnavailableError, ConfigError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './index.js';

const notFound = (specifier: string) =>
  Object.assign(new Error(`Cannot find package '${specifier}' imported from here`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });

describe('selectBackend', () => {
  it('rejects an unknown name with the allowed names', async () => {
    const error = await selectBackend('cuda' as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      "unknown backend 'cuda': expected 'auto', 'wasm', 'webgpu', 'tensorflow' or 'cpu'",
    );
  });

  it('auto picks the first available backend, in order, and says why each earlier one was skipped', async () => {
    // Whatever this machine has, the skipped backends and the chosen one follow auto's order.
    const order = [
      'tensorflow (@tensorflow/tfjs-node-gpu)',
      'webgpu',
      'tensorflow (@tensorflow/tfjs-node)',
      'wasm',
    ];
    const selected = await selectBackend('auto', { threads: 2 });
    expect(tf.getBackend()).toBe(selected.tfBackend);
    const chosen = order.find((label) => label === selected.name || label.startsWith(`${selected.name} `));
    expect(chosen, `auto chose '${selected.name}'`).toBeDefined();
    expect([...selected.skipped.map((s) => s.name), chosen]).toEqual(
      order.slice(0, selected.skipped.length + 1),
    );
    for (const s of selected.skipped) expect(s.reason.length).toBeGreaterThan(10);
  });

  it('auto without tfjs-node picks webgpu when a GPU adapter exists, else wasm (never cpu)', async () => {
    // Which one is expected is found apart from auto: whether 'webgpu' itself can start here.
    const webgpu = await selectBackend('webgpu').then(
      () => true,
      () => false,
    );
    const importer = async (specifier: string) => {
      throw notFound(specifier);
    };
    const selected = await selectBackend('auto', { threads: 2 }, { importer });
    expect(selected.name).toBe(webgpu ? 'webgpu' : 'wasm');
    expect(selected.skipped.map((s) => s.name)).toEqual([
      'tensorflow (@tensorflow/tfjs-node-gpu)',
      ...(webgpu ? [] : ['webgpu']),
      ...(webgpu ? [] : ['tensorflow (@tensorflow/tfjs-node)']),
    ]);
    expect(selected.skipped[0]!.reason).toContain('@tensorflow/tfjs-node-gpu is not installed');
  });

  it('wasm runs with the edgeml training kernels registered', async () => {
    const selected = await selectBackend('wasm', { threads: 2 });
    expect(selected).toMatchObject({ name: 'wasm', tfBackend: 'wasm', skipped: [] });
    expect(tf.getBackend()).toBe('wasm');
    expect(selected.threads).toBeGreaterThanOrEqual(1);
    expect(selected.threads).toBeLessThanOrEqual(2);
    expect(selected.detail).toMatch(/tfjs-backend-wasm .*edgeml training kernels/);
    // The kernels tfjs-backend-wasm lacks are registered.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('webgpu without a GPU adapter fails with a clear BackendUnavailableError', async () => {
    const result = await selectBackend('webgpu').catch((e: unknown) => e);
    if (result instanceof Error) {
      expect(result).toBeInstanceOf(BackendUnavailableError);
      expect(result.message).toMatch(/backend 'webgpu' is not available: .*(adapter|could not be loaded)/);
    } else {
      expect((result as { name: string }).name).toBe('webgpu');
    }
  });

  it('tensorflow says how to install tfjs-node when neither package is present', async () => {
    const result = await selectBackend('tensorflow').catch((e: unknown) => e);
    if (result instanceof Error) {
      expect(result).toBeInstanceOf(BackendUnavailableError);
      expect(result.message).toContain('@tensorflow/tfjs-node-gpu is not installed');
      expect(result.message).toContain('pnpm --filter @edgeml/trainer add @tensorflow/tfjs-node@4.22.0');
    } else {
      expect((result as { name: string }).name).toBe('tensorflow');
    }
  });

  it('tensorflow tries tfjs-node-gpu first, then tfjs-node', async () => {
    const tried: string[] = [];
    const importer = async (specifier: string) => {
      tried.push(specifier);
      if (specifier.endsWith('-gpu')) throw notFound(specifier);
      return { version: { 'tfjs-node': '4.22.0' } }; // loads, but registers no backend
    };
    const error = await selectBackend('tensorflow', {}, { importer }).catch((e: unknown) => e);
    expect(tried).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain("registered no 'tensorflow' backend");
  });

  it('cpu activates the pure-JS reference backend', async () => {
    const selected = await selectBackend('cpu');
    expect(selected).toMatchObject({ name: 'cpu', tfBackend: 'cpu', skipped: [] });
  });
});
