// serverless.yml reads the generated stack as ${file(./deploy/stack.cjs):<part>}: osls require()s
// this file and awaits the function it exports, handing it resolveVariable (the deployment's params:
// passRoleArns, policyFile). The generator is TypeScript (deploy/stack.ts, which shares the handler
// table with the code); tsx loads it. Built once per osls run.
let stack;
module.exports = ({ resolveVariable }) => {
  stack ??= import('tsx/esm/api')
    .then(({ tsImport }) => tsImport('./stack.ts', __filename))
    .then(async (generator) => generator.buildStack(await generator.deploymentFrom(resolveVariable)));
  return stack;
};
