/**
 * Every error code rocketmq-ts raises itself (RocketMQ response codes live in
 * remoting/protocol/response-code.ts). `retriable` is what a retry policy reads; `docs/errors.md`
 * lists the same codes and a unit test keeps the two in step.
 */
export const ErrorRegistry = {
  CONFIG_UNKNOWN_KEY: {
    retriable: false,
    hint: 'Check the spelling against docs/configuration.md.',
  },
  CONFIG_INVALID_VALUE: {
    retriable: false,
    hint: 'The value does not match the key type or range.',
  },
  CONFIG_FILE_UNREADABLE: { retriable: false, hint: 'The .properties file could not be read.' },
  STORE_IO_FAILED: {
    retriable: false,
    hint: 'A file operation of the store failed; see the cause.',
  },
  STORE_LOCKED: {
    retriable: false,
    hint: 'Another broker holds the store folder; stop it or use another storePathRootDir.',
  },
  STORE_NOT_STARTED: { retriable: true, hint: 'The store is not started or is shutting down.' },
  STORE_CORRUPTED: {
    retriable: false,
    hint: 'A store file has an impossible layout; see the path.',
  },
  REMOTING_CONNECT_FAILED: {
    retriable: true,
    hint: 'The server did not accept a connection in time.',
  },
  REMOTING_TIMEOUT: { retriable: true, hint: 'No response arrived within the request timeout.' },
  REMOTING_CONNECTION_CLOSED: {
    retriable: true,
    hint: 'The connection closed before the response.',
  },
} as const;

export type ErrorCode = keyof typeof ErrorRegistry;
