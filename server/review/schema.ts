// The review model's answer: its zod schema, the equivalent strict JSON Schema sent as `text.format`, and the
// one parser that turns answer text into a Review or a reason to drop it. Pure; knows nothing of LSP or sockets.
// Invariant: a review is either wholly valid or rejected; nothing half-parsed ever leaves this module.
import { z } from 'zod';

/** Longest title and body kept; longer ones are a malformed answer, not something to show. */
const MAX_TITLE = 300;
const MAX_BODY = 8_000;
const MAX_FINDINGS = 50;

export const LineRangeSchema = z
  .strictObject({
    /** 1-based, inclusive. */
    start: z.int().min(1),
    end: z.int().min(1),
  })
  .refine((r) => r.start <= r.end, { message: 'line_range.end is before line_range.start' });

export const FindingSchema = z.strictObject({
  /** One line, prefixed [P0]..[P3]. */
  title: z.string().trim().min(1).max(MAX_TITLE),
  /** Why it is a bug, in a short paragraph. */
  body: z.string().max(MAX_BODY),
  confidence_score: z.number().min(0).max(1),
  /** 0 (drop everything) .. 3 (nice to have). */
  priority: z.int().min(0).max(3),
  code_location: z.strictObject({
    absolute_file_path: z.string().min(1).max(4_096),
    line_range: LineRangeSchema,
  }),
});
export type Finding = z.infer<typeof FindingSchema>;

export const OVERALL = ['patch is correct', 'patch is incorrect'] as const;

export const ReviewSchema = z.strictObject({
  findings: z.array(FindingSchema).max(MAX_FINDINGS),
  overall_correctness: z.enum(OVERALL),
  overall_explanation: z.string().max(MAX_BODY),
  overall_confidence_score: z.number().min(0).max(1),
});
export type Review = z.infer<typeof ReviewSchema>;

/** The name sent in `text.format.name`. */
export const REVIEW_FORMAT_NAME = 'code_review';

type JsonSchema = Record<string, unknown>;

/** A strict-mode object: every property required, nothing else allowed. */
function object(properties: Record<string, JsonSchema>, description?: string): JsonSchema {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  };
}

const score = (description: string): JsonSchema => ({ type: 'number', minimum: 0, maximum: 1, description });

/**
 * The same shape as ReviewSchema in the JSON Schema subset that strict structured outputs accept.
 * Ranges the subset cannot express reliably (lengths, start <= end) are checked by the zod schema on the way in.
 */
export const REVIEW_JSON_SCHEMA: JsonSchema = object({
  findings: {
    type: 'array',
    description: 'Discrete bugs the change introduced; empty when there are none.',
    items: object({
      title: { type: 'string', description: 'One line, at most 80 characters, starting with [P0], [P1], [P2] or [P3].' },
      body: { type: 'string', description: 'One short paragraph: why this is a bug and when it happens.' },
      confidence_score: score('How sure you are that this is a real bug, 0 to 1.'),
      priority: { type: 'integer', minimum: 0, maximum: 3, description: 'The number in the title prefix.' },
      code_location: object({
        absolute_file_path: { type: 'string', description: 'The path exactly as the review request names the file.' },
        line_range: object(
          {
            start: { type: 'integer', minimum: 1 },
            end: { type: 'integer', minimum: 1 },
          },
          '1-based, inclusive lines of the file after the change; as short as possible.',
        ),
      }),
    }),
  },
  overall_correctness: { type: 'string', enum: [...OVERALL] },
  overall_explanation: { type: 'string', description: 'One to three sentences justifying the verdict.' },
  overall_confidence_score: score('How sure you are of the verdict, 0 to 1.'),
});

/** What a review request sends as `text.format`. */
export const REVIEW_TEXT_FORMAT = {
  type: 'json_schema',
  name: REVIEW_FORMAT_NAME,
  schema: REVIEW_JSON_SCHEMA,
  strict: true,
} as const;

export type ParsedReview = { ok: true; review: Review } | { ok: false; reason: string };

/**
 * The review in the model's answer text. Strict output is bare JSON; one surrounding code fence is tolerated.
 * Anything else (not JSON, cut short, a field missing or out of range) is rejected with the reason.
 */
export function parseReview(text: string): ParsedReview {
  const body = unfence(text.trim());
  if (body === '') return { ok: false, reason: 'the answer is empty' };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return { ok: false, reason: `the answer is not JSON (${(e as Error).message}; ${body.length} characters)` };
  }
  const parsed = ReviewSchema.safeParse(json);
  if (parsed.success) return { ok: true, review: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'the answer';
  return { ok: false, reason: `${where}: ${issue?.message ?? 'invalid'}` };
}

function unfence(text: string): string {
  const m = /^```[\w-]*\n([\s\S]*?)\n?```$/.exec(text);
  return m?.[1] !== undefined ? m[1].trim() : text;
}
