import { z } from 'zod';
import { Sha256Hex } from '../../../schemas/common.js';

/**
 * What an image's backup stores: image.json (the repository's settings and the image by digest: its
 * tags, its manifest and the blobs the manifest names) and the content-addressed blobs themselves —
 * the manifest bytes and every layer and config blob, each under its own sha256, so a layer shared by
 * images or runs is stored once. A manifest list (multi-platform index) carries its child manifests.
 */

/** A blob in the store, named by the registry digest it must hash to. */
export const StoredBlob = z.object({
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be a sha256 digest'),
  mediaType: z.string().optional(),
  bytes: z.number().int().nonnegative(),
  path: z.string().min(1),
});
export type StoredBlob = z.infer<typeof StoredBlob>;

export const StoredManifest = z.object({
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  mediaType: z.string(),
  /** The manifest bytes, as a blob: the image digest is their sha256, so they are kept exactly. */
  manifest: StoredBlob,
  /** Config and layers (none for an index). */
  blobs: z.array(StoredBlob),
});
export type StoredManifest = z.infer<typeof StoredManifest>;

export const ImageConfig = z.object({
  format: z.literal(1),
  region: z.string(),
  registryId: z.string(),
  repository: z.object({
    name: z.string().min(1),
    imageTagMutability: z.string().optional(),
    scanOnPush: z.boolean().optional(),
    encryption: z.object({ encryptionType: z.string(), kmsKey: z.string().optional() }).optional(),
    lifecyclePolicy: z.record(z.string(), z.unknown()).nullable(),
    policy: z.record(z.string(), z.unknown()).nullable(),
    tags: z.record(z.string(), z.string()),
  }),
  image: StoredManifest.extend({
    tags: z.array(z.string()),
    /** The manifests an index names, pushed before it. */
    children: z.array(StoredManifest),
  }),
});
export type ImageConfig = z.infer<typeof ImageConfig>;

/** `REPOSITORY@sha256:HEX`, an item's name, split. */
export function imageName(name: string): { repository: string; digest: string } {
  const at = name.lastIndexOf('@');
  return { repository: name.slice(0, at), digest: name.slice(at + 1) };
}

export const hexOf = (digest: string): string => Sha256Hex.parse(digest.replace(/^sha256:/, ''));

/** Manifest media types that list other manifests (multi-platform images). */
export const isIndex = (mediaType: string) => /manifest\.list|image\.index/.test(mediaType);

export const ACCEPTED_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];
