import { spawnSync } from 'node:child_process';

/**
 * Creates functions with boto3 (Python), a client that shares no code with triggervault, so tests
 * prove discovery does not depend on how our own seeding created things. boto3 ships with moto.
 */
export function createFunctionsWithBoto3(region: string, names: string[], roleArn: string): void {
  const script = `
import io, sys, zipfile, boto3
region, role, names = sys.argv[1], sys.argv[2], sys.argv[3:]
client = boto3.client("lambda", region_name=region)
for name in names:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("main.py", f"def handler(event, context):\\n    return '{name}'\\n")
    client.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="main.handler",
                           Code={"ZipFile": buffer.getvalue()}, Tags={"created-by": "boto3"})
`;
  const result = spawnSync('python3', ['-c', script, region, roleArn, ...names], {
    env: { ...process.env, AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`boto3 failed: ${result.stderr}`);
}
