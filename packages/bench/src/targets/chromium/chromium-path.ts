/** Where the Chromium executable is: $EDGEML_CHROMIUM, else /usr/bin/chromium; undefined when absent. Node only. */
import { accessSync, constants } from 'node:fs';

/** Default Chromium executable (Debian's `chromium` package). */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** The Chromium executable to drive, or undefined when there is none. */
export function findChromium(): string | undefined {
  const path = process.env['EDGEML_CHROMIUM'] || DEFAULT_CHROMIUM_PATH;
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}
