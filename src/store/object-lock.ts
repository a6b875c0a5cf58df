import {
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  S3Client,
} from '@aws-sdk/client-s3';
import { client } from '../aws/clients.js';
import { errorName, isNotFound } from '../aws/errors.js';
import type { BackupStore, S3Location } from './store.js';

/** What S3 answers when an object (or its bucket) has no retention or legal hold configured. */
const notConfigured = (error: unknown) => isNotFound(error) || errorName(error) === 'InvalidRequest';

/**
 * Object Lock of a store. DeleteObject on a versioned bucket "succeeds" on a locked object by adding
 * a delete marker while the locked version stays: retention must ask before deleting, so that it
 * never reports as pruned what S3 still retains. Directories have no lock.
 */
export class ObjectLock {
  private enabled: Promise<boolean> | undefined;

  constructor(
    private readonly store: BackupStore,
    private readonly now = new Date(),
  ) {}

  private get s3(): S3Location | undefined {
    return this.store.backend.capabilities.s3;
  }

  /** True when the bucket has Object Lock enabled (asked once). */
  isEnabled(): Promise<boolean> {
    const backend = this.s3;
    if (!backend) return Promise.resolve(false);
    this.enabled ??= client(S3Client, backend.region)
      .send(new GetObjectLockConfigurationCommand({ Bucket: backend.bucket }))
      .then((response) => response.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled')
      .catch((error) => {
        if (notConfigured(error)) return false;
        throw error;
      });
    return this.enabled;
  }

  /**
   * Why `key` cannot be deleted now (retention date in the future, legal hold), or undefined. Read
   * from HeadObject's object-lock fields (AWS includes them for callers allowed
   * s3:GetObjectRetention and s3:GetObjectLegalHold; moto's GetObjectRetention is not usable).
   */
  async lockOf(key: string): Promise<string | undefined> {
    const backend = this.s3;
    if (!backend || !(await this.isEnabled())) return undefined;
    let head: HeadObjectCommandOutput;
    try {
      head = await client(S3Client, backend.region).send(
        new HeadObjectCommand({ Bucket: backend.bucket, Key: backend.key(key) }),
      );
    } catch (error) {
      if (notConfigured(error)) return undefined;
      throw error;
    }
    if (head.ObjectLockLegalHoldStatus === 'ON') return 'legal hold';
    const until = head.ObjectLockRetainUntilDate;
    if (until && new Date(until).getTime() > this.now.getTime())
      return `${head.ObjectLockMode?.toLowerCase() ?? 'retained'} until ${new Date(until).toISOString()}`;
    return undefined;
  }
}
