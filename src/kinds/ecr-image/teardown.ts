import { DeleteRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { client } from '../../aws/clients.js';
import { isNotFound } from '../../aws/errors.js';
import type { Deletion, TeardownContext } from '../types.js';
import { imageName } from './format.js';

/**
 * Drill cleanup of a scratch image: its scratch repository (`REPOSITORY<suffix>`) with every image
 * in it. Only a repository carrying the drill's suffix is ever deleted.
 */
export async function teardownImage(
  region: string,
  name: string,
  context: TeardownContext,
): Promise<Deletion[]> {
  const source = context.source ?? name;
  const suffix = name.slice(source.length);
  if (!suffix) return [];
  const repositoryName = `${imageName(source).repository}${suffix}`;
  return [
    {
      resource: `repository ${repositoryName}`,
      remove: async () => {
        try {
          await client(ECRClient, region).send(new DeleteRepositoryCommand({ repositoryName, force: true }));
          return true;
        } catch (error) {
          if (isNotFound(error)) return false;
          throw error;
        }
      },
    },
  ];
}
