// serverless.yml's generated resources: ${file(./deploy/stack-resources.cjs):resources}. Like
// deploy/stack.cjs, with the deployment's params (passRoleArns, policyFile) read through osls's
// resolveVariable. osls may call this before it can resolve params, and again once it can: nothing
// is cached across calls here, so the later call is not handed the earlier, unresolved attempt.
module.exports = async ({ resolveVariable }) => {
  const { tsImport } = await import('tsx/esm/api');
  const generator = await tsImport('./stack.ts', __filename);
  return generator.buildStack(await generator.deploymentFrom(resolveVariable));
};
