/**
 * Running the installed wrangler (Cloudflare's CLI, which embeds workerd) as a child process:
 * `wrangler dev` for local serving, `wrangler deploy` (with `--dry-run` for sizes). Node only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EdgemlError, resolveOptional } from '@edgeml/core';

/** The installed wrangler: its CLI script and version. */
export interface WranglerInstall {
  readonly script: string;
  readonly version: string;
}

/**
 * Finds the wrangler package installed next to @edgeml/runtime-edge (an optional peer dependency:
 * MissingDependencyError with `npm install wrangler@^4.0.0` when it is not).
 */
export function findWrangler(): WranglerInstall {
  const pkgPath = resolveOptional('wrangler', 'wrangler', () =>
    createRequire(import.meta.url).resolve('wrangler/package.json'),
  );
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string; bin: Record<string, string> };
  const bin = pkg.bin['wrangler'] ?? Object.values(pkg.bin)[0];
  if (!bin) throw new EdgemlError('BACKEND_UNAVAILABLE', `${pkgPath} names no wrangler executable (bin)`);
  return { script: join(dirname(pkgPath), bin), version: pkg.version };
}

/** Environment for wrangler runs: no telemetry prompts, no interactive questions. */
export function wranglerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, WRANGLER_SEND_METRICS: 'false', ...extra };
}

/** Options of spawnWrangler. */
export interface SpawnWranglerOptions {
  readonly cwd: string;
  /** Capture stdout/stderr instead of inheriting them. @default false */
  readonly pipe?: boolean;
  /** Let wrangler prompt (login, confirmations); otherwise it runs as in CI. @default false */
  readonly interactive?: boolean;
  readonly env?: Record<string, string>;
}

/** Starts `wrangler ARGS` in `cwd`; stdio inherited unless `pipe`. */
export function spawnWrangler(args: readonly string[], options: SpawnWranglerOptions): ChildProcess {
  const { script } = findWrangler();
  return spawn(process.execPath, [script, ...args], {
    cwd: options.cwd,
    env: wranglerEnv({ ...(options.interactive ? {} : { CI: 'true' }), ...options.env }),
    stdio: options.pipe ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
}

/** Runs `wrangler ARGS` to completion with output captured; throws a typed error on failure. */
export function runWrangler(
  args: readonly string[],
  cwd: string,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnWrangler(args, { cwd, pipe: true });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else {
        reject(
          new EdgemlError(
            'BACKEND_UNAVAILABLE',
            `wrangler ${args.join(' ')} failed (exit ${code}): ${(stderr || stdout).trim().slice(-2000)}`,
            {
              args: [...args],
              code,
            },
          ),
        );
      }
    });
  });
}
