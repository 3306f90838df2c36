// Every shipped fixture validates against docs/scenario.schema.json, so the
// schema editors use and the loader's rules cannot drift apart unnoticed
// (the loader's own check runs as `agent-sandbox validate fixtures`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import Ajv from 'ajv';

// (import.meta.dirname needs node 20.11; Debian 12 ships node 18.)
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const schema = JSON.parse(readFileSync(join(root, 'docs', 'scenario.schema.json'), 'utf8'));
const draft2020 = String(schema.$schema || '').includes('2020-12');
const ajv = draft2020 ? new Ajv2020({ allErrors: true, strict: false }) : new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

for (const file of readdirSync(join(root, 'fixtures')).filter((f) => f.endsWith('.json')).sort()) {
  test(`fixtures/${file} follows docs/scenario.schema.json`, () => {
    const doc = JSON.parse(readFileSync(join(root, 'fixtures', file), 'utf8'));
    const ok = validate(doc);
    assert.ok(ok, JSON.stringify(validate.errors, null, 2));
  });
}
