import * as fs from 'node:fs';
import * as path from 'node:path';
import { GENERATED_DOC, GENERATED_TYPES, packageRoot, renderAll } from './generate';

// `npm run generate -w schemas`: rewrites the generated TypeScript types and docs/events.md from the schemas.
const root = packageRoot();
const { types, doc } = renderAll();
for (const [rel, content] of [[GENERATED_TYPES, types], [GENERATED_DOC, doc]] as const) {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}
