#!/usr/bin/env node
import { CreditstreamError } from '@creditstream/errors';
import { createProgram } from './program';

// Reads argv, runs the command, turns known errors into a one-line message and an exit code.
createProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof CreditstreamError) {
      process.stderr.write(`creditstream: ${err.message}\n`);
      process.exitCode = err.code === 'CLI_OPTION_INVALID' ? 2 : 1;
      return;
    }
    process.stderr.write(`creditstream: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
