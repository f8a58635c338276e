/**
 * The JavaScript heap of the Worker's isolate, read through the inspector `wrangler dev` exposes
 * (`--inspector-port`, through wrangler's inspector proxy, which wants an Origin on 127.0.0.1):
 * Chrome DevTools Protocol `HeapProfiler.takeHeapSnapshot` (optional: V8 collects garbage before
 * a snapshot; workerd has left `HeapProfiler.collectGarbage` unanswered) then `Runtime.getHeapUsage`.
 * This is the isolate's V8 heap (what counts against the 128 MB per isolate, with Wasm memories on
 * top), not workerd's resident memory. The CDP client needs a global WebSocket (Node 22+, or Node
 * 20 with --experimental-websocket); it runs in a child Node process, given that flag when this
 * process has no WebSocket, so the bench needs no flag of its own.
 */
import { execFile } from 'node:child_process';
import { BackendUnavailableError } from '@edgeml/core';
import type { IsolateHeapReading } from '../../report/types.js';

/** The isolate's V8 heap (bytes). */
export type IsolateHeap = IsolateHeapReading;

/**
 * The CDP exchange as plain JavaScript (the body of an async function of `port` and `collect`),
 * so that a child process without this package's sources can run it as it is.
 */
const READ_HEAP_SOURCE = `
  const targets = await (await fetch('http://127.0.0.1:' + port + '/json')).json();
  const url = targets[0] && targets[0].webSocketDebuggerUrl;
  if (!url) throw new Error('inspector on port ' + port + ' lists no target');
  // wrangler's inspector proxy wants an Origin on 127.0.0.1 (undici's WebSocket takes headers).
  const socket = new WebSocket(url, { headers: { origin: 'http://127.0.0.1' } });
  const pending = new Map();
  socket.addEventListener('message', (event) => {
    const answer = JSON.parse(String(event.data));
    if (answer.id !== undefined) pending.get(answer.id)?.(answer);
  });
  await new Promise((done, fail) => {
    socket.addEventListener('open', () => done(), { once: true });
    socket.addEventListener('error', () => fail(new Error('inspector at ' + url + ' refused the connection')), { once: true });
  });
  // Ids far from the ones wrangler's own inspector client uses (100000001, ...): the proxy shares
  // the runtime connection between its clients.
  let next = 1000000000 + Math.floor(Math.random() * 1000000000);
  const call = (method, timeoutMs, params) =>
    new Promise((done, fail) => {
      const id = next++;
      const timer = setTimeout(() => fail(new Error('inspector: ' + method + ' timed out')), timeoutMs);
      pending.set(id, (answer) => { clearTimeout(timer); done(answer); });
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    // workerd left HeapProfiler.collectGarbage unanswered in every probe; a heap snapshot makes
    // V8 collect garbage first, and answers once its chunks (ignored here) are sent.
    if (collect) {
      const snapshot = await call('HeapProfiler.takeHeapSnapshot', 60000, { reportProgress: false });
      if (snapshot.error) throw new Error('inspector: HeapProfiler.takeHeapSnapshot: ' + snapshot.error.message);
    }
    const { result, error } = await call('Runtime.getHeapUsage', 30000);
    if (error || !result || result.usedSize === undefined)
      throw new Error('inspector: ' + (error ? error.message : 'no heap usage'));
    return { usedBytes: result.usedSize, totalBytes: result.totalSize ?? 0, backingStorageBytes: result.backingStorageSize ?? 0 };
  } finally {
    socket.close();
  }
`;

/** How to run it where the heap cannot be read for want of a WebSocket. */
const HOW_TO_RUN =
  'the inspector client needs a global WebSocket: run on Node 22+, or on Node 20 with NODE_OPTIONS=--experimental-websocket';

/**
 * Reads the isolate's heap through the inspector on `port`, after a full GC when `collect`, from a
 * child Node process (`--experimental-websocket` where this Node has no global WebSocket). Throws
 * BACKEND_UNAVAILABLE, saying how to run it, when that child has no WebSocket either.
 */
export function readIsolateHeap(port: number, collect: boolean): Promise<IsolateHeap> {
  const hasWebSocket = typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'undefined';
  const script = `const read = async (port, collect) => {${READ_HEAP_SOURCE}};
if (typeof WebSocket === 'undefined') { console.error('no global WebSocket'); process.exit(3); }
// Exit at once: the proxy may leave the socket's closing handshake unanswered.
read(${port}, ${collect}).then((heap) => { console.log(JSON.stringify(heap)); process.exit(0); }, (error) => { console.error(error.message); process.exit(1); });`;
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [
        ...(hasWebSocket ? [] : ['--experimental-websocket']),
        '--no-warnings',
        '--input-type=module',
        '-e',
        script,
      ],
      { timeout: 120_000, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (!error) {
          done(JSON.parse(stdout) as IsolateHeap);
          return;
        }
        // Not error.message: it quotes the whole script.
        const how = error.killed
          ? `killed (${error.signal}) after 120 s`
          : `exit ${error.code ?? error.signal}`;
        const why = `${how}${String(stderr).trim() ? `: ${String(stderr).trim().slice(0, 500)}` : ''}`;
        if (error.code === 3 || /bad option/.test(why))
          fail(
            new BackendUnavailableError(
              'worker isolate heap (inspector)',
              `${HOW_TO_RUN} (a child node${hasWebSocket ? '' : ' --experimental-websocket'} answered: ${why})`,
            ),
          );
        else fail(new Error(`reading the isolate heap through the inspector on port ${port}: ${why}`));
      },
    );
  });
}
