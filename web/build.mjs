// Bundles GraphiQL, its explorer plugin and Monaco's workers into static files the gateway
// serves itself. Output: src/mongraph/static/graphiql/ (or MONGRAPH_GRAPHIQL_OUT), with a
// manifest.json naming the hashed entry files and the versions bundled.
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(
  process.env.MONGRAPH_GRAPHIQL_OUT ?? path.join(here, '..', 'src', 'mongraph', 'static', 'graphiql'),
);
const version = (name) =>
  JSON.parse(readFileSync(path.join(here, 'node_modules', name, 'package.json'), 'utf8')).version;

const common = {
  absWorkingDir: here,
  bundle: true,
  minify: true,
  legalComments: 'linked',
  target: 'es2022',
  outdir,
  metafile: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
};

const outputsOf = (result) =>
  Object.entries(result.metafile.outputs).map(([file, info]) => ({
    file: path.basename(file),
    entry: info.entryPoint,
  }));

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const workerEntries = {
  editor: 'monaco-editor/esm/vs/editor/editor.worker.js',
  json: 'monaco-editor/esm/vs/language/json/json.worker.js',
  graphql: 'monaco-graphql/esm/graphql.worker.js',
};
const workerResult = await esbuild.build({
  ...common,
  entryPoints: Object.entries(workerEntries).map(([label, input]) => ({
    in: input,
    out: `${label}.worker`,
  })),
  entryNames: '[name]-[hash]',
  format: 'iife',
});
const workers = {};
for (const [label, input] of Object.entries(workerEntries)) {
  const output = outputsOf(workerResult).find(
    (o) => o.entry && o.entry.endsWith(input) && o.file.endsWith('.js'),
  );
  workers[label] = output.file;
}

const mainResult = await esbuild.build({
  ...common,
  entryPoints: [{ in: 'src/main.jsx', out: 'graphiql' }],
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  format: 'esm',
  jsx: 'automatic',
  loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
  define: { ...common.define, __MONACO_WORKERS__: JSON.stringify(workers) },
});
const main = outputsOf(mainResult).filter((o) => o.entry === 'src/main.jsx');
const script = main.find((o) => o.file.endsWith('.js'));
const css = Object.values(mainResult.metafile.outputs).find((o) => o.entryPoint === 'src/main.jsx').cssBundle;

const manifest = {
  script: script.file,
  stylesheet: css ? path.basename(css) : null,
  workers,
  versions: {
    graphiql: version('graphiql'),
    '@graphiql/plugin-explorer': version('@graphiql/plugin-explorer'),
    react: version('react'),
    'monaco-editor': version('monaco-editor'),
  },
};
await writeFile(path.join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`GraphiQL ${manifest.versions.graphiql} built into ${outdir}`);
