import * as path from 'node:path';
import { EXAMPLE_EVENTS } from '../examples';
import { avroDir, buildTopics, DEFAULT_PARTITIONS, loadSchemaFile } from '../topics';
import { parseSchema, type SchemaModel } from './avro-model';
import { renderEventsDoc } from './render-docs';
import { renderEventTypes } from './render-types';

/** Where the generated files live, relative to the package root. */
export const GENERATED_TYPES = path.join('src', 'generated', 'events.ts');
export const GENERATED_DOC = path.join('..', 'docs', 'events.md');

/** The schemas package root (the folder holding `avro/`). */
export function packageRoot(): string {
  return path.dirname(avroDir());
}

/** Every schema the topic table names, parsed, in topic-table order (each file once). */
export function loadModels(): SchemaModel[] {
  const files = [...new Set(buildTopics(DEFAULT_PARTITIONS).map((t) => t.schema))];
  return files.map((file) => parseSchema(file, loadSchemaFile(file)));
}

/**
 * The content both generated files must have, for the default partition count (so that the output does not depend
 * on the environment of whoever generates it).
 */
export function renderAll(): { types: string; doc: string } {
  const models = loadModels();
  const topics = buildTopics(DEFAULT_PARTITIONS);
  return { types: renderEventTypes(models, topics), doc: renderEventsDoc(models, topics, DEFAULT_PARTITIONS, EXAMPLE_EVENTS) };
}
