// Compiles a zod schema into a predicate that checks a parsed JSON value in place: no copy, no allocation,
// and true exactly when the schema's safeParse succeeds. Pure; depends only on zod's schema definitions.
// Covers the kinds the wire event schemas and the LSP parameter schemas use, with the checks integer,
// minimum, maximum (numbers) and minimum length (strings); any other kind or check (regex, refine...) is
// not compiled (undefined), and the caller uses zod itself.
import type { z } from 'zod';

export type InPlaceCheck = (value: unknown) => boolean;

/** The parts of zod's (v4) schema definition this module reads. */
interface Def {
  type: string;
  /** `z.int()` carries its format here rather than among the checks. */
  format?: string;
  checks?: { _zod: { def: CheckDef } }[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  values?: unknown[];
}

/** The parts of a check's definition this module reads. */
interface CheckDef {
  check: string;
  format?: string;
  value?: unknown;
  inclusive?: boolean;
  minimum?: unknown;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** A number check zod would make, or undefined when it is not one of the covered ones. */
function numberCheck(c: CheckDef): ((n: number) => boolean) | undefined {
  if (c.check === 'number_format') return c.format === 'safeint' ? Number.isSafeInteger : undefined;
  if (typeof c.value !== 'number') return undefined;
  const bound = c.value;
  if (c.check === 'greater_than') return c.inclusive ? (n) => n >= bound : (n) => n > bound;
  if (c.check === 'less_than') return c.inclusive ? (n) => n <= bound : (n) => n < bound;
  return undefined;
}

function compileNumber(def: Def): InPlaceCheck | undefined {
  const tests: ((n: number) => boolean)[] = [];
  if (def.format !== undefined) {
    const format = numberCheck({ check: 'number_format', format: def.format });
    if (format === undefined) return undefined;
    tests.push(format);
  }
  for (const c of def.checks ?? []) {
    const test = numberCheck(c._zod.def);
    if (test === undefined) return undefined;
    tests.push(test);
  }
  return (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return false;
    for (let i = 0; i < tests.length; i++) if (!tests[i]!(v)) return false;
    return true;
  };
}

function compileString(def: Def): InPlaceCheck | undefined {
  let min = 0;
  for (const c of def.checks ?? []) {
    const { check, minimum } = c._zod.def;
    if (check !== 'min_length' || typeof minimum !== 'number') return undefined;
    min = Math.max(min, minimum);
  }
  return (v) => typeof v === 'string' && v.length >= min;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What zod accepts for each kind, on values JSON.parse can produce. Undefined: not compiled. */
export function compileCheck(schema: z.ZodType): InPlaceCheck | undefined {
  const def = defOf(schema);
  if (def.type === 'number') return compileNumber(def);
  if (def.type === 'string') return compileString(def);
  if (def.checks !== undefined && def.checks.length > 0) return undefined;
  switch (def.type) {
    case 'undefined':
      return (v) => v === undefined;
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'unknown':
    case 'any':
      return () => true;
    case 'literal': {
      const values = new Set(def.values);
      return (v) => values.has(v);
    }
    case 'optional': {
      const inner = def.innerType === undefined ? undefined : compileCheck(def.innerType);
      return inner === undefined ? undefined : (v) => v === undefined || inner(v);
    }
    case 'nullable': {
      const inner = def.innerType === undefined ? undefined : compileCheck(def.innerType);
      return inner === undefined ? undefined : (v) => v === null || inner(v);
    }
    case 'array': {
      const element = def.element === undefined ? undefined : compileCheck(def.element);
      if (element === undefined) return undefined;
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
        return true;
      };
    }
    case 'union': {
      const options = (def.options ?? []).map(compileCheck);
      if (options.length === 0 || options.some((o) => o === undefined)) return undefined;
      const all = options as InPlaceCheck[];
      return (v) => all.some((o) => o(v));
    }
    case 'record':
      return compileRecord(def);
    case 'object':
      return compileObject(def);
    default:
      return undefined;
  }
}

/** A record with string keys: a JSON object whose every own key (but `__proto__`, which zod skips) has a valid value. */
function compileRecord(def: Def): InPlaceCheck | undefined {
  if (def.keyType === undefined || def.valueType === undefined) return undefined;
  const key = defOf(def.keyType);
  if (key.type !== 'string' || (key.checks !== undefined && key.checks.length > 0)) return undefined;
  const value = compileCheck(def.valueType);
  if (value === undefined) return undefined;
  return (v) => {
    if (!isObject(v)) return false;
    for (const k of Object.keys(v)) if (k !== '__proto__' && !value(v[k])) return false;
    return true;
  };
}

/** An object that strips or passes through unknown keys (a strict object, which refuses them, is not compiled). */
function compileObject(def: Def): InPlaceCheck | undefined {
  if (def.catchall !== undefined) {
    const type = defOf(def.catchall).type;
    if (type !== 'unknown' && type !== 'any') return undefined;
  }
  const fields: [string, InPlaceCheck][] = [];
  for (const [name, field] of Object.entries(def.shape ?? {})) {
    const check = compileCheck(field);
    if (check === undefined) return undefined;
    fields.push([name, check]);
  }
  return (v) => {
    if (!isObject(v)) return false;
    for (let i = 0; i < fields.length; i++) {
      const [name, check] = fields[i]!;
      if (!check(v[name])) return false;
    }
    return true;
  };
}

const compiled = new WeakMap<z.ZodType, InPlaceCheck | null>();

/** True when `value` certainly passes `schema` (its compiled check, made once per schema); false: ask zod. */
export function passesInPlace(schema: z.ZodType, value: unknown): boolean {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = compileCheck(schema) ?? null;
    compiled.set(schema, check);
  }
  return check !== null && check(value);
}
