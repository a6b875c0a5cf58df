// serverless.yml reads the generated stack as ${file(./deploy/stack.cjs):<part>}: osls require()s
// this file and awaits the function it exports. The generator is TypeScript (deploy/stack.ts, which
// shares the handler table with the code); tsx loads it. Built once per osls run.
// `functions` is resolved before the deployment's params are: the parts that depend on them
// (roles' PassRole statements, policy schedules) come from deploy/stack-resources.cjs.
let stack;
module.exports = () => {
  stack ??= import('tsx/esm/api')
    .then(({ tsImport }) => tsImport('./stack.ts', __filename))
    .then((generator) => generator.buildStack());
  return stack;
};
