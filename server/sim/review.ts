// JSON answers for `text.format` `json_schema` requests: review answers in Codex's shape (spec 12.3) from a
// reviewer hook or a per-file script, and a minimal document that satisfies any other schema. Pure.

import type { SimFinding, SimRequest, SimReview, SimReviewScript, SimReviewer } from './api.js';

/** A review answer from findings alone: the verdict follows from whether there are any. */
export function reviewOf(answer: SimReview | SimFinding[]): SimReview {
  if (!Array.isArray(answer)) return answer;
  return {
    findings: answer,
    overall_correctness: answer.length > 0 ? 'patch is incorrect' : 'patch is correct',
    overall_explanation: answer.length > 0 ? `spark-sim: ${answer.length} scripted finding(s).` : 'spark-sim: no findings scripted.',
    overall_confidence_score: 0.8,
  };
}

const PATH_TOKEN = /[^\s"'`<>()[\]{},;]+/g;

/**
 * Where the request's input names `key`: an absolute path ending in `/<key>` (or equal to it) when there is
 * one, else `key` itself when the input contains it; undefined when the input does not name the file.
 */
export function pathIn(inputText: string, key: string): string | undefined {
  let relative = false;
  for (const [token] of inputText.matchAll(PATH_TOKEN)) {
    const path = token.replace(/[:.]+$/, '').replace(/:\d+(:\d+)?$/, '');
    if (path !== key && !path.endsWith(`/${key}`) && !path.endsWith(`\\${key}`)) continue;
    if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) return path;
    relative = true;
  }
  return relative ? key : undefined;
}

/** The reviewer a `--review-script` describes: the findings of every scripted file the request names. */
export function scriptedReviewer(script: SimReviewScript): SimReviewer {
  return (request: SimRequest) => {
    const findings: SimFinding[] = [];
    for (const [key, scripted] of Object.entries(script.files)) {
      const path = pathIn(request.inputText, key);
      if (path === undefined) continue;
      for (const f of scripted) {
        const fromTitle = /^\[P([0-3])\]/.exec(f.title)?.[1];
        findings.push({
          title: f.title,
          body: f.body ?? f.title,
          confidence_score: f.confidence_score ?? 0.8,
          priority: f.priority ?? (fromTitle === undefined ? 1 : Number(fromTitle)),
          code_location: { absolute_file_path: path, line_range: { start: f.line_range.start, end: f.line_range.end } },
        });
      }
    }
    const review = reviewOf(findings);
    return script.overall_explanation === undefined ? review : { ...review, overall_explanation: script.overall_explanation };
  };
}

/**
 * A small document that satisfies `schema` (the subset strict mode uses): the first of an enum or const,
 * objects with every required property, empty arrays, 0, false, and the string "spark-sim".
 */
export function minimalJson(schema: unknown, depth = 0): unknown {
  if (schema === null || typeof schema !== 'object' || depth > 32) return null;
  const s = schema as Record<string, unknown>;
  if ('const' in s) return s['const'];
  if (Array.isArray(s['enum']) && s['enum'].length > 0) return s['enum'][0];
  for (const key of ['anyOf', 'oneOf']) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0) return minimalJson(options[0], depth + 1);
  }
  const type = Array.isArray(s['type']) ? s['type'][0] : s['type'];
  switch (type) {
    case 'object': {
      const properties = (s['properties'] ?? {}) as Record<string, unknown>;
      const required = Array.isArray(s['required']) ? (s['required'] as unknown[]).filter((k): k is string => typeof k === 'string') : Object.keys(properties);
      const out: Record<string, unknown> = {};
      for (const key of required) out[key] = minimalJson(properties[key], depth + 1);
      return out;
    }
    case 'array':
      return [];
    case 'string':
      return 'spark-sim';
    case 'number':
    case 'integer':
      return typeof s['minimum'] === 'number' ? s['minimum'] : 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}
