// Entry of a campaign worker thread: a fuzzing worker (runs an engine, streams messages) or a
// minimization job (posts one outcome). Compiled to dist/; see thread-launcher.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { runMinimizeJob } from './minimize-job.js';
import { runWorker } from './worker-run.js';
import type { ThreadData } from './thread-launcher.js';

const port = parentPort;
if (port === null) throw new Error('worker-main.js runs only as a worker thread');
const data = workerData as ThreadData;
if (data.kind === 'fuzz') {
  await runWorker(data.spec, { clock: () => performance.now(), sink: (m) => port.postMessage(m) });
} else {
  port.postMessage(await runMinimizeJob(data.job));
}
