// errorEnvelope checks, on the unresolved document, that every error answer
// (4xx, 5xx, 4XX, 5XX, default) of an operation either is a $ref to a
// component response whose every media type references an error envelope
// schema, or itself has media types whose schema is such a $ref. An
// "error envelope" is a component schema whose name ends in "Envelope" or
// "Error" (ErrorEnvelope, HttpErrorEnvelope, CaptionErrorEnvelope, Error...).
const ENVELOPE = /^#\/components\/schemas\/[A-Za-z0-9_]*(Envelope|Error)$/;
const ERROR_STATUS = /^(4|5)..$|^(4|5)XX$|^default$/;

function resolvePointer(doc, ref) {
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((node, key) => (node == null ? undefined : node[key]), doc);
}

function schemaIsEnvelope(schema) {
  if (!schema || typeof schema !== 'object') return false;
  if (typeof schema.$ref === 'string') return ENVELOPE.test(schema.$ref);
  return false;
}

export default function errorEnvelope(responses, _opts, context) {
  const doc = context.document.data;
  const results = [];
  if (!responses || typeof responses !== 'object') return results;
  for (const [status, resp] of Object.entries(responses)) {
    if (!ERROR_STATUS.test(status)) continue;
    let r = resp;
    const where = [...context.path, status];
    if (r && typeof r.$ref === 'string') {
      r = resolvePointer(doc, r.$ref);
      if (!r) {
        results.push({ message: `error answer ${status}: unresolvable ${resp.$ref}`, path: where });
        continue;
      }
    }
    const content = (r && r.content) || {};
    const types = Object.keys(content);
    if (types.length === 0) {
      results.push({ message: `error answer ${status} has no body; it must carry the error envelope`, path: where });
      continue;
    }
    for (const t of types) {
      if (!schemaIsEnvelope(content[t] && content[t].schema)) {
        results.push({
          message: `error answer ${status} (${t}) must reference a component error envelope schema (…Envelope or …Error)`,
          path: where,
        });
      }
    }
  }
  return results;
}
