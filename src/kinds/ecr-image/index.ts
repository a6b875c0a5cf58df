import type { ResourceKind } from '../types.js';
import { backupImage } from './backup.js';
import { discoverImages, tagsOfImage, wiredImages } from './discover.js';
import { restoreImage } from './restore.js';
import { ecrImageStack } from './stack.js';
import { teardownImage } from './teardown.js';

/**
 * The container images of image-packaged functions, by digest: repository settings, the exact
 * manifest and every blob, content-addressed in the store (backup.ts), pushed back so the functions'
 * ImageUri resolves to the same digest (restore.ts, push.ts). Items are named `REPOSITORY@DIGEST`.
 */
export const ecrImage: ResourceKind = {
  stack: ecrImageStack,
  kind: 'ecr-image',
  nameKind: 'ecr-image',
  restoreTier: 'images',
  // Functions name images by URI, not ARN: the mapper's mapImageUri maps registry and repository.
  discover: (region, { patterns }) => discoverImages(region, patterns),
  wiredTo: wiredImages,
  backup: backupImage,
  restore: restoreImage,
  tags: tagsOfImage,
  teardown: teardownImage,
};

export default ecrImage;
