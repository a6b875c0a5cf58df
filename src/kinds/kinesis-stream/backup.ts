/**
 * The registry (src/kinds/index.ts) still imports the kind from this path; it re-exports the kind
 * object of index.ts and goes away when the registry imports `./kinesis-stream/index.js`.
 */
export { kinesisStream, kinesisStream as default } from './index.js';
