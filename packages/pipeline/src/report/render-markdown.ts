/** report.md of a pipeline run: stages, models per stage, Pareto fronts, pass effects, training curve. */
import { markdownTable } from '@edgeml/bench';
import type { PipelineReport } from './collect.js';

const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : '-');
const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(3));
const ratio = (v: number | null) => (v === null || !Number.isFinite(v) ? '-' : `${v.toFixed(2)}x`);

/** The latency targets that appear in any row, in a stable order. */
export function latencyTargets(report: PipelineReport): string[] {
  return [...new Set(report.models.flatMap((m) => Object.keys(m.latencyMs)))].sort();
}

const interval = (g: PipelineReport['gates'][number]) =>
  g.speedup === null
    ? '-'
    : `${g.speedup.toFixed(2)}x [${g.low === null ? '-' : g.low.toFixed(2)}, ${g.high === null ? '-' : g.high.toFixed(2)}]`;

/** What a gate measured on each target: 'worker: edgeml-wasm, model.wasm 41,234 B -> model.int8.wasm 20,112 B'. */
const measuredOn = (g: PipelineReport['gates'][number]) =>
  g.measured.length === 0
    ? '-'
    : g.measured
        .map(
          (m) =>
            `${m.target}: ${m.runtime}${m.fallback === null ? '' : ' (fallback)'}, ${m.parentFile} ${m.parentBytes} B -> ${m.candidateFile} ${m.candidateBytes} B`,
        )
        .join('; ');

/** The gate's decisions: kept or rejected, why, what was measured and the measured interval. */
function gateLines(report: PipelineReport): string[] {
  if (report.gates.length === 0) return ['No pass was gated.', ''];
  const g0 = report.gates[0] as PipelineReport['gates'][number];
  return [
    `Each pass is kept only when it pays on \`${g0.target}\` (minimise ${g0.minimize}) within ${g0.maxAccuracyDrop} points of the teacher; a rejected pass's package stays in its stage directory and the run continues from its parent. The web-family targets (worker, chromium, ort-web) are measured on what the package stage ships them: the module compiled by @edgeml/compiler (edgeml-wasm, size: the .wasm bytes) unless package.runtime is 'ort-web' or a model does not compile (then onnxruntime-web on the ONNX file, the reason in \`why\`). Speed-up: parent / candidate inference-only latency, interleaved A/B blocks, ${Math.round((g0.confidence ?? 0.95) * 100)}% interval. The run ended with \`${report.final}\`.`,
    '',
    markdownTable(
      [
        'pass',
        'parent',
        'decision',
        'accuracy vs teacher (points)',
        'file',
        'measured on',
        'speed-up [interval]',
        'blocks',
        'why',
      ],
      report.gates.map((g) => [
        g.pass,
        g.parent,
        g.kept ? (g.forced ? 'kept (forced)' : 'kept') : 'rejected',
        `${-g.accuracyDropPoints >= 0 ? '+' : ''}${(-g.accuracyDropPoints).toFixed(2)} (budget -${g.maxAccuracyDrop})`,
        ratio(g.sizeRatio),
        measuredOn(g),
        interval(g),
        g.blocks === null ? '-' : String(g.blocks),
        g.reasons.join('; '),
      ]),
    ),
    '',
  ];
}

/** Renders the report as Markdown. */
export function renderPipelineMarkdown(report: PipelineReport): string {
  const targets = latencyTargets(report);
  const lines = [
    '# edgeml pipeline report',
    '',
    `Created ${report.createdAt}.`,
    '',
    '## Stages',
    '',
    markdownTable(
      ['stage', 'seconds', 'reused', 'key'],
      report.stages.map((s) => [
        s.stage,
        s.durationS.toFixed(1),
        s.reused ? 'yes' : 'no',
        s.key.slice(0, 12),
      ]),
    ),
    '',
    '## Pass gate',
    '',
    ...gateLines(report),
    '## Models',
    '',
    "Accuracy: each stage's own test measurement (TF.js for float32 models, onnxruntime-node for int8). Latency: bench median end-to-end batch-1 ms per target.",
    '',
    markdownTable(
      [
        'stage',
        'model',
        'precision',
        'params',
        'nonzero params',
        'MACs',
        'ONNX bytes',
        'accuracy',
        ...targets.map((t) => `${t} ms`),
      ],
      report.models.map((m) => [
        m.stage,
        m.model,
        m.precision,
        String(m.params),
        String(m.nonzeroParams),
        String(m.macs),
        String(m.onnxBytes),
        pct(m.accuracy),
        ...targets.map((t) => ms(m.latencyMs[t])),
      ]),
    ),
    '',
    ...deploymentSection(report),
    '## Pareto front',
    '',
    `- accuracy vs ONNX size: ${report.pareto.size.join(' → ') || '-'}`,
    `- accuracy vs ${report.pareto.latencyTarget} latency: ${report.pareto.latency.join(' → ') || '-'}`,
    '',
    '## What each pass did',
    '',
    markdownTable(
      [
        'pass',
        'from → to',
        'accuracy (points)',
        'size',
        'nonzero params',
        'MACs',
        `bench ${report.pareto.latencyTarget} p50 ratio`,
        'note',
      ],
      report.passes.map((p) => [
        p.pass,
        `${p.from} → ${p.to}`,
        `${p.accuracyPoints >= 0 ? '+' : ''}${p.accuracyPoints.toFixed(2)}`,
        ratio(p.sizeRatio),
        ratio(p.paramsRatio),
        ratio(p.macsRatio),
        ratio(p.speedup),
        p.note,
      ]),
    ),
    '',
    'Ratios are before / after (above 1: smaller or faster after the pass). The bench ratio divides two end-to-end medians of separate runs: on models this small it is noise; the pass gate above holds the interleaved comparison.',
    '',
    '## Teacher training curve',
    '',
    markdownTable(
      ['epoch', 'loss', 'accuracy', 'val loss', 'val accuracy'],
      report.curves.map((c) => [
        String(c.epoch),
        c.loss.toFixed(4),
        pct(c.accuracy),
        c.valLoss === null ? '-' : c.valLoss.toFixed(4),
        c.valAccuracy === null ? '-' : pct(c.valAccuracy),
      ]),
    ),
    '',
  ];
  return lines.join('\n');
}

/** The worker/web runtime and the compiled modules' parity, when the run packaged those targets. */
function deploymentSection(report: PipelineReport): string[] {
  const d = report.deployment;
  if (d === null) return [];
  return [
    '## Deployment (worker, web)',
    '',
    `Runtime: \`${d.runtime}\` (${d.precision}): ${d.reason}.`,
    '',
    ...(d.compiled.length === 0
      ? []
      : [
          markdownTable(
            [
              'compiled',
              'used',
              'model.wasm',
              'parity images',
              'top-1 = onnxruntime-node',
              'max |dp|',
              'why not',
            ],
            d.compiled.map((c) => [
              c.precision,
              c.usable ? 'yes' : 'no',
              c.wasmBytes === null ? '-' : `${(c.wasmBytes / 1024).toFixed(1)} KiB`,
              c.parityImages === null ? '-' : String(c.parityImages),
              c.top1Agreement === null ? '-' : `${(c.top1Agreement * 100).toFixed(1)}%`,
              c.maxAbsDiff === null ? '-' : c.maxAbsDiff.toExponential(2),
              c.reason ?? '',
            ]),
          ),
          '',
        ]),
  ];
}
