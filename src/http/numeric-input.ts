import type { FastifyRequest } from 'fastify';

/**
 * Strict syntax for numbers that arrive as text (query strings, path parameters, or a JSON string where the schema
 * wants a number). Ajv's `coerceTypes` turns any text with `x == +x` into a number: `Infinity`, `1e309` (Infinity),
 * `0x10` (16), ` 5`, `1e3`; a coerced Infinity then skips `minimum`/`maximum` (Ajv guards them with `isFinite`) and
 * reached SQL as a 500. Here integers must be plain decimal digits (an optional leading `-`) and numbers plain decimals,
 * checked against the route's own schema before Ajv coerces, so every numeric field of every route is covered by its
 * schema alone; ranges are left to the schema's `minimum`/`maximum`.
 */
const INTEGER_TEXT = /^-?[0-9]{1,20}$/;
const NUMBER_TEXT = /^-?[0-9]{1,20}(\.[0-9]{1,20})?$/;

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode | SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
}

export interface NumericInputError {
  instancePath: string;
  keyword: string;
  message: string;
  params: Record<string, unknown>;
}

const types = (s: SchemaNode): string[] => (s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type]);

function check(schema: SchemaNode | undefined, data: unknown, path: string, out: NumericInputError[]): void {
  if (!schema || typeof schema !== 'object' || data === undefined || data === null) return;
  const t = types(schema);
  const wantsInteger = t.includes('integer');
  const wantsNumber = t.includes('number');
  if ((wantsInteger || wantsNumber) && !t.includes('string')) {
    // coerceTypes 'array' also unwraps a one-element array (a repeated query parameter is an array).
    const value = Array.isArray(data) && data.length === 1 ? data[0] : data;
    if (typeof value === 'string') {
      const ok = wantsNumber ? NUMBER_TEXT.test(value) : INTEGER_TEXT.test(value);
      if (!ok) {
        out.push({
          instancePath: path,
          keyword: 'type',
          message: wantsNumber ? 'must be a finite decimal number (digits, an optional - and .)' : 'must be a whole number written in decimal digits',
          params: { type: wantsNumber ? 'number' : 'integer' },
        });
      }
      return;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      out.push({ instancePath: path, keyword: 'type', message: 'must be a finite number', params: { type: wantsNumber ? 'number' : 'integer' } });
      return;
    }
  }
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) check(branch, data, path, out);
  if (schema.properties && typeof data === 'object' && !Array.isArray(data)) {
    for (const [key, sub] of Object.entries(schema.properties)) {
      if (Object.prototype.hasOwnProperty.call(data, key)) check(sub, (data as Record<string, unknown>)[key], `${path}/${key}`, out);
    }
  }
  if (schema.items && Array.isArray(data)) {
    data.forEach((item, i) => check(Array.isArray(schema.items) ? schema.items[i] : (schema.items as SchemaNode), item, `${path}/${i}`, out));
  }
}

/** The numeric fields of `data` (a query, path parameters or a JSON body) whose text or value the schema must refuse. */
export function numericInputErrors(schema: unknown, data: unknown): NumericInputError[] {
  const out: NumericInputError[] = [];
  check(schema as SchemaNode, data, '', out);
  return out;
}

/** An error Fastify's error handlers treat like a schema validation failure (400 naming the field). */
class NumericValidationError extends Error {
  readonly statusCode = 400;
  readonly code = 'FST_ERR_VALIDATION';
  constructor(
    readonly validation: NumericInputError[],
    readonly validationContext: string,
  ) {
    super(validation.map((v) => `${validationContext}${v.instancePath.replace(/\//g, '.')}: ${v.message}`).join('; '));
  }
}

/**
 * A preValidation hook (registered once, on the root): checks the query, path parameters and body against the
 * route's own schema before Ajv coerces them.
 */
export async function strictNumericInput(request: FastifyRequest): Promise<void> {
  const schema = request.routeOptions.schema as { querystring?: unknown; params?: unknown; body?: unknown } | undefined;
  if (!schema) return;
  const parts: [string, unknown, unknown][] = [
    ['params', schema.params, request.params],
    ['querystring', schema.querystring, request.query],
    ['body', schema.body, request.body],
  ];
  for (const [context, partSchema, data] of parts) {
    if (!partSchema) continue;
    const errors = numericInputErrors(partSchema, data);
    if (errors.length) throw new NumericValidationError(errors, context);
  }
}
