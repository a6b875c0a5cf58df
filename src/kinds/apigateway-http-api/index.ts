import type { ResourceKind } from '../types.js';
import { backupHttpApi } from './backup.js';
import { discoverHttpApis, tagsOfHttpApi, wiredHttpApis } from './discover.js';
import { restoreHttpApi } from './restore.js';
import { apiGatewayHttpApiStack } from './stack.js';
import { teardownHttpApi } from './teardown.js';

/**
 * API Gateway HTTP and WebSocket APIs that invoke the functions, whole (capture.ts, restore.ts,
 * build.ts; stored format in format.ts). Items are named by API id; a restored API's new id is
 * recorded so that every ARN naming it is mapped.
 */
export const apiGatewayHttpApi: ResourceKind = {
  stack: apiGatewayHttpApiStack,
  kind: 'apigateway-http-api',
  nameKind: 'apigateway-http-api',
  restoreTier: 'apis',
  discover: (region, { patterns }) => discoverHttpApis(region, patterns),
  wiredTo: wiredHttpApis,
  backup: backupHttpApi,
  restore: restoreHttpApi,
  tags: tagsOfHttpApi,
  teardown: teardownHttpApi,
};

export default apiGatewayHttpApi;
