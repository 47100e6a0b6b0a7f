/** Renders the API reference page (/docs) from the OpenAPI document: one self-contained HTML page, no scripts. */

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

interface Op {
  operationId: string;
  summary: string;
  tags: string[];
  'x-roles': string[];
  parameters: { name: string; in: string; required?: boolean; description?: string; schema: Record<string, unknown> }[];
  requestBody?: { content: { 'application/json': { schema: Record<string, unknown> } } };
  responses: Record<string, { description: string }>;
}

function schemaText(schema: Record<string, unknown>): string {
  const t = schema.type ?? (schema.$ref ? String(schema.$ref).split('/').pop() : 'object');
  const extra = [schema.enum ? `one of ${(schema.enum as unknown[]).join(', ')}` : '', schema.format ? `format ${schema.format}` : '', schema.pattern ? `pattern ${schema.pattern}` : '', schema.minimum !== undefined ? `≥ ${schema.minimum}` : '', schema.maximum !== undefined ? `≤ ${schema.maximum}` : ''].filter(Boolean);
  return `${Array.isArray(t) ? t.join(' | ') : String(t)}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

export function renderReference(document: Record<string, unknown>): string {
  const info = document.info as { title: string; version: string; description: string };
  const paths = document.paths as Record<string, Record<string, Op>>;
  const schemas = (document.components as { schemas: Record<string, Record<string, unknown>> }).schemas;
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters.map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${esc(schemaText(p.schema))}</td><td>${esc(p.description ?? '')}</td></tr>`).join('');
      const body = op.requestBody ? `<h4>Body (application/json)</h4><pre>${esc(JSON.stringify(op.requestBody.content['application/json'].schema, null, 2))}</pre>` : '';
      const responses = Object.entries(op.responses).map(([s, r]) => `<li><b>${esc(s)}</b> ${esc(r.description)}</li>`).join('');
      sections.push(
        `<section id="${esc(op.operationId)}"><h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3><p>${esc(op.summary)}</p><p class="roles">roles: ${op['x-roles'].map(esc).join(', ')} · operation <code>${esc(op.operationId)}</code></p>${params ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>type</th><th>meaning</th></tr>${params}</table>` : ''}${body}<ul>${responses}</ul></section>`,
      );
    }
  }
  const models = Object.entries(schemas).map(([name, s]) => `<details id="schema-${esc(name)}"><summary><code>${esc(name)}</code></summary><pre>${esc(JSON.stringify(s, null, 2))}</pre></details>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(info.title)}</title><style>
body{font-family:system-ui,sans-serif;max-width:1000px;margin:0 auto;padding:16px 24px;color:#111}section{border-top:1px solid #e5e7eb;padding:8px 0}
.m{display:inline-block;min-width:48px;text-align:center;border-radius:4px;color:#fff;font-size:12px;padding:2px 6px}.m.get{background:#2563eb}.m.post{background:#16a34a}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #e5e7eb;padding:3px 8px;text-align:left}pre{background:#f8fafc;padding:8px;font-size:12px;overflow:auto}.roles{color:#555;font-size:13px}
</style></head><body><h1>${esc(info.title)} ${esc(info.version)}</h1><p>${esc(info.description)}</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>${sections.join('')}<h2>Schemas</h2>${models}</body></html>`;
}
