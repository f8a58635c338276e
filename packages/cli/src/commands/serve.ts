/** `edgeml serve`: runs a packaged Worker locally in workerd with `wrangler dev` until interrupted. */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, MANIFEST_FILE_NAME } from '@edgeml/core';
import { spawnWrangler } from '@edgeml/runtime-edge/node';
import type { Command } from '../command.js';
import { intOption, stringOption } from '../options.js';

/** Wrangler's config files; a Worker project has one of them. */
const WRANGLER_CONFIGS = ['wrangler.toml', 'wrangler.json', 'wrangler.jsonc'];

const isFile = (path: string) =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

/**
 * Throws a ConfigError unless `dir` is a Worker project (a directory with a wrangler config),
 * saying what it is instead: missing, a file, or a model package that still needs packaging.
 */
async function checkWorkerProject(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (info === null) {
    throw new ConfigError(
      `--package ${dir}: no such directory; write a Worker project first: edgeml package --model <model> --target worker --out ${dir}`,
      { option: 'package', path: dir },
    );
  }
  if (!info.isDirectory()) {
    throw new ConfigError(`--package ${dir}: is a file, not a Worker project directory`, {
      option: 'package',
      path: dir,
    });
  }
  for (const name of WRANGLER_CONFIGS) if (await isFile(join(dir, name))) return;
  const hint = (await isFile(join(dir, MANIFEST_FILE_NAME)))
    ? `it is a model package; package it as a Worker first: edgeml package --model ${dir} --target worker --out dist/worker, then edgeml serve --package dist/worker`
    : 'give the directory that `edgeml package --target worker` wrote';
  throw new ConfigError(
    `--package ${dir}: not a Worker project (no ${WRANGLER_CONFIGS.join(', ')}); ${hint}`,
    { option: 'package', path: dir },
  );
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run a packaged Worker locally (wrangler dev, workerd)',
  examples: ['pnpm edgeml serve --package dist/worker --port 8787'],
  options: {
    package: {
      type: 'string',
      placeholder: 'DIR',
      description: 'Worker project written by `edgeml package`',
    },
    port: { type: 'string', placeholder: 'N', description: 'local port', default: '8787' },
    ip: { type: 'string', placeholder: 'ADDR', description: 'address to listen on', default: '127.0.0.1' },
  },
  async run(values, out) {
    const dir = resolve(stringOption(values, 'package'));
    const port = intOption(values, 'port', { min: 1, max: 65535, fallback: 8787 });
    const ip = stringOption(values, 'ip', '127.0.0.1');
    await checkWorkerProject(dir);
    out.note(`wrangler dev in ${dir} on http://${ip}:${port}  (Ctrl-C to stop)`);
    const child = spawnWrangler(['dev', '--ip', ip, '--port', String(port)], { cwd: dir, interactive: true });
    const stop = () => child.kill('SIGINT');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return new Promise<number>((done, fail) => {
      child.on('error', fail);
      child.on('close', (code) => done(code ?? 0));
    });
  },
};
