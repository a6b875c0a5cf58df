import {
  DescribeRepositoriesCommand,
  type ECRClient,
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ecr';
import { ifExists } from '../../aws/errors.js';
import { parsedPolicy, tagRecord } from '../shared/document.js';
import type { ImageConfig } from './format.js';

/** A repository's settings as image.json records them, or undefined when there is no such repository. */
export async function readRepository(ecr: ECRClient, repositoryName: string) {
  const found = await ifExists(() =>
    ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] })),
  );
  const repository = found?.repositories?.[0];
  if (!repository) return undefined;
  const [lifecycle, policy, tags] = await Promise.all([
    ifExists(() => ecr.send(new GetLifecyclePolicyCommand({ repositoryName }))),
    ifExists(() => ecr.send(new GetRepositoryPolicyCommand({ repositoryName }))),
    ecr.send(new ListTagsForResourceCommand({ resourceArn: repository.repositoryArn })),
  ]);
  const settings: ImageConfig['repository'] = {
    name: repositoryName,
    imageTagMutability: repository.imageTagMutability,
    scanOnPush: repository.imageScanningConfiguration?.scanOnPush,
    ...(repository.encryptionConfiguration?.encryptionType
      ? {
          encryption: {
            encryptionType: repository.encryptionConfiguration.encryptionType,
            ...(repository.encryptionConfiguration.kmsKey
              ? { kmsKey: repository.encryptionConfiguration.kmsKey }
              : {}),
          },
        }
      : {}),
    lifecyclePolicy: parsedPolicy(lifecycle?.lifecyclePolicyText),
    policy: parsedPolicy(policy?.policyText),
    tags: tagRecord(tags.tags),
  };
  return { settings, registryId: repository.registryId as string, arn: repository.repositoryArn as string };
}
