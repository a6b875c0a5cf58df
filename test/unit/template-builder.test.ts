import { describe, expect, it } from '@jest/globals';
import { toSam } from '../../src/export/sam.js';
import { getAtt, ref, TemplateBuilder } from '../../src/reconcile/template.js';

type Rendered = {
  Resources: Record<string, { Properties: { Code?: { S3Key: unknown } } }>;
  Outputs?: unknown;
  Parameters: Record<string, { Default?: string }>;
};

const builder = () =>
  new TemplateBuilder({
    sourceRegion: 'eu-west-1',
    sourceAccount: '123456789012',
    code: { bucket: 'packages', keyPrefix: 'blobs/' },
    stages: 2,
  });

describe('template builder', () => {
  it('renders each stage with its staged values and versions, and the final template with everything', () => {
    // Prepare
    const template = builder();
    const code = template.staged([template.code('aa'), template.code('bb')], template.code('cc'));
    template.resource('Fn', {
      Type: 'AWS::Lambda::Function',
      Properties: { FunctionName: template.name('fn'), Code: code },
    });
    template.resource(
      'V1',
      { Type: 'AWS::Lambda::Version', Properties: { FunctionName: ref('Fn') } },
      { from: 1 },
    );
    template.resource(
      'V2',
      { Type: 'AWS::Lambda::Version', Properties: { FunctionName: ref('Fn') }, DependsOn: ['V1'] },
      { from: 2 },
    );
    template.resource(
      'Alias',
      { Type: 'AWS::Lambda::Alias', Properties: { FunctionVersion: getAtt('V2', 'Version') } },
      { finalOnly: true },
    );
    template.output('FnArn', getAtt('Fn', 'Arn'), 'ARN');
    // Act
    const [one, two, final] = [template.render(1), template.render(2), template.render()] as unknown as [
      Rendered,
      Rendered,
      Rendered,
    ];
    // Assess
    const key = (rendered: Rendered) => rendered.Resources.Fn?.Properties.Code?.S3Key;
    expect([key(one), key(two), key(final)]).toEqual(
      ['aa', 'bb', 'cc'].map((sha) => ({ 'Fn::Join': ['', [{ Ref: 'CodeKeyPrefix' }, sha]] })),
    );
    expect(Object.keys(one.Resources)).toEqual(['Fn', 'V1']);
    expect(Object.keys(two.Resources)).toEqual(['Fn', 'V1', 'V2']);
    expect(Object.keys(final.Resources)).toEqual(['Fn', 'V1', 'V2', 'Alias']);
    expect(one.Outputs).toBeUndefined();
    expect(final.Outputs).toEqual({ FnArn: { Value: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Description: 'ARN' } });
    expect(Object.keys(final.Parameters).sort()).toEqual(['CodeBucket', 'CodeKeyPrefix', 'NameSuffix']);
    expect(final.Parameters.CodeBucket?.Default).toBe('packages');
    expect([...template.blobs].sort()).toEqual(['aa', 'bb', 'cc']);
  });

  it('makes one parameter per source and unique logical ids', () => {
    // Prepare
    const template = builder();
    // Act
    const first = template.source('arn:aws:sqs:eu-west-1:123456789012:jobs', 'queue', 'queue jobs');
    const again = template.source('arn:aws:sqs:eu-west-1:123456789012:jobs', 'queue', 'queue jobs');
    const other = template.source('arn:aws:sqs:eu-west-1:123456789012:jobs-2', 'queue', 'queue jobs');
    const ids = [template.logicalId('function', 'orders-api'), template.logicalId('function', 'orders_api')];
    // Assess
    expect(first).toEqual(again);
    expect(other).toEqual({ Ref: 'QueueJobs2' });
    expect(ids).toEqual(['FunctionOrdersApi', 'FunctionOrdersApi2']);
  });
});

describe('SAM form', () => {
  it('turns functions and layers into Serverless resources with SAM property names, and keeps the rest', () => {
    // Prepare
    const template = {
      AWSTemplateFormatVersion: '2010-09-09',
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            FunctionName: 'fn',
            Code: { S3Bucket: { Ref: 'CodeBucket' }, S3Key: 'k' },
            TracingConfig: { Mode: 'Active' },
            Tags: [{ Key: 'team', Value: 'a' }],
            DeadLetterConfig: { TargetArn: 'arn:aws:sns:eu-west-1:1:t' },
          },
        },
        Layer: {
          Type: 'AWS::Lambda::LayerVersion',
          Properties: { LayerName: 'l', Content: { S3Bucket: 'b', S3Key: 'k2' } },
        },
        Rule: { Type: 'AWS::Events::Rule', Properties: { Name: 'r' } },
      },
    };
    // Act
    const sam = toSam(template) as { Transform: string; Resources: Record<string, unknown> };
    // Assess
    expect(sam.Transform).toBe('AWS::Serverless-2016-10-31');
    expect(sam.Resources).toEqual({
      Fn: {
        Type: 'AWS::Serverless::Function',
        Properties: {
          FunctionName: 'fn',
          CodeUri: { Bucket: { Ref: 'CodeBucket' }, Key: 'k' },
          Tracing: 'Active',
          Tags: { team: 'a' },
          DeadLetterQueue: { Type: 'SNS', TargetArn: 'arn:aws:sns:eu-west-1:1:t' },
        },
      },
      Layer: {
        Type: 'AWS::Serverless::LayerVersion',
        Properties: { LayerName: 'l', ContentUri: { Bucket: 'b', Key: 'k2' }, RetentionPolicy: 'Retain' },
      },
      Rule: { Type: 'AWS::Events::Rule', Properties: { Name: 'r' } },
    });
  });
});
