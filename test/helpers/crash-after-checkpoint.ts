/**
 * Test-only preload for the crash/resume test: `node --import tsx --import <this file> src/cli/main.ts …`.
 * The process kills itself (SIGKILL: no exit handlers, no flushing, like a lost machine) right after the
 * store has written its first checkpoint of an unfinished item, an item result with status "running".
 * The crash point is decided inside the process, so nothing races the writer.
 */
import { BackupStore } from '../../src/store/store.js';

/** Where item results live: `runs/<runId>/items/<region>/<kind>/<name>.json` (src/store/layout.ts). */
const ITEM_RESULT = /^runs\/[^/]+\/items\//;

const putJson = BackupStore.prototype.putJson;
BackupStore.prototype.putJson = async function (this: BackupStore, key: string, value: unknown) {
  const written = await putJson.call(this, key, value);
  if (ITEM_RESULT.test(key) && (value as { status?: unknown }).status === 'running') {
    process.kill(process.pid, 'SIGKILL');
  }
  return written;
};
