#!/usr/bin/env node
// The `edgeml` executable: `pnpm edgeml <command>` runs this file through tsx.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
