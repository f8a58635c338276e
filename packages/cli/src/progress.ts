/**
 * Progress display: turns the libraries' ProgressEvents into cli-progress bars (one per phase,
 * with ETA and metrics) on an interactive terminal, and into throttled log lines with an ETA
 * otherwise (CI logs, pipes). Under --json nothing is drawn on stdout: progress goes to stderr.
 */
import type { ProgressCallback, ProgressEvent } from '@edgeml/core';
import cliProgress from 'cli-progress';
import type { Output } from './output.js';

/** A progress callback plus a stop() that clears the bars. */
export interface ProgressDisplay {
  readonly onProgress: ProgressCallback;
  stop(): void;
}

/** Seconds as '1m 05s' / '42s'. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

function describeMetrics(event: ProgressEvent): string {
  if (event.message) return event.message;
  if (!event.metrics) return '';
  return Object.entries(event.metrics)
    .map(([k, v]) => `${k} ${Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4)}`)
    .join(' ');
}

interface PhaseState {
  start: number;
  lastLog: number;
  /** `current` of the previous event: a smaller one starts the phase over (the next epoch's batches). */
  lastCurrent: number;
  /** `current` of the phase's first event (batch 1 of N is reported when it is already done). */
  startCurrent: number;
  bar?: cliProgress.SingleBar;
}

/** Creates the progress display for a command run. */
export function createProgressDisplay(
  out: Output,
  { logIntervalMs = 5000, clock = Date.now }: { logIntervalMs?: number; clock?: () => number } = {},
): ProgressDisplay {
  const phases = new Map<string, PhaseState>();
  const multibar = out.interactive
    ? new cliProgress.MultiBar(
        {
          stream: out.progressStream,
          format: ' {phase} |{bar}| {value}/{total} {percentage}% | ETA {eta_formatted} | {detail}',
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;

  const onProgress: ProgressCallback = (event) => {
    const now = clock();
    let state = phases.get(event.phase);
    if (!state || event.current === 0 || event.current < state.lastCurrent) {
      state?.bar?.stop();
      if (state?.bar) multibar?.remove(state.bar);
      state = {
        start: now,
        lastLog: Number.NEGATIVE_INFINITY,
        lastCurrent: event.current,
        startCurrent: event.current,
      };
      phases.set(event.phase, state);
    }
    state.lastCurrent = event.current;
    const detail = describeMetrics(event);
    if (multibar) {
      if (!state.bar) state.bar = multibar.create(event.total, 0, { phase: event.phase.padEnd(6), detail });
      state.bar.setTotal(event.total);
      state.bar.update(event.current, { detail });
      return;
    }
    const finished = event.total > 0 && event.current >= event.total;
    if (!finished && now - state.lastLog < logIntervalMs) return;
    state.lastLog = now;
    const elapsed = (now - state.start) / 1000;
    const done = event.current - state.startCurrent;
    const eta = event.total > 0 && done > 0 ? (elapsed / done) * (event.total - event.current) : Number.NaN;
    const of = event.total > 0 ? `${event.current}/${event.total}` : `${event.current}`;
    out.note(
      `[${event.phase}] ${of} elapsed ${formatDuration(elapsed)} ETA ${formatDuration(eta)} ${detail}`.trimEnd(),
    );
  };

  return {
    onProgress,
    stop() {
      multibar?.stop();
    },
  };
}
