// One benchmark backend in a process of its own, in memory, on 127.0.0.1 only (a free port):
// `node serve.mjs fauxqs|dynalite|kinesalite`. Prints one JSON line {"endpoint", "pid"} on stdout
// once it listens, and exits on SIGTERM, SIGINT or when stdin closes (so it never outlives the
// process that started it). fauxqs needs Node >= 22.5 (node:sqlite); bench/lib/backends.ts starts
// this script with the node@22 devDependency's binary.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const name = process.argv[2];

async function start() {
  if (name === 'fauxqs') {
    // startFauxqs() listens on 0.0.0.0 whatever its host option says: build the app and bind loopback.
    const { buildApp } = await import('fauxqs');
    const app = buildApp({ logger: false });
    const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
    return { endpoint, close: () => app.close() };
  }
  const factories = {
    // No `path`: in memory (memory-level / memdown), so neither native LevelDB binding is needed.
    dynalite: () => require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }),
    kinesalite: () =>
      require('kinesalite')({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 200 }),
  };
  const factory = factories[name];
  if (!factory) throw new Error(`unknown backend "${name}" (fauxqs, dynalite or kinesalite)`);
  const server = factory();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const { endpoint, close } = await start();
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  const hard = setTimeout(() => process.exit(0), 2000);
  hard.unref();
  close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ endpoint, pid: process.pid })}\n`);
