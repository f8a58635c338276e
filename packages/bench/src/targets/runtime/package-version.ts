/** Installed version of a package, found by resolving it from a given module and reading its package.json. Node only. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version of `name` as resolved from `from` (a file URL or path), or undefined when not installed. */
export function packageVersion(name: string, from: string = import.meta.url): string | undefined {
  const base = from.startsWith('file:') ? fileURLToPath(from) : from;
  let entry: string;
  try {
    entry = createRequire(base).resolve(name);
  } catch {
    // ESM-only packages (no require condition): look for node_modules/<name> upwards instead.
    for (let dir = dirname(base); ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name, 'package.json');
      if (existsSync(candidate))
        return (JSON.parse(readFileSync(candidate, 'utf8')) as { version?: string }).version;
      if (dirname(dir) === dir) return undefined;
    }
  }
  for (let dir = dirname(entry); dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === name) return pkg.version;
  }
  return undefined;
}

/** The file path of the module that `specifier` resolves to from `from`, for resolving its own dependencies. */
export function resolvedFrom(specifier: string, from: string = import.meta.url): string | undefined {
  try {
    return createRequire(from.startsWith('file:') ? fileURLToPath(from) : from).resolve(specifier);
  } catch {
    return undefined;
  }
}
