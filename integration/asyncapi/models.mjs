// Generates Go types for the message payloads of an AsyncAPI document with
// the official model generator, Modelina, as a consumer team would: one
// file per model, JSON struct tags on the fields.
//
// Usage: node models.mjs DOC OUTDIR PACKAGE
//
// DOC is JSON or YAML (it must not refer to other files); Modelina parses
// it with the AsyncAPI parser. OUTDIR is created if need be. Prints one JSON
// object: {"models": [NAME...], "files": [FILE...]} (files relative to
// OUTDIR). Exit 0 on success, 1 when the document cannot be read or
// generation fails, 2 on a usage error.
//
// Two settings work around Modelina 5.10's Go generator, which otherwise
// writes code that does not compile or that go vet rejects:
//   - an enum value null (a nullable enum: "enum": ["S", "M", null]) is
//     written as the Go identifier null; here it is nil, and the other
//     values are Go literals (JSON text is a valid Go string literal);
//   - GO_COMMON_PRESET's union fields get the malformed tag `json:"-,omitempty`
//     (no closing quote; Modelina issue 2430); here unions keep Modelina's
//     default rendering, an embedded struct without tag, so a record decodes
//     into a union of an object and null (a payload with tombstones) as into
//     the object (with the tag closed, encoding/json would skip the object).

import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FormatHelpers, GoFileGenerator, GO_COMMON_PRESET, Logger } from '@asyncapi/modelina';

function usage(msg) {
  process.stderr.write(`models.mjs: ${msg}\nusage: node models.mjs DOC OUTDIR PACKAGE\n`);
  process.exit(2);
}

// goEnumValue renders one enum value as a Go constant expression.
function goEnumValue({ enumValue }) {
  switch (typeof enumValue) {
    case 'string':
      return JSON.stringify(enumValue);
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(enumValue);
  }
  if (enumValue === null || enumValue === undefined) return 'nil';
  return JSON.stringify(JSON.stringify(enumValue));
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 3) usage('want three arguments');
  const [docPath, outDir, pkg] = args;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(pkg)) usage(`${JSON.stringify(pkg)} is not a Go package name`);

  let text;
  try {
    text = readFileSync(docPath, 'utf8');
  } catch (err) {
    process.stderr.write(`models.mjs: read ${docPath}: ${err.message}\n`);
    process.exit(1);
  }

  // Modelina's messages go to stderr: stdout is the summary.
  const toStderr = (...a) => process.stderr.write(a.map(String).join(' ') + '\n');
  Logger.setLogger({ debug() {}, info: toStderr, warn: toStderr, error: toStderr });

  const generator = new GoFileGenerator({
    presets: [
      {
        preset: { struct: GO_COMMON_PRESET.struct, enum: GO_COMMON_PRESET.enum },
        options: { addJsonTag: true },
      },
    ],
    constraints: { enumValue: goEnumValue },
  });
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  let models;
  try {
    models = await generator.generateToFiles(text, dir, { packageName: pkg }, true);
  } catch (err) {
    for (const d of err.diagnostics || []) {
      process.stderr.write(`models.mjs: ${d.severity === 0 ? 'error' : 'diagnostic'} ${d.code} at /${(d.path || []).join('/')}: ${d.message}\n`);
    }
    throw err;
  }
  for (const m of models) {
    if (!new RegExp(`^type ${m.modelName} `, 'm').test(m.result)) {
      throw new Error(`model ${m.modelName}: the generated code declares no type of that name`);
    }
  }
  // generateToFiles names each model's file so.
  const files = models.map((m) => FormatHelpers.toSnakeCase(m.modelName) + '.go');
  process.stdout.write(JSON.stringify({ models: models.map((m) => m.modelName), files }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`models.mjs: ${err.stack || err}\n`);
  process.exit(1);
});
