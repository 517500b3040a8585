// Request headers carry the key only in Authorization; their logged form never does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactHeaders, requestHeaders } from '../../server/spark/headers.js';
import { VERSION } from '../../server/version.js';

test('request headers: bearer key, user agent, extras', () => {
  assert.deepEqual(requestHeaders('sk-1', { Accept: 'text/event-stream' }), {
    Authorization: 'Bearer sk-1',
    'User-Agent': `spark-lsp/${VERSION}`,
    Accept: 'text/event-stream',
  });
});

test('redaction keeps the scheme and hides every credential', () => {
  assert.deepEqual(
    redactHeaders({ Authorization: 'Bearer sk-secret', 'x-api-key': 'sk-2', Cookie: 'a=b', 'User-Agent': 'spark-lsp/1', 'proxy-authorization': 'Basic dXNlcg==' }),
    { Authorization: 'Bearer ***', 'x-api-key': '***', Cookie: '***', 'User-Agent': 'spark-lsp/1', 'proxy-authorization': 'Basic ***' },
  );
});
