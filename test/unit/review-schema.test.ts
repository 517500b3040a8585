// The review answer's schema: what is accepted, what is dropped (and why), and that the JSON Schema sent as
// text.format is strict and describes the same fields as the zod schema.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { parseReview, REVIEW_JSON_SCHEMA, REVIEW_TEXT_FORMAT, ReviewSchema } from '../../server/review/schema.js';

const finding = {
  title: '[P1] Division by zero when values is empty',
  body: 'mean() divides by values.length, which is 0 for an empty array.',
  confidence_score: 0.8,
  priority: 1,
  code_location: { absolute_file_path: '/work/src/stats.ts', line_range: { start: 12, end: 12 } },
};
const review = { findings: [finding], overall_correctness: 'patch is incorrect', overall_explanation: 'It divides by zero.', overall_confidence_score: 0.7 };
const json = (v: unknown) => JSON.stringify(v);
const withFinding = (patch: Record<string, unknown>) => json({ ...review, findings: [{ ...finding, ...patch }] });

describe('parseReview', () => {
  const accepted: [string, string, number][] = [
    ['a review with one finding', json(review), 1],
    ['no findings', json({ ...review, findings: [], overall_correctness: 'patch is correct' }), 0],
    ['surrounded by white space', `\n  ${json(review)}\n`, 1],
    ['inside one json fence', '```json\n' + json(review) + '\n```', 1],
    ['a one-line range', withFinding({ code_location: { absolute_file_path: 'a.ts', line_range: { start: 3, end: 3 } } }), 1],
  ];
  for (const [name, text, count] of accepted) {
    it(`accepts ${name}`, () => {
      const parsed = parseReview(text);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
      assert.equal(parsed.review.findings.length, count);
    });
  }

  const rejected: [string, string, RegExp][] = [
    ['an empty answer', '', /empty/],
    ['prose', 'The patch looks fine to me.', /not JSON/],
    ['a truncated answer', json(review).slice(0, 120), /not JSON/],
    ['a missing verdict', json({ findings: [] }), /overall_correctness/],
    ['an unknown verdict', json({ ...review, overall_correctness: 'fine' }), /overall_correctness/],
    ['a priority out of range', withFinding({ priority: 4 }), /findings\.0\.priority/],
    ['a fractional priority', withFinding({ priority: 1.5 }), /findings\.0\.priority/],
    ['a confidence above 1', withFinding({ confidence_score: 1.2 }), /confidence_score/],
    ['a 0-based line', withFinding({ code_location: { absolute_file_path: 'a.ts', line_range: { start: 0, end: 2 } } }), /line_range\.start/],
    ['a range that ends before it starts', withFinding({ code_location: { absolute_file_path: 'a.ts', line_range: { start: 9, end: 3 } } }), /end is before/],
    ['an empty title', withFinding({ title: '  ' }), /title/],
    ['an extra field', withFinding({ severity: 'high' }), /findings\.0/],
    ['findings that are not a list', json({ ...review, findings: {} }), /findings/],
    ['a JSON array', json([review]), /the answer/],
  ];
  for (const [name, text, reason] of rejected) {
    it(`drops ${name}, saying why`, () => {
      const parsed = parseReview(text);
      assert.equal(parsed.ok, false);
      assert.match((parsed as { reason: string }).reason, reason);
    });
  }
});

describe('REVIEW_JSON_SCHEMA', () => {
  /** Every object schema in a JSON Schema, with its path. */
  function objects(schema: Record<string, unknown>, path = '$'): [string, Record<string, unknown>][] {
    const found: [string, Record<string, unknown>][] = [];
    if (schema['type'] === 'object') found.push([path, schema]);
    for (const [key, value] of Object.entries((schema['properties'] ?? {}) as Record<string, Record<string, unknown>>)) {
      found.push(...objects(value, `${path}.${key}`));
    }
    if (schema['items']) found.push(...objects(schema['items'] as Record<string, unknown>, `${path}[]`));
    return found;
  }

  it('is strict: every object lists all its properties as required and allows nothing else', () => {
    const all = objects(REVIEW_JSON_SCHEMA);
    assert.equal(all.length, 4, all.map(([p]) => p).join(', '));
    for (const [path, o] of all) {
      assert.equal(o['additionalProperties'], false, path);
      assert.deepEqual([...(o['required'] as string[])].sort(), Object.keys(o['properties'] as object).sort(), path);
    }
    assert.deepEqual(REVIEW_TEXT_FORMAT, { type: 'json_schema', name: 'code_review', schema: REVIEW_JSON_SCHEMA, strict: true });
  });

  it('names the same fields, at the same places, as the zod schema', () => {
    const zodKeys = (schema: z.ZodType, path = '$'): string[] => {
      let s: z.ZodType = schema;
      while (s instanceof z.ZodPipe) s = s.in as z.ZodType;
      if (s instanceof z.ZodArray) return zodKeys(s.element as z.ZodType, `${path}[]`);
      if (!(s instanceof z.ZodObject)) return [];
      return Object.entries(s.shape as Record<string, z.ZodType>).flatMap(([k, v]) => [`${path}.${k}`, ...zodKeys(v, `${path}.${k}`)]);
    };
    const jsonKeys = (schema: Record<string, unknown>, path = '$'): string[] => {
      if (schema['items']) return jsonKeys(schema['items'] as Record<string, unknown>, `${path}[]`);
      return Object.entries((schema['properties'] ?? {}) as Record<string, Record<string, unknown>>).flatMap(([k, v]) => [`${path}.${k}`, ...jsonKeys(v, `${path}.${k}`)]);
    };
    assert.deepEqual(jsonKeys(REVIEW_JSON_SCHEMA).sort(), zodKeys(ReviewSchema).sort());
  });
});
