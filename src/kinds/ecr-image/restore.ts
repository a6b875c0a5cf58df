import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  ECRClient,
  type EncryptionType,
  type ImageTagMutability,
  PutImageCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  PutLifecyclePolicyCommand,
  SetRepositoryPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecr';
import type { Change } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import type { RestoreContext, RestoreResult } from '../../reconcile/context.js';
import { notPossible, reconcile } from '../../reconcile/diff.js';
import { readBlob } from '../../reconcile/store-code.js';
import { readDocument, regionalKey, tagChanges } from '../shared/document.js';
import { ACCEPTED_MEDIA_TYPES, ImageConfig, type StoredManifest } from './format.js';
import { missingBlobs, pushBlob } from './push.js';
import { readRepository } from './repository.js';

/**
 * Restores an image by digest from image.json and its stored blobs. The repository is created when
 * missing (tag mutability, scan on push, encryption, lifecycle policy, repository policy, tags) and
 * compared when present (changed only with force). Then the image, if the repository does not hold
 * that digest: the blobs it lacks are pushed, then the manifest with its exact bytes (so the digest is
 * the same: the functions' ImageUri resolves to it), child manifests before an index, once per
 * recorded tag. Under a drill's suffix the repository is a scratch copy (`REPOSITORY<suffix>`).
 */

interface RepositoryShape {
  ImageTagMutability: string;
  ScanOnPush: boolean;
  LifecyclePolicy: Record<string, unknown> | null;
  Policy: Record<string, unknown> | null;
  Tags: Record<string, string>;
}

const repositoryShape = (settings: ImageConfig['repository']): RepositoryShape => ({
  ImageTagMutability: settings.imageTagMutability ?? 'MUTABLE',
  ScanOnPush: settings.scanOnPush ?? false,
  LifecyclePolicy: settings.lifecyclePolicy,
  Policy: settings.policy,
  Tags: settings.tags,
});

async function applyRepository(
  ecr: ECRClient,
  repositoryName: string,
  desired: RepositoryShape,
  current?: RepositoryShape,
  resourceArn?: string,
) {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (current && current.ImageTagMutability !== desired.ImageTagMutability)
    await ecr.send(
      new PutImageTagMutabilityCommand({
        repositoryName,
        imageTagMutability: desired.ImageTagMutability as ImageTagMutability,
      }),
    );
  if (current && current.ScanOnPush !== desired.ScanOnPush)
    await ecr.send(
      new PutImageScanningConfigurationCommand({
        repositoryName,
        imageScanningConfiguration: { scanOnPush: desired.ScanOnPush },
      }),
    );
  if (desired.LifecyclePolicy && !same(current?.LifecyclePolicy, desired.LifecyclePolicy))
    await ecr.send(
      new PutLifecyclePolicyCommand({
        repositoryName,
        lifecyclePolicyText: JSON.stringify(desired.LifecyclePolicy),
      }),
    );
  if (desired.Policy && !same(current?.Policy, desired.Policy))
    await ecr.send(
      new SetRepositoryPolicyCommand({ repositoryName, policyText: JSON.stringify(desired.Policy) }),
    );
  if (current && resourceArn) {
    const tags = tagChanges(current.Tags, desired.Tags);
    const set = Object.entries(tags.set).map(([Key, Value]) => ({ Key, Value }));
    if (set.length) await ecr.send(new TagResourceCommand({ resourceArn, tags: set }));
    if (tags.remove.length) await ecr.send(new UntagResourceCommand({ resourceArn, tagKeys: tags.remove }));
  }
}

/** Pushes one manifest: its missing blobs, then the exact manifest bytes under their digest, once per tag (or untagged). */
async function pushManifest(
  context: RestoreContext,
  ecr: ECRClient,
  repositoryName: string,
  manifest: StoredManifest,
  tags: string[],
) {
  for (const blob of await missingBlobs(ecr, repositoryName, manifest.blobs))
    await pushBlob(context.store, ecr, repositoryName, blob);
  const imageManifest = (await readBlob(context.store, manifest.manifest.path)).toString('utf8');
  for (const imageTag of tags.length ? tags : [undefined])
    await ecr.send(
      new PutImageCommand({
        repositoryName,
        imageManifest,
        imageManifestMediaType: manifest.mediaType,
        imageDigest: manifest.digest,
        imageTag,
      }),
    );
}

export async function restoreImage(item: ItemResult, context: RestoreContext): Promise<RestoreResult> {
  const config = await readDocument(context.store, item, ImageConfig);
  const source = config.repository.name;
  const uri = context.mapper.mapImageUri(
    `${config.registryId}.dkr.ecr.${config.region}.amazonaws.com/${source}@${config.image.digest}`,
  );
  const repositoryName = uri.split('/').slice(1).join('/').split('@')[0] as string;
  const ecr = client(ECRClient, context.targetRegion);
  const notes: string[] = [];
  const desired = context.mapper.mapDeep(repositoryShape(config.repository));
  const live = await readRepository(ecr, repositoryName);
  const repository = await reconcile(context, {
    resource: `repository ${repositoryName}`,
    current: live && repositoryShape(live.settings),
    desired,
    create: async () => {
      const encryption = config.repository.encryption;
      const kmsKey = regionalKey(encryption?.kmsKey, 'ecr', context, notes);
      const tags = Object.entries(desired.Tags).map(([Key, Value]) => ({ Key, Value }));
      await ecr.send(
        new CreateRepositoryCommand({
          repositoryName,
          imageTagMutability: desired.ImageTagMutability as ImageTagMutability,
          imageScanningConfiguration: { scanOnPush: desired.ScanOnPush },
          encryptionConfiguration: encryption
            ? {
                encryptionType: encryption.encryptionType as EncryptionType,
                kmsKey: kmsKey?.startsWith('alias/aws/') ? undefined : kmsKey,
              }
            : undefined,
          tags: tags.length ? tags : undefined,
        }),
      );
      await applyRepository(ecr, repositoryName, desired);
    },
    update: () =>
      applyRepository(ecr, repositoryName, desired, live && repositoryShape(live.settings), live?.arn),
  });
  const imageResource = `image ${repositoryName}@${config.image.digest}`;
  const present = live
    ? (
        await ecr.send(
          new BatchGetImageCommand({
            repositoryName,
            imageIds: [{ imageDigest: config.image.digest }],
            acceptedMediaTypes: ACCEPTED_MEDIA_TYPES,
          }),
        )
      ).images?.length
    : 0;
  let image: Change = { resource: imageResource, action: present ? 'unchanged' : 'create' };
  if (!present && repository.action === 'differs')
    image = notPossible(imageResource, 'blocked', 'its repository differs from the backup: use --force');
  else if (!present && context.apply) {
    for (const child of config.image.children) await pushManifest(context, ecr, repositoryName, child, []);
    await pushManifest(context, ecr, repositoryName, config.image, config.image.tags);
  }
  if (!present)
    notes.push(`${imageResource}: ${config.image.blobs.length} blobs and the manifest pushed by digest`);
  return { changes: [repository, image], notes, details: { imageUri: uri } };
}
