#!/usr/bin/env node
// The `switchboard` command. npm links a package's bin when it installs it,
// before anything is built, and makes no link to a file that does not exist:
// this launcher is committed, so the link exists on a fresh clone, and it
// says what to do until the CLI is built.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const entry = path.join(__dirname, '..', 'dist', 'bin.js');
if (!fs.existsSync(entry)) {
  process.stderr.write(
    `switchboard: the CLI is not built (${entry} is missing).\n` +
      'Run `npm run build` at the root of the repository (it builds the packages the CLI needs), then run the command again.\n',
  );
  process.exit(1);
}
require(entry);
