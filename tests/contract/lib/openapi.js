// The vendor's OpenAPI 3.0 documents (../shared/spec/openapi/middesk-*.yml,
// read at run time, never copied) turned into ajv validators: find the
// operation for a method + concrete path, and validate a response body
// against the schema declared for its status (ErrorResponse for an error
// status the operation does not declare).
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

const DOCS = ['agents', 'threads', 'runs', 'actions', 'webhooks'];

// Served but not declared in any document. The runs document names it in the
// descriptions of AgentsRun.interrupts and AgentsRun.steps ("POST the
// interrupt's id ... to POST /v1/runs/{id}/resume", "?include=steps on ...
// POST /v1/runs/{id}/resume"), which makes its answer an AgentsRun.
const UNDECLARED = {
  'POST /v1/runs/{id}/resume': { doc: 'middesk-runs.yml', ok: { 200: 'type_:AgentsRun' } },
};

const pointerEscape = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export class OpenApiContract {
  constructor(specDir) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.operations = []; // {doc, method, template, regex, op}
    this.cache = new Map();
    for (const name of DOCS) {
      const file = `middesk-${name}.yml`;
      const doc = YAML.parse(fs.readFileSync(path.join(specDir, 'openapi', file), 'utf8'));
      // Only `components` and `paths` are needed; refs inside resolve against this $id.
      this.ajv.addSchema({ $id: file, components: doc.components ?? {}, paths: doc.paths ?? {} });
      for (const [template, item] of Object.entries(doc.paths ?? {})) {
        for (const [method, op] of Object.entries(item)) {
          if (!op || typeof op !== 'object' || !op.responses) continue;
          const literal = !template.includes('{');
          const regex = new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$');
          this.operations.push({ doc: file, method: method.toUpperCase(), template, regex, op, literal });
        }
      }
    }
    // Literal paths win over templates (/v1/webhooks/oidc_keys before /v1/webhooks/{id}).
    this.operations.sort((a, b) => Number(b.literal) - Number(a.literal));
  }

  findOperation(method, urlPath) {
    return this.operations.find((o) => o.method === method && o.regex.test(urlPath)) ?? null;
  }

  // True when the operation declares `status` with no body (DELETE /v1/webhooks/{id}: 200).
  declaresNoContent(method, urlPath, status) {
    const declared = this.findOperation(method, urlPath)?.op.responses[String(status)];
    return Boolean(declared) && !declared.content;
  }

  validatorFor(ref) {
    if (!this.cache.has(ref)) this.cache.set(ref, this.ajv.compile({ $ref: ref }));
    return this.cache.get(ref);
  }

  // Validates `body` as the named component schema of a document.
  validateComponent(doc, name, body) {
    const v = this.validatorFor(`${doc}#/components/schemas/${pointerEscape(name)}`);
    return v(body) ? [] : v.errors.map(formatError);
  }

  // Returns {operation, schema, errors}: errors is [] when the body conforms;
  // it explains why otherwise (no operation, no schema for the status, ajv errors).
  validateResponse(method, urlPath, status, body) {
    const found = this.findOperation(method, urlPath);
    if (!found) {
      const key = Object.keys(UNDECLARED).find((k) => {
        const [m, t] = k.split(' ');
        return m === method && new RegExp('^' + t.replace(/\{[^}]+\}/g, '[^/]+') + '$').test(urlPath);
      });
      if (!key) return { operation: null, schema: null, errors: [`no operation for ${method} ${urlPath} in any document`] };
      const u = UNDECLARED[key];
      const schema = u.ok[status] ?? (status >= 400 ? 'type_:ErrorResponse' : null);
      if (!schema) return { operation: key, schema: null, errors: [`status ${status} has no schema (undeclared ${key})`] };
      return { operation: `${key} (undeclared)`, schema, errors: this.validateComponent(u.doc, schema, body) };
    }
    const operation = `${found.method} ${found.template} [${found.doc}]`;
    const declared = found.op.responses[String(status)];
    const content = declared?.content?.['application/json'];
    if (content?.schema) {
      const ptr = ['paths', found.template, found.method.toLowerCase(), 'responses', String(status), 'content',
        'application/json', 'schema'].map(pointerEscape).join('/');
      const v = this.validatorFor(`${found.doc}#/${ptr}`);
      return { operation, schema: content.schema.$ref ?? 'inline', errors: v(body) ? [] : v.errors.map(formatError) };
    }
    if (status >= 400) {
      return { operation, schema: 'type_:ErrorResponse (undeclared status)',
        errors: this.validateComponent(found.doc, 'type_:ErrorResponse', body) };
    }
    return { operation, schema: null, errors: [`status ${status} is not declared and is not an error`] };
  }
}

function formatError(e) {
  const extra = e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : '';
  return `${e.instancePath || '/'} ${e.message}${extra}`;
}
