import {
  BatchCheckLayerAvailabilityCommand,
  CompleteLayerUploadCommand,
  type ECRClient,
  InitiateLayerUploadCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { readBlob } from '../../reconcile/store-code.js';
import type { BackupStore } from '../../store/store.js';
import type { StoredBlob } from './format.js';

/**
 * Pushes stored blobs into a repository the way a registry client does: BatchCheckLayerAvailability,
 * and for each missing blob InitiateLayerUpload, UploadLayerPart in order, CompleteLayerUpload with
 * its digest (ECR checks the bytes against it). Blobs are read back from the store checked against
 * their sha256.
 */

/** ECR takes parts of at most 20 MiB per UploadLayerPart. */
const PART_BYTES = 20 * 1024 * 1024;

export async function missingBlobs(
  ecr: ECRClient,
  repositoryName: string,
  blobs: StoredBlob[],
): Promise<StoredBlob[]> {
  const missing: StoredBlob[] = [];
  for (let start = 0; start < blobs.length; start += 100) {
    const batch = blobs.slice(start, start + 100);
    const answer = await ecr.send(
      new BatchCheckLayerAvailabilityCommand({
        repositoryName,
        layerDigests: batch.map((blob) => blob.digest),
      }),
    );
    const available = new Set(
      (answer.layers ?? [])
        .filter((layer) => layer.layerAvailability === 'AVAILABLE')
        .map((layer) => layer.layerDigest),
    );
    missing.push(...batch.filter((blob) => !available.has(blob.digest)));
  }
  return missing;
}

export async function pushBlob(store: BackupStore, ecr: ECRClient, repositoryName: string, blob: StoredBlob) {
  const bytes = await readBlob(store, blob.path);
  const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
  for (let first = 0; first < bytes.length || first === 0; first += PART_BYTES) {
    const part = bytes.subarray(first, Math.min(bytes.length, first + PART_BYTES));
    await ecr.send(
      new UploadLayerPartCommand({
        repositoryName,
        uploadId,
        partFirstByte: first,
        partLastByte: first + Math.max(part.length, 1) - 1,
        layerPartBlob: part,
      }),
    );
    if (bytes.length === 0) break;
  }
  await ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [blob.digest] }));
}
