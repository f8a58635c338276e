/** `edgeml serve`: runs a packaged Worker locally in workerd with `wrangler dev` until interrupted. */
import { resolve } from 'node:path';
import { spawnWrangler } from '@edgeml/runtime-edge/node';
import type { Command } from '../command.js';
import { intOption, stringOption } from '../options.js';

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
