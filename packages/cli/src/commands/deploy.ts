/**
 * `edgeml deploy`: ships a packaged Worker to Cloudflare with `wrangler deploy`. Needs a Cloudflare
 * login (`npx wrangler login`) or CLOUDFLARE_API_TOKEN (+ CLOUDFLARE_ACCOUNT_ID) in the environment.
 */
import { resolve } from 'node:path';
import { spawnWrangler } from '@edgeml/runtime-edge/node';
import type { Command } from '../command.js';
import { stringOption } from '../options.js';

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'deploy a packaged Worker to Cloudflare (wrangler deploy; needs a Cloudflare login)',
  examples: [
    'pnpm edgeml deploy --package dist/worker',
    'pnpm edgeml deploy --package dist/worker --dry-run',
  ],
  options: {
    package: {
      type: 'string',
      placeholder: 'DIR',
      description: 'Worker project written by `edgeml package`',
    },
    'dry-run': { type: 'boolean', description: 'build and measure the upload without deploying' },
  },
  async run(values, out) {
    const dir = resolve(stringOption(values, 'package'));
    const args = values['dry-run'] === true ? ['deploy', '--dry-run'] : ['deploy'];
    out.note(`wrangler ${args.join(' ')} in ${dir}`);
    const child = spawnWrangler(args, { cwd: dir, interactive: true });
    return new Promise<number>((done, fail) => {
      child.on('error', fail);
      child.on('close', (code) => done(code ?? 1));
    });
  },
};
