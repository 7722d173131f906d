import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';

type Json = Record<string, unknown>;

/** What a response check found: the schema it used (its JSON pointer) and ajv's errors, if any. */
export interface ResponseCheck {
  pointer: string;
  errors: ErrorObject[] | null | undefined;
}

const escape = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Validates real response bodies against an OpenAPI 3.1 document with ajv (draft 2020-12, the
 * dialect of OpenAPI 3.1): the document is registered whole, so every `$ref` is resolved inside it,
 * and each check compiles the schema the document gives for one path, method, status and media type.
 */
export function responseValidator(doc: Json) {
  const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true });
  ajv.addFormat('uri', { type: 'string', validate: (s: string) => URL.canParse(s) });
  ajv.addSchema(doc, 'openapi.json');

  const at = (pointer: string): unknown =>
    pointer
      .split('/')
      .slice(1)
      .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], doc);

  /** The JSON pointer of the response object the document gives for a status (following one `$ref`). */
  function responsePointer(path: string, method: string, status: number): string {
    const responses = `/paths/${escape(path)}/${method}/responses`;
    const own = at(`${responses}/${status}`) !== undefined ? `${responses}/${status}` : `${responses}/default`;
    const node = at(own) as Json | undefined;
    if (!node) throw new Error(`the document has no ${method.toUpperCase()} ${path} → ${status}`);
    return typeof node.$ref === 'string' ? node.$ref.slice(1) : own;
  }

  return {
    /** Checks `body` (already parsed) of a response against the document. */
    check(path: string, method: string, status: number, contentType: string, body: unknown): ResponseCheck {
      const media = contentType.split(';', 1)[0]!.trim();
      const response = responsePointer(path, method, status);
      // the most specific media range the document gives: exact, then type/*, then */*
      const ranges = [media, `${media.split('/', 1)[0]}/*`, '*/*'].map((m) => `${response}/content/${escape(m)}/schema`);
      const pointer = ranges.find((p) => at(p) !== undefined);
      if (!pointer) throw new Error(`the document has no ${media} body for ${method.toUpperCase()} ${path} → ${status}`);
      const validate = ajv.getSchema(`openapi.json#${pointer}`);
      if (!validate) throw new Error(`no schema at ${pointer}`);
      validate(body);
      return { pointer, errors: validate.errors };
    },
    /** The documented header names of a response. */
    headers(path: string, method: string, status: number): string[] {
      const node = at(responsePointer(path, method, status)) as { headers?: Json };
      return Object.keys(node.headers ?? {}).map((h) => h.toLowerCase());
    },
  };
}
