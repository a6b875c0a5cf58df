import { createHash, randomBytes } from 'node:crypto';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  GetLifecyclePolicyCommand,
  InitiateLayerUploadCommand,
  ListTagsForResourceCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { ecrImage } from '../../../src/kinds/ecr-image/index.js';
import { mapperFor } from '../../../src/restore/mapper.js';
import { ACCOUNT_ID, unique } from '../../helpers/aws.js';
import { runIdAt, suiteFileStore } from '../../helpers/kinds.js';
import { mockOnly } from '../../helpers/partial-mock.js';
import { HOME_REGION } from '../../helpers/region-claims.js';
import { backUp, expectSameFields, restoreContext, restoreWith } from '../../helpers/source-kinds.js';

// Named repositories only (never a listing of the whole region): the shared home region is enough.
const REGION = HOME_REGION;
const ecr = client(ECRClient, REGION);
const suite = suiteFileStore();

// moto's ECR keeps repositories and image manifests (PutImage, BatchGetImage, DescribeImages) but has
// no blob storage: GetDownloadUrlForLayer, BatchCheckLayerAvailability and the layer upload calls
// (Initiate/UploadLayerPart/Complete) go to aws-sdk-client-mock, over an in-memory registry of blobs
// per repository. CompleteLayerUpload checks the uploaded bytes against the digest, as ECR does.
const blobs = new Map<string, Buffer>();
const uploads = new Map<string, Buffer[]>();
const calls = { downloads: 0, uploads: 0 };
const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const { mock } = mockOnly(ECRClient);
mock.on(GetDownloadUrlForLayerCommand).callsFake(async ({ repositoryName, layerDigest }) => {
  const bytes = blobs.get(`${repositoryName} ${layerDigest}`);
  if (!bytes) throw Object.assign(new Error(`no layer ${layerDigest}`), { name: 'LayersNotFoundException' });
  calls.downloads += 1;
  return { downloadUrl: `data:application/octet-stream;base64,${bytes.toString('base64')}`, layerDigest };
});
mock.on(BatchCheckLayerAvailabilityCommand).callsFake(async ({ repositoryName, layerDigests }) => ({
  layers: (layerDigests as string[]).map((layerDigest) => ({
    layerDigest,
    layerAvailability: blobs.has(`${repositoryName} ${layerDigest}`) ? 'AVAILABLE' : 'UNAVAILABLE',
  })),
}));
mock.on(InitiateLayerUploadCommand).callsFake(async () => {
  const uploadId = randomBytes(8).toString('hex');
  uploads.set(uploadId, []);
  return { uploadId, partSize: 20 * 1024 * 1024 };
});
mock.on(UploadLayerPartCommand).callsFake(async ({ uploadId, layerPartBlob }) => {
  uploads.get(uploadId)?.push(Buffer.from(layerPartBlob));
  return { uploadId };
});
mock.on(CompleteLayerUploadCommand).callsFake(async ({ repositoryName, uploadId, layerDigests }) => {
  const bytes = Buffer.concat(uploads.get(uploadId) ?? []);
  if (sha(bytes) !== layerDigests[0])
    throw Object.assign(new Error('digest mismatch'), { name: 'LayerDigestMismatchException' });
  blobs.set(`${repositoryName} ${layerDigests[0]}`, bytes);
  calls.uploads += 1;
  return { layerDigest: layerDigests[0] };
});
afterAll(() => mock.restore());

/** A repository and image as a restore must reproduce them, read with plain ECR calls. */
async function pictureOf(repositoryName: string, imageDigest: string): Promise<Record<string, unknown>> {
  const repository = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] })))
    .repositories?.[0];
  const lifecycle = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName }));
  const tags = (await ecr.send(new ListTagsForResourceCommand({ resourceArn: repository?.repositoryArn })))
    .tags;
  const image = (await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageDigest }] })))
    .images?.[0];
  const described = (
    await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest }] }))
  ).imageDetails?.[0];
  const manifest = JSON.parse(image?.imageManifest ?? '{}') as {
    layers: { digest: string }[];
    config: { digest: string };
  };
  return {
    mutability: repository?.imageTagMutability,
    scanOnPush: repository?.imageScanningConfiguration?.scanOnPush,
    lifecycle: JSON.parse(lifecycle.lifecyclePolicyText ?? 'null'),
    tags,
    manifest: image?.imageManifest,
    digest: sha(Buffer.from(image?.imageManifest ?? '')),
    imageTags: [...(described?.imageTags ?? [])].sort(),
    blobs: [manifest.config, ...manifest.layers].map((layer) =>
      sha(blobs.get(`${repositoryName} ${layer.digest}`) ?? Buffer.alloc(0)),
    ),
  };
}

/** An image as a registry client pushes it: config and two layers, then the manifest under two tags. */
async function pushImage(repositoryName: string): Promise<string> {
  const parts = [randomBytes(300), randomBytes(4096), randomBytes(70_000)];
  for (const part of parts) blobs.set(`${repositoryName} ${sha(part)}`, part);
  const [config, ...layers] = parts as [Buffer, ...Buffer[]];
  const imageManifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: config.length,
      digest: sha(config),
    },
    layers: layers.map((layer) => ({
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      size: layer.length,
      digest: sha(layer),
    })),
  });
  const imageDigest = sha(Buffer.from(imageManifest));
  for (const imageTag of ['v1', 'latest'])
    await ecr.send(new PutImageCommand({ repositoryName, imageManifest, imageDigest, imageTag }));
  return imageDigest;
}

describe('ecr-image', () => {
  const repository = unique('tv-orders-image');
  const runId = runIdAt();
  let digest: string;
  let original: Record<string, unknown>;
  let item: Awaited<ReturnType<typeof backUp>>;

  beforeAll(async () => {
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: repository,
        imageTagMutability: 'MUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        tags: [{ Key: 'app', Value: 'orders' }],
      }),
    );
    await ecr.send(
      new PutLifecyclePolicyCommand({
        repositoryName: repository,
        lifecyclePolicyText: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 5 },
              action: { type: 'expire' },
            },
          ],
        }),
      }),
    );
    digest = await pushImage(repository);
    original = await pictureOf(repository, digest);
    item = await backUp(ecrImage, suite.store, REGION, `${repository}@${digest}`, runId);
  });

  it('stores the manifest and every blob content-addressed, once across runs', async () => {
    // Act: a second run of the same image.
    const before = calls.downloads;
    const again = await backUp(ecrImage, suite.store, REGION, `${repository}@${digest}`);
    // Assess: four blobs (manifest, config, two layers), each at blobs/sha256/<its digest>, none downloaded again.
    const stored = item.artifacts.filter((artifact) => artifact.role === 'blob');
    expect(stored.map((artifact) => artifact.path).sort()).toEqual(
      [digest, ...(original.blobs as string[])].map((blob) => `blobs/sha256/${blob.slice(7)}`).sort(),
    );
    for (const artifact of stored)
      expect(await suite.store.measure(artifact.path)).toEqual({
        sha256: artifact.sha256,
        bytes: artifact.bytes,
      });
    expect(calls.downloads - before).toBe(0);
    expect(again.artifacts.filter((artifact) => artifact.role === 'blob')).toEqual(stored);
  });

  it('pushes a lost image back by digest, with its repository, tags and every blob', async () => {
    // Prepare: the repository and its blobs are gone.
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: repository, force: true }));
    for (const key of [...blobs.keys()].filter((entry) => entry.startsWith(`${repository} `)))
      blobs.delete(key);
    // Act
    const result = await restoreWith(
      ecrImage,
      item,
      restoreContext({ store: suite.store, runId, region: REGION }),
    );
    // Assess: same manifest bytes, so the same digest; the blobs uploaded hash to their digests.
    expect(result.changes.map((change) => change.action)).toEqual(['create', 'create']);
    expectSameFields(original, await pictureOf(repository, digest));
    expect(calls.uploads).toBe(3);
    expect(result.details?.imageUri).toBe(
      `${ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com/${repository}@${digest}`,
    );
  });

  it('finds the image there next time; under a drill suffix pushes a scratch repository, torn down after', async () => {
    // Prepare
    const suffix = '-drill-beef01';
    const restored = { 'ecr-image': [item.name] };
    const scratch = restoreContext({ store: suite.store, runId, region: REGION, suffix, restored });
    // Act
    const unchanged = await restoreWith(
      ecrImage,
      item,
      restoreContext({ store: suite.store, runId, region: REGION }),
    );
    const copy = await restoreWith(ecrImage, item, scratch);
    const copied = await pictureOf(`${repository}${suffix}`, digest);
    const uri = mapperFor(scratch.mapper.spec).mapImageUri(
      `${ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com/${repository}:v1`,
    );
    const deletions = await ecrImage.teardown?.(REGION, `${item.name}${suffix}`, { source: item.name });
    const removed = [await deletions?.[0]?.remove(), await deletions?.[0]?.remove()];
    // Assess
    expect(unchanged.action).toBe('unchanged');
    expect(copy.changes.map((change) => change.action)).toEqual(['create', 'create']);
    expectSameFields(original, copied);
    expect(uri).toBe(`${ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com/${repository}${suffix}:v1`);
    expect(removed).toEqual([true, false]);
  });
});
