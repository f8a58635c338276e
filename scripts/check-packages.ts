/**
 * `pnpm check:packages`: builds and packs every @edgeml package (as test/support/packed-packages.ts
 * does for the tests), then checks each tarball, as npm would receive it, with
 *   - publint --strict: package.json fields, `exports` targets that exist in the tarball, formats;
 *   - attw --profile esm-only (@arethetypeswrong/cli): every entry resolves to JavaScript and
 *     type declarations under Node 16+ ESM and bundler resolution (CommonJS `require` and
 *     node10 resolution are out of scope: the packages are ESM only);
 *   - the tarball's own manifest: not private, a license, no `workspace:` ranges, a LICENSE file.
 * Exits 1 when any check fails.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EDGEML_PACKAGES, packAll, REPO_ROOT } from '../test/support/packed-packages.js';

const run = promisify(execFile);

interface Outcome {
  readonly name: string;
  readonly failures: string[];
}

async function tool(args: readonly string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('pnpm', ['exec', ...args], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
  }
}

async function manifestProblems(tarball: string): Promise<string[]> {
  const { stdout: json } = await run('tar', ['-xzOf', tarball, 'package/package.json']);
  const { stdout: list } = await run('tar', ['-tzf', tarball]);
  const pkg = JSON.parse(json) as Record<string, unknown>;
  const problems: string[] = [];
  if (pkg['private']) problems.push('package.json: "private" is set');
  if (pkg['license'] !== 'MIT')
    problems.push(`package.json: "license" is ${JSON.stringify(pkg['license'])}, expected "MIT"`);
  if (!list.split('\n').includes('package/LICENSE')) problems.push('no LICENSE file in the tarball');
  if (json.includes('workspace:')) problems.push('package.json still has a workspace: range');
  if (list.includes('.test.')) problems.push('the tarball ships test files');
  return problems;
}

async function check(name: string, tarball: string): Promise<Outcome> {
  const failures = await manifestProblems(tarball);
  const publint = await tool(['publint', 'run', '--strict', tarball]);
  if (!publint.ok || !/All good/.test(publint.output)) failures.push(`publint:\n${publint.output.trim()}`);
  const attw = await tool(['attw', '--profile', 'esm-only', '--format', 'ascii', '--no-emoji', tarball]);
  if (!attw.ok) failures.push(`attw:\n${attw.output.trim()}`);
  return { name, failures };
}

const tarballs = await packAll();
let failed = 0;
for (const name of Object.keys(EDGEML_PACKAGES)) {
  const tarball = tarballs[name];
  if (!tarball) throw new Error(`no tarball for ${name}`);
  const outcome = await check(name, tarball);
  if (outcome.failures.length === 0) {
    console.log(`ok    ${name}  (${tarball})`);
  } else {
    failed++;
    console.log(
      `FAIL  ${name}  (${tarball})\n${outcome.failures.map((f) => `  ${f.replace(/\n/g, '\n  ')}`).join('\n')}`,
    );
  }
}
console.log(
  `${Object.keys(EDGEML_PACKAGES).length - failed} of ${Object.keys(EDGEML_PACKAGES).length} packages pass publint and attw`,
);
process.exitCode = failed === 0 ? 0 : 1;
