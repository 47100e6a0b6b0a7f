import { readFileSync, writeFileSync } from 'node:fs';
import { catalogueMarkdown } from './catalogue';
import { OPERATIONS_DOC, replaceCatalogue } from './index';

// `npm run generate -w @creditstream/prometheus-rules`: rewrites the metrics catalogue in docs/operations.md.
writeFileSync(OPERATIONS_DOC, replaceCatalogue(readFileSync(OPERATIONS_DOC, 'utf8'), catalogueMarkdown()));
process.stdout.write(`${OPERATIONS_DOC}\n`);
