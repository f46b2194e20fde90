// The layer rule of the architecture, checked from the imports by `npm run lint`:
//   batches → links → generation → drive → pipeline → database → config, common
// products sits beside (used by the four modules; depends on database, config, common only); health, metrics,
// auth and the app's entry files sit on top. A lower layer never imports a higher one, and no files import
// each other in a circle.
const LAYERS = [
  ['batches', 'src/batches'],
  ['links', 'src/links'],
  ['generation', 'src/generation'],
  ['drive', 'src/drive'],
  ['products', 'src/products'],
  ['pipeline', 'src/pipeline'],
  ['database', 'src/database'],
  ['common', 'src/common'],
  ['config', 'src/config'],
];
const TOP = '^src/(main|worker|app\\.module|app\\.factory)\\.ts$|^src/(health|metrics|auth|publishing)/';

const upward = LAYERS.map(([name, dir], i) => {
  const higher = LAYERS.slice(0, i).map(([, d]) => `^${d}/`);
  return {
    name: `no-${name}-upward`,
    comment: `${dir} may only import layers below it (${LAYERS.slice(i + 1).map(([n]) => n).join(', ') || 'none'})`,
    severity: 'error',
    from: { path: `^${dir}/` },
    to: { path: [...higher, TOP] },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'files importing each other in a loop',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|admin-ui)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
