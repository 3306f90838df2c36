// The served OpenAPI document (issue 13) validates as OpenAPI 3.1 with
// @seriousme/openapi-schema-validator (the OpenAPI Initiative's JSON Schemas
// run by ajv): GET /openapi.json, lenient and strict, and GET /openapi.yaml,
// which must read back as the same document. Starts the real binary
// (tests/contract/lib/sandbox.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import YAML from 'yaml';
import { startSandbox } from '../contract/lib/sandbox.js';

test('GET /openapi.json and /openapi.yaml are valid OpenAPI 3.1, lenient and strict', async () => {
  const sb = await startSandbox();
  try {
    for (const strict of ['false', 'true']) {
      const headers = { 'X-Sandbox-Strict': strict };
      const res = await fetch(`${sb.baseUrl}/openapi.json`, { headers });
      assert.equal(res.status, 200);
      const doc = await res.json();
      const validator = new Validator();
      const result = await validator.validate(doc);
      assert.equal(validator.version, '3.1');
      assert.ok(result.valid, `strict=${strict}: ${JSON.stringify(result.errors, null, 2)}`);

      const yamlRes = await fetch(`${sb.baseUrl}/openapi.yaml`, { headers });
      assert.equal(yamlRes.status, 200);
      assert.match(yamlRes.headers.get('content-type'), /^application\/yaml/);
      assert.deepEqual(YAML.parse(await yamlRes.text()), doc);

      // Operation ids are unique, as the specification requires.
      const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
      assert.equal(new Set(ids).size, ids.length);
    }
  } finally {
    await sb.stop();
  }
});
