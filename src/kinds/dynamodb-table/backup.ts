/**
 * The registry's import path from before the kind became a folder (src/kinds/index.ts imports
 * `./dynamodb-table/backup.js`): delete this file once the registry imports `./dynamodb-table/index.js`.
 */
export { dynamodbTable } from './index.js';
