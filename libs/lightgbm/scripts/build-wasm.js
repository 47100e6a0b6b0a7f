#!/usr/bin/env node
// Assembles the WebAssembly text modules of src/ (shap-walk.wat: the TreeSHAP table walk) into dist/src/, next to
// the compiled JavaScript that loads them. Run by `npm run build` after tsc. wabt (the WebAssembly Binary Toolkit's
// own assembler, built for JavaScript) does the assembling: a text format this small needs no compiler toolchain.
'use strict';
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const MODULES = ['src/predictor/shap-walk.wat'];

async function main() {
  const wabt = await require('wabt')();
  const root = join(__dirname, '..');
  for (const source of MODULES) {
    const text = readFileSync(join(root, source), 'utf8');
    const parsed = wabt.parseWat(source, text);
    try {
      parsed.resolveNames();
      parsed.validate();
      const { buffer } = parsed.toBinary({});
      const target = join(root, 'dist', source.replace(/\.wat$/, '.wasm'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, buffer);
    } finally {
      parsed.destroy();
    }
  }
}

main().catch((err) => {
  console.error(`build-wasm: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
