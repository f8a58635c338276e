/** Every CLI command, in the order `edgeml --help` lists them. */
import type { Command } from '../command.js';
import { dataInfo } from './data-info.js';
import { dataPreview } from './data-preview.js';

export const COMMANDS: readonly Command[] = [dataInfo, dataPreview];
