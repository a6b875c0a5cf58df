import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { client } from '../aws/clients.js';
import { isMissingObject } from '../aws/errors.js';
import { mapLimit } from '../concurrency.js';
import type { BackendCapabilities, StoreBackend } from './store.js';

/** An S3 bucket (optionally under a prefix) as backup store: the default. */
export class S3Backend implements StoreBackend {
  readonly url: string;

  constructor(
    readonly bucket: string,
    readonly prefix = '',
    readonly region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
  ) {
    this.url = `s3://${bucket}${prefix ? `/${prefix.replace(/\/$/, '')}` : ''}`;
  }

  private get s3(): S3Client {
    return client(S3Client, this.region);
  }

  private key(key: string): string {
    return this.prefix ? `${this.prefix.replace(/\/$/, '')}/${key}` : key;
  }

  get capabilities(): BackendCapabilities {
    return {
      s3: { bucket: this.bucket, region: this.region, key: (storeKey) => this.key(storeKey) },
      storedChecksums: true,
    };
  }

  async write(key: string, body: Readable, contentType?: string): Promise<void> {
    // Upload streams in parts of bounded size, so memory stays flat for any object size.
    await new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: this.key(key), Body: body, ContentType: contentType },
      queueSize: 4,
      partSize: 8 * 1024 * 1024,
    }).done();
  }

  async read(key: string): Promise<Readable | undefined> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return response.Body as Readable;
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Readable | undefined> {
    try {
      const response = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key), Range: `bytes=${start}-${end}` }),
      );
      return response.Body as Readable;
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const response = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return response.ContentLength ?? 0;
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  async move(from: string, to: string): Promise<void> {
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: this.key(to),
        CopySource: `${this.bucket}/${encodeURIComponent(this.key(from)).replace(/%2F/g, '/')}`,
        // A temporary has no tags: copying none needs no tag permissions (COPY would ask for both).
        TaggingDirective: 'REPLACE',
      }),
    );
    await this.remove(from);
  }

  async remove(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
  }

  async removeAll(prefix: string): Promise<void> {
    const keys: string[] = [];
    for await (const key of this.list(prefix)) keys.push(key);
    await mapLimit(keys, 16, (key) => this.remove(key));
  }

  async children(prefix: string): Promise<string[]> {
    const names: string[] = [];
    const base = this.key(prefix);
    let ContinuationToken: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, Delimiter: '/', ContinuationToken }),
      );
      for (const common of page.CommonPrefixes ?? [])
        names.push((common.Prefix ?? '').slice(base.length).replace(/\/$/, ''));
      for (const object of page.Contents ?? []) names.push((object.Key ?? '').slice(base.length));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return names.filter(Boolean).sort();
  }

  async *list(prefix: string): AsyncIterable<string> {
    const strip = this.prefix ? this.prefix.replace(/\/$/, '').length + 1 : 0;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.key(prefix), ContinuationToken }),
      );
      for (const object of page.Contents ?? []) if (object.Key) yield object.Key.slice(strip);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }
}
