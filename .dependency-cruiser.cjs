/** Layer rules from ARCHITECTURE.md: imports point down, no cycles. */
const layer = (from, forbidden, comment) => ({
  name: `${from.replace(/[^a-z]/g, '-')}-imports-down-only`,
  severity: 'error',
  comment,
  from: { path: `^src/${from}` },
  to: { path: forbidden.map((f) => `^src/${f.replace(/\/$/, '')}/`) },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    layer(
      'common/',
      ['remoting', 'store', 'namesrv', 'broker', 'proxy', 'client', 'admin', 'dashboard', 'cli'],
      'common is the leaf',
    ),
    layer(
      'store/',
      ['remoting', 'namesrv', 'broker', 'proxy', 'client', 'admin', 'dashboard', 'cli'],
      'store depends on common only',
    ),
    layer(
      'remoting/',
      ['store', 'namesrv', 'broker', 'proxy', 'client', 'admin', 'dashboard', 'cli'],
      'remoting is below every component',
    ),
    layer('remoting/protocol/', ['remoting/transport'], 'protocol is pure; transport sits on it'),
    layer(
      'namesrv/',
      ['store', 'broker', 'proxy', 'client', 'admin', 'dashboard', 'cli'],
      'name server uses remoting and common',
    ),
    layer(
      'broker/',
      ['namesrv', 'proxy', 'client', 'admin', 'dashboard', 'cli'],
      'broker uses store, remoting, common',
    ),
    {
      name: 'broker-uses-store-facade-only',
      severity: 'error',
      from: { path: '^src/broker/' },
      to: { path: '^src/store/', pathNot: '^src/store/(message-store|api|store-config)\\.ts$' },
    },
    {
      name: 'broker-sees-narrow-store-interfaces',
      severity: 'error',
      comment:
        'only the composition root builds the MessageStore; the core and services see store/api.ts interfaces',
      from: { path: '^src/broker/', pathNot: '^src/broker/broker-controller\\.ts$' },
      to: { path: '^src/store/message-store\\.ts$' },
    },
    {
      name: 'proxy-uses-broker-operations-only',
      severity: 'error',
      comment: 'the gRPC endpoint calls the protocol-neutral broker operations, nothing deeper',
      from: { path: '^src/proxy/' },
      to: { path: '^src/(broker|store)/', pathNot: '^src/broker/operations/' },
    },
    {
      name: 'adapters-never-reach-operation-internals',
      severity: 'error',
      comment:
        'Remoting processors and gRPC handlers get BrokerOperations, not what it is built on',
      from: { path: '^src/(proxy|broker/processors)/' },
      to: { path: '^src/broker/operations/(core-deps|message-filters)\\.ts$' },
    },
    {
      name: 'core-is-protocol-neutral',
      severity: 'error',
      comment:
        'operations and the tables speak neither Remoting nor gRPC; adapters map their outcomes',
      from: { path: '^src/broker/(operations|managers)/' },
      to: { path: '^src/(remoting|proxy)/|@grpc/' },
    },
    {
      name: 'proxy-never-speaks-remoting-codes',
      severity: 'error',
      comment: 'gRPC maps the core statuses itself (grpc-status.ts)',
      from: { path: '^src/proxy/' },
      to: { path: '^src/remoting/' },
    },
    {
      name: 'processors-never-reach-the-store',
      severity: 'error',
      comment: 'a Remoting processor translates a request into an operation call',
      from: { path: '^src/broker/processors/' },
      to: { path: '^src/(store/|broker/services/|broker/broker-)' },
    },
    layer('proxy/', ['namesrv', 'client', 'admin', 'dashboard', 'cli'], 'proxy sits on the broker'),
    layer(
      'client/',
      ['store', 'namesrv', 'broker', 'proxy', 'admin', 'dashboard', 'cli'],
      'the SDK never imports server code',
    ),
    layer(
      'admin/',
      ['store', 'namesrv', 'broker', 'proxy', 'dashboard', 'cli'],
      'admin speaks the protocol like a client',
    ),
    {
      name: 'pure-layers-no-io',
      severity: 'error',
      comment: 'common and remoting/protocol never touch sockets, files or the logger',
      from: { path: '^src/(common|remoting/protocol)/' },
      to: {
        path: '^(node:)?(net|fs|fs/promises)$|^pino$|node_modules/pino/',
        dependencyTypes: ['core', 'npm'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
