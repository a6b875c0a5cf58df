/**
 * Temporary: the registry (src/kinds/index.ts) imports the kind from this path until it switches to
 * `./s3-bucket/index.js`; then this file goes.
 */
export { default, s3Bucket } from './index.js';
