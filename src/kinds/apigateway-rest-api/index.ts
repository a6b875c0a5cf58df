import type { ResourceKind } from '../types.js';
import { backupRestApi } from './backup.js';
import { discoverRestApis, tagsOfRestApi, wiredRestApis } from './discover.js';
import { restoreRestApi } from './restore.js';
import { apiGatewayRestApiStack } from './stack.js';
import { teardownRestApi } from './teardown.js';

/**
 * API Gateway REST APIs that invoke the functions, whole (capture.ts, restore.ts, build.ts; stored
 * format in format.ts). Items are named by API id; a restored API gets a new id, which the restore
 * records so that every ARN naming the API is mapped to it (the mapper's `apiIds`).
 */
export const apiGatewayRestApi: ResourceKind = {
  stack: apiGatewayRestApiStack,
  kind: 'apigateway-rest-api',
  nameKind: 'apigateway-rest-api',
  restoreTier: 'apis',
  // No name pattern: API ARNs carry ids, mapped through the restore's `apiIds`.
  discover: (region, { patterns }) => discoverRestApis(region, patterns),
  wiredTo: wiredRestApis,
  backup: backupRestApi,
  restore: restoreRestApi,
  tags: tagsOfRestApi,
  teardown: teardownRestApi,
};

export default apiGatewayRestApi;
