import { describe, expect, it, jest } from '@jest/globals';
import type { PolicyStatement } from '../../src/aws/lambda-policy.js';
import { paginate } from '../../src/aws/paginate.js';
import { TransientAwsError } from '../../src/errors.js';
import { permissionsForExecuteApi } from '../../src/triggers/permissions.js';
import {
  clearListingMemos,
  compact,
  fromEachSource,
  functionArnInUri,
  policySources,
  regionMemo,
} from '../../src/triggers/shared.js';
import type { FunctionRef } from '../../src/triggers/types.js';

const awsError = (name: string, status: number) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:fn';
const statement = (sid: string, service: string, sourceArn?: string): PolicyStatement => ({
  Sid: sid,
  Effect: 'Allow',
  Principal: { Service: service },
  Action: 'lambda:InvokeFunction',
  Resource: ARN,
  ...(sourceArn ? { Condition: { ArnLike: { 'AWS:SourceArn': sourceArn } } } : {}),
});
const fnWith = (...policy: PolicyStatement[]): FunctionRef => ({
  region: 'eu-west-1',
  accountId: '123456789012',
  name: 'fn',
  arn: ARN,
  policy,
});

describe('fromEachSource', () => {
  it('skips sources that vanished and concatenates the others in source order', async () => {
    // Prepare
    const task = async (source: number) => {
      if (source === 2) throw awsError('NoSuchBucket', 404);
      return [source, source * 10];
    };
    // Act
    const results = await fromEachSource([1, 2, 3], String, task);
    // Assess
    expect(results).toEqual([1, 10, 3, 30]);
  });

  it('runs every source, then throws the failure naming each failed source', async () => {
    // Prepare
    const ran: number[] = [];
    const task = async (source: number) => {
      ran.push(source);
      if (source % 2 === 0) throw awsError('AccessDenied', 403);
      return [source];
    };
    // Act
    const outcome = fromEachSource([1, 2, 3, 4], (source) => `source ${source}`, task);
    // Assess
    await expect(outcome).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'source 2: AccessDenied happened (also failed: source 4)',
    });
    expect(ran.sort()).toEqual([1, 2, 3, 4]);
  });

  it('prefers a transient failure so the state machine retries', async () => {
    // Prepare
    const task = async (source: string) => {
      throw source === 'slow' ? awsError('ThrottlingException', 400) : awsError('AccessDenied', 403);
    };
    // Act
    const outcome = fromEachSource(['denied', 'slow'], String, task);
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(TransientAwsError);
  });

  it('does not skip NotFound when asked not to', async () => {
    // Act
    const outcome = fromEachSource(
      ['x'],
      String,
      async () => Promise.reject(awsError('ResourceNotFoundException', 404)),
      {
        skipNotFound: false,
      },
    );
    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('paginate', () => {
  it('follows tokens and stops on a repeated one', async () => {
    // Prepare
    const pages: Record<string, { items: number[]; next?: string }> = {
      start: { items: [1], next: 'a' },
      a: { items: [2], next: 'b' },
      b: { items: [3], next: 'b' },
    };
    // Act
    const items = await paginate(
      async (token) => pages[token ?? 'start'] as { items: number[]; next?: string },
    );
    // Assess
    expect(items).toEqual([1, 2, 3]);
  });
});

describe('regionMemo', () => {
  it('shares one listing per region until cleared, and forgets failures', async () => {
    // Prepare
    const load = jest.fn(async (region: string) => {
      if (region === 'bad') throw new Error('boom');
      return [region];
    });
    const listing = regionMemo(load);
    // Act
    const [a, b] = await Promise.all([listing('eu-west-1'), listing('eu-west-1')]);
    await expect(listing('bad')).rejects.toThrow('boom');
    await expect(listing('bad')).rejects.toThrow('boom');
    clearListingMemos();
    await listing('eu-west-1');
    // Assess
    expect(a).toEqual(['eu-west-1']);
    expect(b).toBe(a);
    expect(load.mock.calls.map(([region]) => region)).toEqual(['eu-west-1', 'bad', 'bad', 'eu-west-1']);
  });
});

describe('compact', () => {
  it('drops undefined fields at any depth and writes dates as ISO strings', () => {
    expect(
      compact({ a: 1, b: undefined, c: { d: undefined, e: [new Date('2030-01-01T00:00:00Z')] } }),
    ).toEqual({
      a: 1,
      c: { e: ['2030-01-01T00:00:00.000Z'] },
    });
  });
});

describe('policySources', () => {
  it('names the sources of exact SourceArns and asks for a listing for wildcards or missing ones', () => {
    // Prepare
    const bucketOf = (arn: string) => arn.replace('arn:aws:s3:::', '');
    const exact = fnWith(
      statement('a', 's3.amazonaws.com', 'arn:aws:s3:::one'),
      statement('b', 'sns.amazonaws.com'),
    );
    const wildcard = fnWith(statement('a', 's3.amazonaws.com', 'arn:aws:s3:::logs-*'));
    const missing = fnWith(statement('a', 's3.amazonaws.com'));
    // Act / Assess
    expect(policySources(exact, 's3.amazonaws.com', bucketOf)).toEqual({ names: ['one'], listAll: false });
    expect(policySources(wildcard, 's3.amazonaws.com', bucketOf)).toEqual({ names: [], listAll: true });
    expect(policySources(missing, 's3.amazonaws.com', bucketOf)).toEqual({ names: [], listAll: true });
  });
});

describe('permissionsForExecuteApi', () => {
  it('matches each pattern with its own stage against the routes of the integration', () => {
    // Prepare
    const api = 'arn:aws:execute-api:eu-west-1:123456789012:abc123';
    const prod = statement('prod', 'apigateway.amazonaws.com', `${api}/prod/POST/orders`);
    const anyStage = statement('any', 'apigateway.amazonaws.com', `${api}/*/*/orders`);
    const otherRoute = statement('other', 'apigateway.amazonaws.com', `${api}/*/GET/users`);
    const otherApi = statement(
      'api',
      'apigateway.amazonaws.com',
      'arn:aws:execute-api:eu-west-1:123456789012:zzz/*/*/*',
    );
    const everyApi = statement(
      'all',
      'apigateway.amazonaws.com',
      'arn:aws:execute-api:eu-west-1:123456789012:*',
    );
    const fn = fnWith(prod, anyStage, otherRoute, otherApi, everyApi);
    // Act
    const permissions = permissionsForExecuteApi(fn, api, ['POST/orders']);
    // Assess
    expect(permissions).toEqual([prod, anyStage, everyApi]);
  });
});

describe('functionArnInUri', () => {
  it('extracts the function of an API Gateway invocation URI and passes a bare ARN through', () => {
    const uri = `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${ARN}:live/invocations`;
    expect(functionArnInUri(uri)).toBe(`${ARN}:live`);
    expect(functionArnInUri(ARN)).toBe(ARN);
    expect(functionArnInUri(undefined)).toBeUndefined();
  });
});
