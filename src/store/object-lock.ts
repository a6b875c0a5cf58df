import {
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { client } from '../aws/clients.js';
import { S3Backend } from './s3-backend.js';
import type { BackupStore } from './store.js';

const nameOf = (error: unknown) => (error as Error).name;
const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
/** What S3 answers when an object (or its bucket) has no retention or legal hold configured. */
const NOT_CONFIGURED = new Set([
  'ObjectLockConfigurationNotFoundError',
  'NoSuchObjectLockConfiguration',
  'InvalidRequest',
  'NoSuchKey',
]);

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

  private get s3Backend(): S3Backend | undefined {
    return this.store.backend instanceof S3Backend ? this.store.backend : undefined;
  }

  private fullKey(backend: S3Backend, key: string): string {
    return backend.prefix ? `${backend.prefix.replace(/\/$/, '')}/${key}` : key;
  }

  /** True when the bucket has Object Lock enabled (asked once). */
  isEnabled(): Promise<boolean> {
    const backend = this.s3Backend;
    if (!backend) return Promise.resolve(false);
    this.enabled ??= client(S3Client, backend.region)
      .send(new GetObjectLockConfigurationCommand({ Bucket: backend.bucket }))
      .then((response) => response.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled')
      .catch((error) => {
        if (NOT_CONFIGURED.has(nameOf(error)) || statusOf(error) === 404) return false;
        throw error;
      });
    return this.enabled;
  }

  /** Why `key` cannot be deleted now (retention date in the future, legal hold), or undefined. */
  async lockOf(key: string): Promise<string | undefined> {
    const backend = this.s3Backend;
    if (!backend || !(await this.isEnabled())) return undefined;
    const s3 = client(S3Client, backend.region);
    const target = { Bucket: backend.bucket, Key: this.fullKey(backend, key) };
    const ignoreUnset = (error: unknown) => {
      if (NOT_CONFIGURED.has(nameOf(error)) || statusOf(error) === 404) return undefined;
      throw error;
    };
    const [retention, hold] = await Promise.all([
      s3.send(new GetObjectRetentionCommand(target)).catch(ignoreUnset),
      s3.send(new GetObjectLegalHoldCommand(target)).catch(ignoreUnset),
    ]);
    if (hold?.LegalHold?.Status === 'ON') return 'legal hold';
    const until = retention?.Retention?.RetainUntilDate;
    if (until && new Date(until).getTime() > this.now.getTime())
      return `${retention?.Retention?.Mode?.toLowerCase() ?? 'retained'} until ${new Date(until).toISOString()}`;
    return undefined;
  }
}
