#!/usr/bin/env node
// The `edgeml` executable. Installed, it is dist/bin.js (package.json `bin`, so `npx edgeml`);
// in this repository `pnpm edgeml <command>` runs this file through tsx.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
