/**
 * An offline CloudFormation resolver for the packaged template: Ref, Fn::GetAtt, Fn::Join, Fn::Sub,
 * Fn::If and the condition functions, Fn::Split, Fn::Select, pseudo parameters, AWS::NoValue, and
 * resources whose Condition is false left out — what CloudFormation would hand IAM. Physical names
 * are the ones the template gives, or `<stack>-<LogicalId>-generated` as CloudFormation makes them up.
 * Anything it does not know (an intrinsic, a resource type's Ref or attribute) throws with its path,
 * so a template change never slips through unresolved.
 */

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON.
export type Cfn = any;

export interface Deployment {
  account: string;
  region: string;
  stackName: string;
  partition?: string;
}

export interface ResolvedResource {
  Type: string;
  Properties: Cfn;
  /** What `Ref` gives for it (a name, ARN or URL, per type). */
  ref: string;
  /** Its ARN, for the types that have one. */
  arn?: string;
}

const NO_VALUE = Symbol('AWS::NoValue');

interface TypeRules {
  /** The property that names it, when the template may set the name. */
  nameProperty?: string;
  ref: (name: string, env: Required<Deployment>, properties: Cfn) => string;
  attributes: Record<string, (name: string, env: Required<Deployment>, properties: Cfn) => string>;
}

const arnIn = (env: Required<Deployment>, service: string, rest: string) =>
  `arn:${env.partition}:${service}:${env.region}:${env.account}:${rest}`;
const queueUrl = (name: string, env: Required<Deployment>) =>
  `https://sqs.${env.region}.amazonaws.com/${env.account}/${name}`;

const TYPES: Record<string, TypeRules> = {
  'AWS::S3::Bucket': {
    nameProperty: 'BucketName',
    ref: (name) => name,
    attributes: { Arn: (name, env) => `arn:${env.partition}:s3:::${name}` },
  },
  'AWS::IAM::Role': {
    nameProperty: 'RoleName',
    ref: (name) => name,
    attributes: {
      Arn: (name, env, properties) =>
        `arn:${env.partition}:iam::${env.account}:role${properties.Path ?? '/'}${name}`,
    },
  },
  'AWS::IAM::Policy': { nameProperty: 'PolicyName', ref: (name) => name, attributes: {} },
  'AWS::KMS::Key': {
    ref: (name) => name,
    attributes: { Arn: (name, env) => arnIn(env, 'kms', `key/${name}`), KeyId: (name) => name },
  },
  'AWS::KMS::Alias': { nameProperty: 'AliasName', ref: (name) => name, attributes: {} },
  'AWS::SQS::Queue': {
    nameProperty: 'QueueName',
    ref: queueUrl,
    attributes: {
      Arn: (name, env) => arnIn(env, 'sqs', name),
      QueueName: (name) => name,
      QueueUrl: queueUrl,
    },
  },
  'AWS::SNS::Topic': {
    nameProperty: 'TopicName',
    ref: (name, env) => arnIn(env, 'sns', name),
    attributes: { TopicArn: (name, env) => arnIn(env, 'sns', name), TopicName: (name) => name },
  },
  'AWS::Lambda::Function': {
    nameProperty: 'FunctionName',
    ref: (name) => name,
    attributes: { Arn: (name, env) => arnIn(env, 'lambda', `function:${name}`) },
  },
  'AWS::Logs::LogGroup': {
    nameProperty: 'LogGroupName',
    ref: (name) => name,
    attributes: { Arn: (name, env) => arnIn(env, 'logs', `log-group:${name}:*`) },
  },
  'AWS::StepFunctions::StateMachine': {
    nameProperty: 'StateMachineName',
    ref: (name, env) => arnIn(env, 'states', `stateMachine:${name}`),
    attributes: {
      Arn: (name, env) => arnIn(env, 'states', `stateMachine:${name}`),
      Name: (name) => name,
    },
  },
  'AWS::Events::Rule': {
    nameProperty: 'Name',
    ref: (name) => name,
    attributes: { Arn: (name, env) => arnIn(env, 'events', `rule/${name}`) },
  },
  'AWS::Scheduler::Schedule': {
    nameProperty: 'Name',
    ref: (name) => name,
    attributes: {
      Arn: (name, env, properties) =>
        arnIn(env, 'scheduler', `schedule/${properties.GroupName ?? 'default'}/${name}`),
    },
  },
  'AWS::Scheduler::ScheduleGroup': {
    nameProperty: 'Name',
    ref: (name) => name,
    attributes: { Arn: (name, env) => arnIn(env, 'scheduler', `schedule-group/${name}`) },
  },
};

/** Resolves every resource of `template` (those whose Condition holds) as deployed by `deployment`. */
export function resolveTemplate(template: Cfn, deployment: Deployment): Record<string, ResolvedResource> {
  const env: Required<Deployment> = { partition: 'aws', ...deployment };
  const resources = (template.Resources ?? {}) as Record<string, Cfn>;
  const pseudo: Record<string, string> = {
    'AWS::AccountId': env.account,
    'AWS::Region': env.region,
    'AWS::Partition': env.partition,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': env.stackName,
    'AWS::StackId': arnIn(
      env,
      'cloudformation',
      `stack/${env.stackName}/00000000-0000-0000-0000-000000000000`,
    ),
  };
  const parameters = Object.fromEntries(
    Object.entries((template.Parameters ?? {}) as Record<string, Cfn>).map(([key, p]) => [key, p.Default]),
  );
  const conditions = new Map<string, boolean>();
  const condition = (name: string): boolean => {
    if (!conditions.has(name)) {
      const definition = template.Conditions?.[name];
      if (definition === undefined) throw new Error(`unknown condition ${name}`);
      conditions.set(name, Boolean(evaluate(definition, `Conditions.${name}`)));
    }
    return conditions.get(name) as boolean;
  };
  const rulesOf = (id: string, path: string): TypeRules => {
    const resource = resources[id];
    if (!resource) throw new Error(`${path}: no resource ${id}`);
    const rules = TYPES[resource.Type];
    if (!rules)
      throw new Error(
        `${path}: ${id} is a ${resource.Type}, whose Ref/attributes this resolver does not know`,
      );
    return rules;
  };
  const physicalName = (id: string, path: string): string => {
    const named = rulesOf(id, path).nameProperty;
    const given = named ? resources[id].Properties?.[named] : undefined;
    if (given !== undefined) return String(evaluate(given, `${path}.${named}`));
    const generated = `${env.stackName}-${id}-generated`;
    return resources[id].Type === 'AWS::S3::Bucket' ? generated.toLowerCase() : generated;
  };
  const getAtt = (id: string, attribute: string, path: string): string => {
    const rule = rulesOf(id, path).attributes[attribute];
    if (!rule) throw new Error(`${path}: Fn::GetAtt ${id}.${attribute} (${resources[id].Type}) is not known`);
    return rule(physicalName(id, path), env, resources[id].Properties ?? {});
  };
  const ref = (name: string, path: string): string | typeof NO_VALUE => {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in pseudo) return pseudo[name] as string;
    if (name in parameters) return parameters[name];
    return rulesOf(name, path).ref(physicalName(name, path), env, resources[name]?.Properties ?? {});
  };
  const substitute = (text: string, variables: Record<string, Cfn>, path: string): string =>
    text.replace(/\$\{(!?)([^}]+)\}/g, (_, literal: string, name: string) => {
      if (literal) return `\${${name}}`;
      if (name in variables) return String(variables[name]);
      if (name.includes('.') && !name.startsWith('AWS::')) {
        const [id, ...attribute] = name.split('.');
        return getAtt(id as string, attribute.join('.'), path);
      }
      return String(ref(name, path));
    });
  function evaluate(node: Cfn, path: string): Cfn {
    if (Array.isArray(node))
      return node
        .map((item, index) => evaluate(item, `${path}[${index}]`))
        .filter((item) => item !== NO_VALUE);
    if (!node || typeof node !== 'object') return node;
    const keys = Object.keys(node);
    const [key] = keys;
    if (
      keys.length === 1 &&
      key !== undefined &&
      (key === 'Ref' || key.startsWith('Fn::') || key === 'Condition')
    ) {
      const value = node[key];
      switch (key) {
        case 'Ref':
          return ref(value, path);
        case 'Fn::GetAtt': {
          const [id, attribute] = typeof value === 'string' ? value.split(/\.(.*)/) : evaluate(value, path);
          return getAtt(id, attribute, path);
        }
        case 'Fn::Join': {
          const [separator, list] = evaluate(value, path);
          return (list as unknown[]).join(separator);
        }
        case 'Fn::Sub':
          return typeof value === 'string'
            ? substitute(value, {}, path)
            : substitute(value[0], evaluate(value[1] ?? {}, path), path);
        case 'Fn::If':
          return condition(value[0]) ? evaluate(value[1], path) : evaluate(value[2], path);
        case 'Fn::Equals': {
          const [left, right] = evaluate(value, path);
          return JSON.stringify(left) === JSON.stringify(right);
        }
        case 'Fn::Not':
          return !evaluate(value[0], path);
        case 'Fn::And':
          return (evaluate(value, path) as unknown[]).every(Boolean);
        case 'Fn::Or':
          return (evaluate(value, path) as unknown[]).some(Boolean);
        case 'Fn::Split': {
          const [separator, text] = evaluate(value, path);
          return String(text).split(separator);
        }
        case 'Fn::Select': {
          const [index, list] = evaluate(value, path);
          return list[Number(index)];
        }
        case 'Fn::ToJsonString':
          return JSON.stringify(evaluate(value, path));
        case 'Condition':
          if (path.startsWith('Conditions')) return condition(value);
          break;
        default:
          throw new Error(`${path}: ${key} is not supported`);
      }
    }
    const result: Record<string, Cfn> = {};
    for (const [name, item] of Object.entries(node)) {
      const resolved = evaluate(item, `${path}.${name}`);
      if (resolved !== NO_VALUE) result[name] = resolved;
    }
    return result;
  }
  const resolved: Record<string, ResolvedResource> = {};
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Condition && !condition(resource.Condition)) continue;
    const rules = TYPES[resource.Type];
    resolved[id] = {
      Type: resource.Type,
      Properties: evaluate(resource.Properties ?? {}, `Resources.${id}.Properties`),
      ref: rules ? String(ref(id, id)) : id,
      arn: rules?.attributes.Arn ? getAtt(id, 'Arn', id) : undefined,
    };
  }
  return resolved;
}
