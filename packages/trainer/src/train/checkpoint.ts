/**
 * Training checkpoints. At the end of each epoch everything a bitwise-equal resume needs goes into
 * `<checkpointDir>/epoch-NNNN/`: the model weights (all of them, BatchNorm moving statistics
 * included) as weights.bin + weights.json, the best epoch's weights when early stopping restores
 * them, every optimizer slot and its step counter (optimizer.bin), and state.json with the RNG
 * states, schedule and early-stopping state, the record so far, the config and its hash, and the
 * sha256 of each binary file. The files are written into a temporary directory which is then
 * renamed, so an `epoch-NNNN` directory is always complete; older ones are pruned afterwards.
 * Weights are matched by position (see model-weights.ts) and checked by shape, since tfjs's
 * generated names differ between processes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EdgemlError } from '@edgeml/core';
import { writeFileAtomic, writeJsonAtomic } from '@edgeml/core/node';
import type { BestState } from './best-tracker.js';
import type { TrainConfig } from './config.js';
import type { EpochRecord } from './record.js';
import type { ScheduleState } from './schedule.js';
import { decodeTensors, encodeTensors, type NamedTensor, type TensorSpec } from './tensor-file.js';

/** Format tag of state.json. */
export const CHECKPOINT_FORMAT = 'edgeml-train-checkpoint/1';

/** The JSON half of a checkpoint (state.json). */
export interface CheckpointState {
  readonly format: typeof CHECKPOINT_FORMAT;
  /** Epochs completed when it was written. */
  readonly epoch: number;
  readonly configHash: string;
  readonly config: TrainConfig;
  readonly weights: readonly TensorSpec[];
  readonly bestWeights: readonly TensorSpec[] | null;
  readonly optimizer: { readonly name: string; readonly step: number; readonly slots: readonly TensorSpec[] };
  /** SeededRandom states of the training randomness (augmentation and mixup; dropout). */
  readonly rng: { readonly augment: number; readonly dropout: number };
  readonly schedule: ScheduleState;
  readonly best: BestState;
  readonly record: readonly EpochRecord[];
  /** sha256 (hex) of each binary file, by file name. */
  readonly files: Readonly<Record<string, string>>;
}

/** Everything saved at the end of an epoch; tensors are read, not disposed. */
export interface CheckpointContent {
  readonly state: Omit<CheckpointState, 'format' | 'weights' | 'bestWeights' | 'optimizer' | 'files'> & {
    readonly optimizer: { readonly name: string; readonly step: number };
  };
  readonly weights: readonly NamedTensor[];
  readonly bestWeights: readonly NamedTensor[] | null;
  readonly slots: readonly NamedTensor[];
}

/** A checkpoint read back: its state and freshly created tensors (the caller disposes them). */
export interface LoadedCheckpoint {
  readonly dir: string;
  readonly state: CheckpointState;
  readonly weights: NamedTensor[];
  readonly bestWeights: NamedTensor[] | null;
  readonly slots: NamedTensor[];
}

const EPOCH_DIR = /^epoch-(\d+)$/;

/** sha256 of the canonical JSON (sorted keys) of a resolved config. */
export function hashTrainConfig(config: TrainConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Lists complete checkpoints in `dir` as [epoch, path], oldest first. */
export async function listCheckpoints(dir: string): Promise<[number, string][]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => [name, EPOCH_DIR.exec(name)] as const)
    .filter((entry): entry is readonly [string, RegExpExecArray] => entry[1] !== null)
    .map(([name, match]): [number, string] => [Number(match[1]), join(dir, name)])
    .sort((a, b) => a[0] - b[0]);
}

/** Removes every checkpoint (and leftover temporary directory) in `dir`. */
export async function clearCheckpoints(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((n) => EPOCH_DIR.test(n) || /^\.epoch-\d+\.tmp-/.test(n))
      .map((n) => rm(join(dir, n), { recursive: true, force: true })),
  );
}

/** Writes the checkpoint of epoch `content.state.epoch` into `dir`, keeping the newest `keep`. */
export async function saveCheckpoint(dir: string, content: CheckpointContent, keep = 2): Promise<string> {
  const { state } = content;
  const name = `epoch-${String(state.epoch).padStart(4, '0')}`;
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${name}.tmp-${randomBytes(4).toString('hex')}`);
  try {
    const weights = await encodeTensors(content.weights);
    const slots = await encodeTensors(content.slots);
    const best = content.bestWeights === null ? null : await encodeTensors(content.bestWeights);
    const files: Record<string, string> = {
      'weights.bin': sha256(weights.data),
      'optimizer.bin': sha256(slots.data),
    };
    await writeFileAtomic(join(tmp, 'weights.bin'), weights.data);
    await writeJsonAtomic(join(tmp, 'weights.json'), { format: 'edgeml-weights/1', weights: weights.specs });
    await writeFileAtomic(join(tmp, 'optimizer.bin'), slots.data);
    if (best !== null) {
      files['best-weights.bin'] = sha256(best.data);
      await writeFileAtomic(join(tmp, 'best-weights.bin'), best.data);
    }
    const full: CheckpointState = {
      format: CHECKPOINT_FORMAT,
      ...state,
      weights: weights.specs,
      bestWeights: best?.specs ?? null,
      optimizer: { ...state.optimizer, slots: slots.specs },
      files,
    };
    await writeJsonAtomic(join(tmp, 'state.json'), full);
    const target = join(dir, name);
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  const all = await listCheckpoints(dir);
  await Promise.all(
    all.slice(0, Math.max(0, all.length - keep)).map(([, p]) => rm(p, { recursive: true, force: true })),
  );
  return join(dir, name);
}

/** Throws CHECKPOINT_INVALID for checkpoint `dir`. */
export function invalid(dir: string, problem: string, details: Record<string, unknown> = {}): never {
  throw new EdgemlError('CHECKPOINT_INVALID', `checkpoint ${dir}: ${problem}`, { dir, ...details });
}

async function readVerified(dir: string, file: string, state: CheckpointState): Promise<Uint8Array> {
  const data = new Uint8Array(
    await readFile(join(dir, file)).catch(() => invalid(dir, `${file} is missing`)),
  );
  if (state.files[file] !== sha256(data))
    invalid(dir, `${file} does not match its sha256 in state.json`, { file });
  return data;
}

/** Reads the newest complete checkpoint in `dir`, or returns null when there is none. */
export async function loadLatestCheckpoint(dir: string): Promise<LoadedCheckpoint | null> {
  const all = await listCheckpoints(dir);
  const latest = all[all.length - 1];
  if (latest === undefined) return null;
  const path = latest[1];
  let state: CheckpointState;
  try {
    state = JSON.parse(await readFile(join(path, 'state.json'), 'utf8')) as CheckpointState;
  } catch (error) {
    return invalid(path, `state.json is missing or not JSON (${(error as Error).message})`);
  }
  if (state.format !== CHECKPOINT_FORMAT) invalid(path, `unknown format ${JSON.stringify(state.format)}`);
  const weights = decodeTensors(await readVerified(path, 'weights.bin', state), state.weights, 'weights.bin');
  const slots = decodeTensors(
    await readVerified(path, 'optimizer.bin', state),
    state.optimizer.slots,
    'optimizer.bin',
  );
  const bestWeights =
    state.bestWeights === null
      ? null
      : decodeTensors(
          await readVerified(path, 'best-weights.bin', state),
          state.bestWeights,
          'best-weights.bin',
        );
  return { dir: path, state, weights, bestWeights, slots };
}

/** Disposes every tensor of a loaded checkpoint. */
export function disposeCheckpoint(checkpoint: LoadedCheckpoint): void {
  for (const list of [checkpoint.weights, checkpoint.bestWeights ?? [], checkpoint.slots]) {
    for (const { tensor } of list) tensor.dispose();
  }
}
