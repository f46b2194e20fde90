// What a worker process loads, checked from the compiled imports by `npm run lint`: src/worker.ts boots
// EngineModule alone, so nothing it reaches at run time may load a library only the HTTP API uses (the
// controllers and their DTOs, uploads, Bull Board, security headers; api.module.ts and app.factory.ts bring
// those). Each would cost every worker memory for nothing: together they were 17 MB of an idle worker's RSS.
// Type-only imports are erased by tsc and load nothing, so this config looks at run-time imports only. (The
// DTOs' class-validator stands for their @nestjs/swagger too, which this resolver does not see; archiver is
// required lazily by the one download route, local-storage.ts.)
module.exports = {
  forbidden: [
    {
      name: 'worker-without-http',
      comment: 'src/worker.ts reaches a library only the HTTP API needs',
      severity: 'error',
      from: { path: '^src/worker\\.ts$' },
      to: {
        path: '(^|node_modules/)(@nestjs/platform-express|@bull-board|multer|class-validator|class-transformer|helmet)(/|$)',
        reachable: true,
      },
    },
  ],
  options: {
    ...require('./.dependency-cruiser.cjs').options,
    // node_modules stays in the graph (not followed): the rule's targets are there.
    exclude: { path: '(^|/)(dist|admin-ui)/' },
    tsPreCompilationDeps: false,
  },
};
