import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

/**
 * Checks responses against WorkOS's official OpenAPI spec (npm `@workos/openapi-spec`): the path
 * template and method must exist, the status must be one the spec documents (or one of the few
 * cross-cutting statuses every WorkOS endpoint can answer), and the JSON body must validate
 * against the documented schema.
 */

/** Statuses the spec leaves out on most operations but WorkOS answers anywhere, with `{ message }`. */
const CROSS_CUTTING_STATUSES = new Set([401, 429, 500, 502, 503, 504]);
/** Documented exceptions where the spec is silent but the real API behaves so (see docs/decisions). */
const KNOWN_GAPS: { method: string; path: string; status: number; reason: string }[] = [
  { method: 'delete', path: '/organizations/{id}', status: 404, reason: 'deleting an unknown organization answers 404 { message }' },
];
const MESSAGE_BODY = { type: 'object', required: ['message'], properties: { message: { type: 'string' } } };

export interface ContractResult {
  ok: boolean;
  operation: string;
  problems: string[];
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: unknown;
  $ref?: string;
}

interface Spec {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Parameter[];
        requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
        responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
      }
    >
  >;
  components?: { parameters?: Record<string, Parameter> };
}

export class WorkOSContract {
  private readonly ajv: Ajv2020;
  private readonly templates: { template: string; pattern: RegExp; literalSegments: number }[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly spec: Spec) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats.default(this.ajv);
    this.ajv.addSchema(spec as object, 'workos');
    this.templates = Object.keys(spec.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      literalSegments: template.split('/').filter((segment) => segment && !segment.startsWith('{')).length,
    }));
  }

  /** Loads the spec shipped in the npm package. */
  static fromPackage(): WorkOSContract {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@workos/openapi-spec/spec');
    return new WorkOSContract(YAML.parse(fs.readFileSync(file, 'utf8')) as Spec);
  }

  /** The spec's path template for a concrete path (the most literal one when several match). */
  templateFor(path: string): string | undefined {
    return this.templates.filter(({ pattern }) => pattern.test(path)).sort((a, b) => b.literalSegments - a.literalSegments)[0]?.template;
  }

  validate({ method, path, status, body }: { method: string; path: string; status: number; body: unknown }): ContractResult {
    const verb = method.toLowerCase();
    const template = this.templateFor(path);
    const operation = `${method.toUpperCase()} ${template ?? path} → ${status}`;
    if (!template) return { ok: false, operation, problems: [`no path in the spec matches ${path}`] };
    const documented = this.spec.paths[template]?.[verb];
    if (!documented) return { ok: false, operation, problems: [`the spec has no ${method.toUpperCase()} on ${template}`] };
    const response = documented.responses?.[String(status)];

    let validator: ValidateFunction | undefined;
    if (response) {
      const schema = response.content?.['application/json']?.schema;
      if (!schema) {
        return body === null || body === undefined || body === ''
          ? { ok: true, operation, problems: [] }
          : { ok: false, operation, problems: ['the spec documents no body for this status, but one was sent'] };
      }
      validator = this.validatorFor(`${verb} ${template} ${status}`, {
        $ref: `workos#/paths/${pointer(template)}/${verb}/responses/${status}/content/application~1json/schema`,
      });
    } else if (CROSS_CUTTING_STATUSES.has(status) || KNOWN_GAPS.some((gap) => gap.method === verb && gap.path === template && gap.status === status)) {
      validator = this.validatorFor('message-body', MESSAGE_BODY);
    } else {
      return { ok: false, operation, problems: [`the spec does not document status ${status} here`] };
    }
    const ok = validator(body);
    return {
      ok: Boolean(ok),
      operation,
      problems: ok ? [] : (validator.errors ?? []).map((error) => `${error.instancePath || '(body)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`),
    };
  }

  /**
   * Checks a request the app sent: the operation exists, every query parameter is one the spec
   * names (with a valid value), the required ones are there, and the JSON body validates against
   * the documented request schema.
   */
  validateRequest({ method, path, query = {}, body }: { method: string; path: string; query?: Record<string, unknown>; body?: unknown }): ContractResult {
    const verb = method.toLowerCase();
    const template = this.templateFor(path);
    const operation = `${method.toUpperCase()} ${template ?? path} (request)`;
    if (!template) return { ok: false, operation, problems: [`no path in the spec matches ${path}`] };
    const documented = this.spec.paths[template]?.[verb];
    if (!documented) return { ok: false, operation, problems: [`the spec has no ${method.toUpperCase()} on ${template}`] };
    const problems: string[] = [];
    const parameters = (documented.parameters ?? []).map((parameter) =>
      parameter.$ref ? (this.spec.components?.parameters?.[parameter.$ref.split('/').at(-1)!] ?? parameter) : parameter,
    );
    const inQuery = parameters.filter((parameter) => parameter.in === 'query');
    for (const [name, value] of Object.entries(query)) {
      const parameter = inQuery.find((candidate) => candidate.name === name);
      if (!parameter) {
        problems.push(`query parameter "${name}" is not in the spec`);
        continue;
      }
      const schema = parameter.schema as { type?: string; enum?: unknown[] } | undefined;
      const values = Array.isArray(value) ? value : [value];
      if (schema?.enum && !values.every((item) => schema.enum!.includes(item)))
        problems.push(`query parameter "${name}" is ${JSON.stringify(value)}, not one of ${JSON.stringify(schema.enum)}`);
      if (schema?.type === 'integer' && !values.every((item) => /^-?\d+$/.test(String(item)))) problems.push(`query parameter "${name}" is not an integer`);
    }
    for (const parameter of inQuery.filter((candidate) => candidate.required))
      if (!(parameter.name in query)) problems.push(`required query parameter "${parameter.name}" is missing`);
    const schema = documented.requestBody?.content?.['application/json']?.schema;
    const sent = body !== null && body !== undefined && !(typeof body === 'object' && Object.keys(body as object).length === 0);
    if (schema && sent) {
      const validator = this.validatorFor(`request ${verb} ${template}`, {
        $ref: `workos#/paths/${pointer(template)}/${verb}/requestBody/content/application~1json/schema`,
      });
      if (!validator(body))
        problems.push(...(validator.errors ?? []).map((error) => `${error.instancePath || '(body)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`));
    } else if (!schema && sent) {
      problems.push('the spec documents no request body here, but one was sent');
    } else if (schema && !sent && documented.requestBody?.required) {
      problems.push('the spec requires a request body here');
    }
    return { ok: problems.length === 0, operation, problems };
  }

  private validatorFor(key: string, schema: object): ValidateFunction {
    let validator = this.validators.get(key);
    if (!validator) {
      validator = this.ajv.compile(schema);
      this.validators.set(key, validator);
    }
    return validator;
  }
}

// JSON pointer escaping for a path template used as a key ("/" → "~1", "~" → "~0").
function pointer(template: string): string {
  return template.replace(/~/g, '~0').replace(/\//g, '~1').replace(/\{/g, '%7B').replace(/\}/g, '%7D');
}
