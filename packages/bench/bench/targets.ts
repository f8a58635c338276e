/**
 * `pnpm bench:targets`: `edgeml bench` over sample model packages the repo can build. With
 * `--models` (and any other bench option) the arguments go straight to `edgeml bench`. Without
 * it: every exported package under runs/ (a manifest listing model.onnx); when there is none, an
 * exported runs/cnn-small (when trained), else a quick cnn-small trained on 3,000 images.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const args = process.argv.slice(2);
const edgeml = (...argv: string[]) =>
  execFileSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'packages/cli/src/bin.ts'), ...argv], {
    cwd: root,
    stdio: 'inherit',
  });

function hasOnnx(dir: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      files?: { format?: string }[];
    };
    return (manifest.files ?? []).some((f) => f.format === 'onnx');
  } catch {
    return false;
  }
}

function samplePackages(): string[] {
  const runs = join(root, 'runs');
  const exported = existsSync(runs)
    ? readdirSync(runs)
        .map((d) => join('runs', d))
        .filter((d) => hasOnnx(join(root, d)))
    : [];
  if (exported.length > 0) return exported;
  const trained = join(root, 'runs/cnn-small');
  if (!existsSync(join(trained, 'manifest.json'))) {
    edgeml(
      'train',
      '--model',
      'cnn-small',
      '--epochs',
      '1',
      '--limit',
      '3000',
      '--eval-limit',
      '1000',
      '--out',
      'runs/bench-sample',
    );
    edgeml(
      'export',
      '--model',
      'runs/bench-sample',
      '--out',
      'runs/bench-sample-export',
      '--parity-images',
      '64',
    );
    return ['runs/bench-sample-export'];
  }
  edgeml('export', '--model', 'runs/cnn-small', '--out', 'runs/cnn-small-export');
  return ['runs/cnn-small-export'];
}

const rest = args.includes('--models') ? args : ['--models', samplePackages().join(','), ...args];
const withDefaults = rest.includes('--out') ? rest : [...rest, '--out', 'reports/bench'];
try {
  edgeml('bench', ...withDefaults);
} catch (error) {
  process.exit((error as { status?: number }).status ?? 1);
}
