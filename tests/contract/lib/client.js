// The HTTP client of the suite. Every response it receives is checked against
// the OpenAPI documents (lib/openapi.js); each mismatch is recorded as a
// violation naming the request, the status, the schema and the ajv errors.
export const API_KEY = 'mk_test_contract';

export class ContractClient {
  constructor(baseUrl, contract) {
    this.baseUrl = baseUrl;
    this.contract = contract;
    this.violations = [];
    this.checked = 0;
  }

  // call('POST', '/v1/runs', {body, query, headers, auth: false | 'Bearer x'})
  async call(method, urlPath, { body, query, headers = {}, auth, raw } = {}) {
    const url = new URL(urlPath, this.baseUrl);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    const h = { ...headers };
    if (auth !== false) h.Authorization = auth ?? `Bearer ${API_KEY}`;
    let payload;
    if (raw !== undefined) payload = raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(url, { method, headers: h, body: payload });
    const text = await res.text();
    const request = `${method} ${url.pathname}${url.search}${payload ? ' ' + truncate(payload, 300) : ''}`;
    if (text === '' && this.contract.declaresNoContent(method, url.pathname, res.status)) {
      this.checked++;
      return { status: res.status, body: null, headers: res.headers };
    }
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      this.record({ request, status: res.status, schema: '-', errors: ['response body is not JSON'], body: text });
      return { status: res.status, body: text, headers: res.headers };
    }
    const type = res.headers.get('content-type') ?? '';
    const result = this.contract.validateResponse(method, url.pathname, res.status, json);
    const errors = [...result.errors];
    if (!type.startsWith('application/json')) errors.push(`content-type is ${type || 'missing'}, not application/json`);
    this.checked++;
    if (errors.length) this.record({ request, status: res.status, schema: result.schema, operation: result.operation, errors, body: json });
    return { status: res.status, body: json, headers: res.headers };
  }

  get(p, opts) { return this.call('GET', p, opts); }
  post(p, body, opts = {}) { return this.call('POST', p, { ...opts, body }); }

  // Checks a value (e.g. a STATE_SNAPSHOT's snapshot) against a component schema.
  checkComponent(where, doc, name, value) {
    this.checked++;
    const errors = this.contract.validateComponent(doc, name, value);
    if (errors.length) this.record({ request: where, status: '-', schema: name, errors, body: value });
    return errors;
  }

  record(v) { this.violations.push(v); }
}

export function formatViolations(list) {
  return list.map((v) => [`${v.request}`, `  -> ${v.status}, schema ${v.schema}${v.operation ? ` (${v.operation})` : ''}`,
    ...v.errors.map((e) => `     ${e}`), `     body: ${truncate(JSON.stringify(v.body), 600)}`].join('\n')).join('\n');
}

function truncate(s, n) { return s.length > n ? s.slice(0, n) + '...' : s; }
