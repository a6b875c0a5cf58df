/**
 * The SAM form of an exported template: functions become AWS::Serverless::Function and layer versions
 * AWS::Serverless::LayerVersion, with SAM's property names (CodeUri, Tracing, map Tags,
 * DeadLetterQueue); every other resource stays plain CloudFormation, which SAM passes through. Refs and
 * Fn::GetAtt …Arn keep working: SAM resolves them to the function it generates.
 */

type Resource = { Type: string; Properties: Record<string, unknown> } & Record<string, unknown>;

/** The same keys under SAM's names, dropped when SAM has no such property. */
function samFunction(properties: Record<string, unknown>): Record<string, unknown> {
  const { Code, TracingConfig, Tags, DeadLetterConfig, ...rest } = properties as Record<string, unknown> & {
    Code?: { S3Bucket?: unknown; S3Key?: unknown; ImageUri?: unknown };
    TracingConfig?: { Mode?: string };
    Tags?: { Key: string; Value: string }[];
    DeadLetterConfig?: { TargetArn?: unknown };
  };
  const target = DeadLetterConfig?.TargetArn;
  return {
    ...rest,
    ...(Code?.ImageUri !== undefined
      ? { ImageUri: Code.ImageUri }
      : { CodeUri: { Bucket: Code?.S3Bucket, Key: Code?.S3Key } }),
    ...(TracingConfig?.Mode ? { Tracing: TracingConfig.Mode } : {}),
    ...(Tags?.length ? { Tags: Object.fromEntries(Tags.map((tag) => [tag.Key, tag.Value])) } : {}),
    ...(target !== undefined
      ? {
          DeadLetterQueue: {
            // SAM needs the type; a target that is a parameter is assumed to be a queue.
            Type: typeof target === 'string' && target.includes(':sns:') ? 'SNS' : 'SQS',
            TargetArn: target,
          },
        }
      : {}),
  };
}

function samLayer(properties: Record<string, unknown>): Record<string, unknown> {
  const { Content, ...rest } = properties as { Content?: { S3Bucket?: unknown; S3Key?: unknown } } & Record<
    string,
    unknown
  >;
  return {
    ...rest,
    ContentUri: { Bucket: Content?.S3Bucket, Key: Content?.S3Key },
    RetentionPolicy: 'Retain',
  };
}

export function toSam(template: Record<string, unknown>): Record<string, unknown> {
  const resources = Object.fromEntries(
    Object.entries((template.Resources ?? {}) as Record<string, Resource>).map(([id, resource]) => {
      if (resource.Type === 'AWS::Lambda::Function')
        return [
          id,
          { ...resource, Type: 'AWS::Serverless::Function', Properties: samFunction(resource.Properties) },
        ];
      if (resource.Type === 'AWS::Lambda::LayerVersion')
        return [
          id,
          { ...resource, Type: 'AWS::Serverless::LayerVersion', Properties: samLayer(resource.Properties) },
        ];
      return [id, resource];
    }),
  );
  const { AWSTemplateFormatVersion, ...rest } = template;
  return { AWSTemplateFormatVersion, Transform: 'AWS::Serverless-2016-10-31', ...rest, Resources: resources };
}
