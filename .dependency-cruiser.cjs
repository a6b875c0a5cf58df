/**
 * The house plan, checked in CI (`npm run layers`): no import cycles, and imports point down only.
 * Layers, top to bottom; a module may import its own layer and any layer below it, never one above.
 */
const LAYERS = [
  { name: 'entry points', paths: ['^src/cli/', '^src/local/', '^src/lambda/', '^src/report/', '^handlers/', '^deploy/', '^bench/'] },
  { name: 'orchestration', paths: ['^src/backup/', '^src/restore/', '^src/export/'] },
  { name: 'policy', paths: ['^src/policy/', '^src/audit/', '^src/metrics\\.ts$'] },
  { name: 'kinds and triggers', paths: ['^src/kinds/', '^src/triggers/'] },
  { name: 'reconcile toolkit', paths: ['^src/reconcile/'] },
  { name: 'store', paths: ['^src/store/'] },
  { name: 'aws', paths: ['^src/aws/'] },
  { name: 'foundations', paths: ['^schemas/', '^src/errors\\.ts$', '^src/log\\.ts$', '^src/concurrency\\.ts$', '^src/glob\\.ts$'] },
];

const layerRules = LAYERS.flatMap((layer, index) =>
  index === 0
    ? []
    : [
        {
          name: `no-upward-from-${layer.name.replace(/\W+/g, '-')}`,
          comment: `${layer.name} must not import ${LAYERS.slice(0, index).map((above) => above.name).join(', ')}`,
          severity: 'error',
          from: { path: layer.paths },
          to: { path: LAYERS.slice(0, index).flatMap((above) => above.paths) },
        },
      ],
);

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'triggers-below-kinds',
      comment: 'kinds use trigger types (a function lists its triggers); trigger types know no kind',
      severity: 'error',
      from: { path: '^src/triggers/' },
      to: { path: '^src/kinds/' },
    },
    {
      name: 'kinds-apart',
      comment: 'a kind folder imports no other kind folder (shared helpers live in src/kinds/shared/)',
      severity: 'error',
      from: { path: '^src/kinds/([^/]+)/' },
      to: { path: '^src/kinds/([^/]+)/', pathNot: ['^src/kinds/$1/', '^src/kinds/shared/'] },
    },
    {
      name: 'backup-not-restore',
      comment: 'backing up never depends on the restore side',
      severity: 'error',
      from: { path: '^src/backup/' },
      to: { path: '^src/restore/' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^(src|handlers|schemas|deploy|bench)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs'] },
  },
};
