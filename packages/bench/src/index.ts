// @edgeml/bench: model packages × precisions × targets (onnxruntime-node, onnxruntime-web wasm,
// tfjs-tflite, TF.js wasm/cpu, the Worker in workerd, Chromium) → cold start, latency, throughput,
// memory, size and accuracy, written as report.json (schema-checked), report.md and report.html.

export { collectEnvironment } from './environment/environment.js';
export { coldStartBars, coldStartBarsSpec } from './report/charts/cold-start-bars.js';
export { latencyBoxPlot, latencyBoxPlotSpec } from './report/charts/latency-box-plot.js';
export type { ChartAxis, ChartReading, ChartText, SvgElement } from './report/charts/read-chart.js';
export { overlappingTexts, parseSvg, readChart, tickValue, valueAt } from './report/charts/read-chart.js';
export { accuracyDomain, tradeoffScatter, tradeoffScatterSpec } from './report/charts/tradeoff-scatter.js';
export type { TopLevelSpec } from './report/charts/vega.js';
export { CHART_CONFIG, escapeXml, PALETTE, renderChart } from './report/charts/vega.js';
export { renderHtml } from './report/html.js';
export { markdownTable, renderMarkdown } from './report/markdown.js';
export { BENCH_REPORT_SCHEMA } from './report/schema.js';
export type { ReportTable } from './report/tables.js';
export { environmentLines, reportTables } from './report/tables.js';
export type {
  AccuracyResult,
  BatchThroughput,
  BenchEnvironment,
  BenchImages,
  BenchModel,
  BenchPrecision,
  BenchReport,
  BenchSettings,
  CaseFile,
  CaseKey,
  CaseResult,
  ColdStartSample,
  ConcurrencyResult,
  ErroredCase,
  LatencyResult,
  LatencySamples,
  MemoryResult,
  OkCase,
  SkippedCase,
  TargetName,
  ThroughputResult,
} from './report/types.js';
export { BENCH_REPORT_VERSION, TARGET_NAMES } from './report/types.js';
export { reportProblems, validateReport } from './report/validate.js';
export type { WrittenReport } from './report/write-report.js';
export { writeBenchReport } from './report/write-report.js';
export { withAgreement } from './run/agreement.js';
export type { BenchImageSet } from './run/images.js';
export { loadBenchImages } from './run/images.js';
export type { BenchOptions } from './run/options.js';
export { BENCH_OPTIONS, resolveSettings } from './run/options.js';
export { DEFAULT_TARGETS, runBench } from './run/run-bench.js';
export type { Summary } from './stats/summary.js';
export { quantile, quantileSorted, summarize } from './stats/summary.js';
export type { ChromiumSource, ResolvedChromium } from './targets/chromium/chromium-path.js';
export {
  chromiumLaunchOptions,
  DEFAULT_CHROMIUM_PATH,
  resolveChromium,
} from './targets/chromium/chromium-path.js';
export type { ChromiumBackend } from './targets/chromium/chromium-target.js';
export { createChromiumTarget } from './targets/chromium/chromium-target.js';
export { buildTflitePage, TFLITE_PAGE_LAYOUT } from './targets/chromium/tflite-page.js';
export type { TflitePageRuntime } from './targets/chromium/tflite-page-entry.js';
export { createTflitePageTarget } from './targets/chromium/tflite-page-target.js';
export { createTarget, parseTargetNames } from './targets/registry.js';
export type { RuntimeTargetName } from './targets/runtime/runtime-job.js';
export { RUNTIME_TARGET_NAMES } from './targets/runtime/runtime-job.js';
export type { RuntimeTargetOptions } from './targets/runtime/runtime-target.js';
export { createRuntimeTarget } from './targets/runtime/runtime-target.js';
export type { BenchTarget, CaseContext, TargetMeasurement } from './targets/target.js';
export { runConcurrentLoad } from './targets/worker/http-load.js';
export { descendantMemory } from './targets/worker/process-memory.js';
export { createWorkerTarget } from './targets/worker/worker-target.js';
