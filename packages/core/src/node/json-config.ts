/**
 * Reading a JSON config file as people write them: a UTF-8 byte-order mark (Windows editors add
 * one) is accepted, and a number JSON.parse turns into Infinity (`1e400`) is refused with its path,
 * instead of reaching a validator that can only print it as `null`.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

/** The UTF-8 byte-order mark as JSON.parse sees it after decoding. */
const BOM = '\uFEFF';

/** Parses config `text` (from `file`, for messages): BOM stripped, non-finite numbers refused. */
export function parseJsonConfig(text: string, file: string, option = 'config'): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text.startsWith(BOM) ? text.slice(BOM.length) : text);
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`, { option, file });
  }
  const found = nonFinite(json, '$');
  if (found !== undefined) {
    throw new ConfigError(
      `${file}: '${found.path}' is a number too large for a double (JSON.parse reads it as ${found.value}); use a finite number`,
      { option, file, path: found.path },
    );
  }
  return json;
}

/** Reads and parses the JSON config `file` (see parseJsonConfig); a missing file names the option. */
export async function readJsonConfig(file: string, option = 'config'): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new ConfigError(`--${option} ${file}: ${reason}`, { option, file });
  }
  return parseJsonConfig(text, file, option);
}

/** The JSON path and value of the first non-finite number in `value`, or undefined. */
function nonFinite(value: unknown, path: string): { path: string; value: number } | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { path, value };
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, i) => [`${path}[${i}]`, item])
    : typeof value === 'object' && value !== null
      ? Object.entries(value).map(([key, item]) => [
          /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`,
          item,
        ])
      : [];
  for (const [itemPath, item] of entries) {
    const found = nonFinite(item, itemPath);
    if (found !== undefined) return found;
  }
  return undefined;
}
