import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
} from '@aws-sdk/client-ecr';
import type { Artifact, WorkItem } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { retryTransient } from '../../aws/retry.js';
import { IntegrityError, NotFoundError, TransientAwsError } from '../../errors.js';
import { artifactKey } from '../../store/layout.js';
import { writeJsonArtifact } from '../../store/ndjson-part.js';
import type { BackupStore } from '../../store/store.js';
import type { BackupContext, BackupStep } from '../types.js';
import {
  ACCEPTED_MEDIA_TYPES,
  hexOf,
  ImageConfig,
  imageName,
  isIndex,
  type StoredBlob,
  type StoredManifest,
} from './format.js';
import { readRepository } from './repository.js';

/**
 * Backs up one image by digest: the repository's settings, the manifest (exact bytes, so the digest
 * holds) and every blob it names, each stored content-addressed and checked against its digest. A
 * blob already in the store (another image, an earlier run) is not downloaded again. Large images
 * take several steps: each stores blobs until the step's deadline, the last writes image.json.
 */

const BLOB_TIMEOUT_MS = 600_000;

async function download(url: string): Promise<Readable> {
  const response = await fetch(url, { signal: AbortSignal.timeout(BLOB_TIMEOUT_MS) });
  if (!response.ok || !response.body) {
    const problem = `layer download answered HTTP ${response.status}`;
    throw response.status >= 500 || response.status === 429
      ? new TransientAwsError(problem)
      : new Error(problem);
  }
  return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
}

/** Stores a blob under its digest (found in the store: not downloaded) and proves it hashes to it. */
async function storeBlob(
  store: BackupStore,
  ecr: ECRClient,
  repositoryName: string,
  descriptor: { digest: string; mediaType?: string },
): Promise<StoredBlob> {
  const expected = hexOf(descriptor.digest);
  const written = await retryTransient(() =>
    store.putBlob(async () => {
      const { downloadUrl } = await ecr.send(
        new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: descriptor.digest }),
      );
      return download(downloadUrl as string);
    }, expected),
  );
  if (written.sha256 !== expected)
    throw new IntegrityError(
      `${repositoryName} ${descriptor.digest}: the downloaded blob hashes to sha256:${written.sha256}`,
    );
  return {
    digest: descriptor.digest,
    mediaType: descriptor.mediaType,
    bytes: written.bytes,
    path: written.key,
  };
}

interface Manifest {
  mediaType?: string;
  config?: { digest: string; mediaType?: string };
  layers?: { digest: string; mediaType?: string }[];
  manifests?: { digest: string; mediaType?: string }[];
}

/** One manifest by digest: its exact bytes (stored as a blob) and the descriptors it names. */
async function readManifest(store: BackupStore, ecr: ECRClient, repositoryName: string, imageDigest: string) {
  const answer = await ecr.send(
    new BatchGetImageCommand({
      repositoryName,
      imageIds: [{ imageDigest }],
      acceptedMediaTypes: ACCEPTED_MEDIA_TYPES,
    }),
  );
  const image = answer.images?.[0];
  if (!image?.imageManifest) throw new NotFoundError(`image ${repositoryName}@${imageDigest} does not exist`);
  const bytes = Buffer.from(image.imageManifest, 'utf8');
  const written = await store.putBlob(async () => Readable.from([bytes]), hexOf(imageDigest));
  if (written.sha256 !== hexOf(imageDigest))
    throw new IntegrityError(
      `${repositoryName}@${imageDigest}: its manifest hashes to sha256:${written.sha256}`,
    );
  const parsed = JSON.parse(image.imageManifest) as Manifest;
  const mediaType = image.imageManifestMediaType ?? parsed.mediaType ?? ACCEPTED_MEDIA_TYPES[0];
  return {
    digest: imageDigest,
    mediaType: mediaType as string,
    manifest: { digest: imageDigest, mediaType, bytes: written.bytes, path: written.key },
    parsed,
  };
}

export async function backupImage(item: WorkItem, context: BackupContext): Promise<BackupStep> {
  const { repository: repositoryName, digest } = imageName(item.name);
  const ecr = client(ECRClient, item.region);
  const repository = await readRepository(ecr, repositoryName);
  if (!repository) throw new NotFoundError(`repository ${repositoryName} does not exist in ${item.region}`);
  const described = await ecr.send(
    new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest: digest }] }),
  );
  const top = await readManifest(context.store, ecr, repositoryName, digest);
  const children = isIndex(top.mediaType)
    ? await Promise.all(
        (top.parsed.manifests ?? []).map((child) =>
          readManifest(context.store, ecr, repositoryName, child.digest),
        ),
      )
    : [];
  const descriptorsOf = (manifest: Manifest) => [
    ...(manifest.config ? [manifest.config] : []),
    ...(manifest.layers ?? []),
  ];
  const manifests = [top, ...children];
  const blobs = new Map<string, StoredBlob>();
  let finished = true;
  for (const manifest of manifests)
    for (const descriptor of descriptorsOf(manifest.parsed)) {
      if (blobs.has(descriptor.digest)) continue;
      if (Date.now() > context.deadline && blobs.size > 0) {
        finished = false;
        break;
      }
      blobs.set(descriptor.digest, await storeBlob(context.store, ecr, repositoryName, descriptor));
    }
  // Blobs are content-addressed: the next step finds those stored here and moves on.
  if (!finished) return { done: false, cursor: { blobs: blobs.size }, artifacts: [] };
  const stored = (manifest: (typeof manifests)[number]): StoredManifest => ({
    digest: manifest.digest,
    mediaType: manifest.mediaType,
    manifest: manifest.manifest,
    blobs: descriptorsOf(manifest.parsed).map((descriptor) => blobs.get(descriptor.digest) as StoredBlob),
  });
  const config = ImageConfig.parse({
    format: 1,
    region: item.region,
    registryId: repository.registryId,
    repository: repository.settings,
    image: {
      ...stored(top),
      tags: described.imageDetails?.[0]?.imageTags ?? [],
      children: children.map(stored),
    },
  });
  const key = artifactKey(item.runId, item.region, 'ecr-image', item.name, 'image.json');
  const everyBlob = [top.manifest, ...children.map((child) => child.manifest), ...blobs.values()];
  const unique = [...new Map(everyBlob.map((blob) => [blob.path, blob])).values()];
  const artifacts: Artifact[] = [
    await writeJsonArtifact(context.store, key, 'config', config),
    ...unique.map((blob) => ({
      role: 'blob',
      path: blob.path,
      sha256: hexOf(blob.digest),
      bytes: blob.bytes,
    })),
  ];
  return {
    done: true,
    artifacts,
    summary: {
      repository: repositoryName,
      tags: config.image.tags,
      blobs: blobs.size,
      bytes: [...blobs.values()].reduce((sum, blob) => sum + blob.bytes, 0),
    },
  };
}
