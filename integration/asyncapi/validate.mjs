// Checks an AsyncAPI document with the official parser and sample messages
// against the document's payload (and Kafka key) schemas.
//
// Usage: node validate.mjs DOC [SAMPLES.jsonl]
//
// DOC is JSON or YAML. Each line of SAMPLES.jsonl is
// {"channel": ID, "payload": VALUE} with an optional "key": VALUE, checked
// against the first message of channel ID. Prints one JSON object:
// {"valid", "diagnostics", "samples"}. Exit 0 when the document has no error
// diagnostic and every sample passes, 1 otherwise, 2 on a usage error.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';
import { AvroSchemaParser } from '@asyncapi/avro-schema-parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const severities = {
  [DiagnosticSeverity.Error]: 'error',
  [DiagnosticSeverity.Warning]: 'warning',
  [DiagnosticSeverity.Information]: 'info',
  [DiagnosticSeverity.Hint]: 'hint',
};

function usage(msg) {
  process.stderr.write(`validate.mjs: ${msg}\nusage: node validate.mjs DOC [SAMPLES.jsonl]\n`);
  process.exit(2);
}

// pointer renders a Spectral path as a JSON Pointer.
function pointer(path) {
  return (path || []).map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

function isAvro(format) {
  return typeof format === 'string' && format.startsWith('application/vnd.apache.avro');
}

// schemaOf returns the plain schema inside a Multi Format Schema Object, or
// the value itself when it is a plain schema.
function schemaOf(json) {
  if (json && typeof json === 'object' && 'schemaFormat' in json && typeof json.schema === 'object') {
    return json.schema;
  }
  return json;
}

// avroDiagnostics checks every Avro Multi Format Schema Object in the parsed
// document with the Avro schema parser's own validate(). The parser does not
// call it for 3.x documents (it does for 2.x), so a bad Avro type would
// otherwise pass (asyncapi/avro-schema-parser#310). Reported as code
// avro-schema.
async function avroDiagnostics(parser, json) {
  const found = [];
  const seen = new Set();
  (function walk(v, path) {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (isAvro(v.schemaFormat) && v.schema !== undefined) {
      found.push({ format: v.schemaFormat, data: v['x-parser-original-payload'] ?? v.schema, path: [...path, 'schema'] });
      return;
    }
    for (const [k, child] of Object.entries(v)) walk(child, [...path, k]);
  })(json, []);
  const out = [];
  for (const f of found) {
    const sp = parser.parserRegistry.get(f.format);
    if (!sp) continue; // the parser has reported the unknown format
    for (const r of await sp.validate({ data: f.data, path: f.path, schemaFormat: f.format })) {
      out.push({ severity: 'error', code: 'avro-schema', message: r.message, path: pointer(r.path || f.path) });
    }
  }
  return out;
}

function ajvErrors(errors) {
  return (errors || []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''}`);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length < 1 || args.length > 2) usage('want one or two arguments');
  const [docPath, samplesPath] = args;

  let text;
  try {
    text = readFileSync(docPath, 'utf8');
  } catch (err) {
    usage(`read ${docPath}: ${err.message}`);
  }
  let lines = [];
  if (samplesPath) {
    try {
      lines = readFileSync(samplesPath, 'utf8').split('\n');
    } catch (err) {
      usage(`read ${samplesPath}: ${err.message}`);
    }
  }

  const parser = new Parser();
  parser.registerSchemaParser(AvroSchemaParser());
  const { document, diagnostics } = await parser.parse(text, { source: resolve(docPath) });

  const out = {
    valid: document !== undefined && !diagnostics.some((d) => d.severity === DiagnosticSeverity.Error),
    diagnostics: diagnostics.map((d) => ({
      severity: severities[d.severity] ?? String(d.severity),
      code: String(d.code),
      message: d.message,
      path: pointer(d.path),
    })),
    samples: [],
  };
  if (document) {
    const avro = await avroDiagnostics(parser, document.json());
    if (avro.length > 0) {
      out.diagnostics.push(...avro);
      out.valid = false;
    }
  }

  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  const compiled = new Map(); // JSON schema object -> validate function

  function check(schema, value, what, errors) {
    let fn = compiled.get(schema);
    if (!fn) {
      try {
        fn = ajv.compile(schema);
      } catch (err) {
        errors.push(`${what}: compile schema: ${err.message}`);
        return;
      }
      compiled.set(schema, fn);
    }
    if (!fn(value)) {
      for (const e of ajvErrors(fn.errors)) errors.push(`${what}: ${e}`);
    }
  }

  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const line = i + 1;
    const res = { line, channel: '', ok: false, errors: [] };
    out.samples.push(res);
    let sample;
    try {
      sample = JSON.parse(raw);
    } catch (err) {
      res.errors.push(`not JSON: ${err.message}`);
      return;
    }
    res.channel = String(sample.channel ?? '');
    if (!document) {
      res.errors.push('no document: the parser reported errors');
      return;
    }
    const channel = document.channels().get(res.channel);
    if (!channel) {
      res.errors.push(`no channel ${JSON.stringify(res.channel)} in the document`);
      return;
    }
    const message = channel.messages().all()[0];
    if (!message) {
      res.errors.push(`channel ${JSON.stringify(res.channel)} has no message`);
      return;
    }
    const skipped = [];
    const payload = message.payload();
    if (payload && isAvro(payload.schemaFormat())) {
      skipped.push('avro');
    } else if (payload) {
      check(schemaOf(payload.json()), sample.payload, 'payload', res.errors);
    }
    const key = message.bindings().get('kafka')?.value()?.key;
    if ('key' in sample && key !== undefined) {
      if (isAvro(key?.schemaFormat)) {
        skipped.push('avro key');
      } else {
        check(schemaOf(key), sample.key, 'key', res.errors);
      }
    }
    if (skipped.length > 0) res.skipped = skipped.join(', ');
    res.ok = res.errors.length === 0;
  });

  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(out.valid && out.samples.every((s) => s.ok) ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`validate.mjs: ${err.stack || err}\n`);
  process.exit(1);
});
