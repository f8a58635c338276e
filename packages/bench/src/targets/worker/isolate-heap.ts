/**
 * The JavaScript heap of the Worker's isolate, read through the inspector `wrangler dev` exposes
 * (`--inspector-port`, through wrangler's inspector proxy, which wants an Origin on 127.0.0.1):
 * Chrome DevTools Protocol `HeapProfiler.collectGarbage` (optional) then `Runtime.getHeapUsage`. This is the isolate's V8 heap (what counts against the 128 MB per
 * isolate, with Wasm memories on top), not workerd's resident memory. Needs a global WebSocket
 * (Node 22+, or Node 20 with --experimental-websocket); undefined when there is none.
 */

/** The isolate's V8 heap (bytes). */
export interface IsolateHeap {
  /** Live JS objects (after the GC, when one was asked for). */
  readonly usedBytes: number;
  /** The heap V8 reserved. */
  readonly totalBytes: number;
  /** ArrayBuffer backing stores the isolate holds (Wasm memories among them, where V8 reports them). */
  readonly backingStorageBytes: number;
}

interface CdpAnswer {
  readonly id?: number;
  readonly result?: { usedSize?: number; totalSize?: number; backingStorageSize?: number };
  readonly error?: { message: string };
}

/** Reads the isolate's heap through the inspector on `port`, after a full GC when `collect`. */
export async function readIsolateHeap(port: number, collect: boolean): Promise<IsolateHeap | undefined> {
  const Socket = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
  if (!Socket) return undefined;
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
    webSocketDebuggerUrl?: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) return undefined;
  // wrangler's inspector proxy wants an Origin on 127.0.0.1 (undici's WebSocket takes headers).
  const socket = new (Socket as unknown as new (url: string, init: unknown) => WebSocket)(url, {
    headers: { origin: 'http://127.0.0.1' },
  });
  const pending = new Map<number, (answer: CdpAnswer) => void>();
  socket.addEventListener('message', (event) => {
    const answer = JSON.parse(String(event.data)) as CdpAnswer;
    if (answer.id !== undefined) pending.get(answer.id)?.(answer);
  });
  await new Promise<void>((done, fail) => {
    socket.addEventListener('open', () => done(), { once: true });
    socket.addEventListener('error', () => fail(new Error(`inspector at ${url} refused the connection`)), {
      once: true,
    });
  });
  // Ids far from the ones wrangler's own inspector client uses (100000001, ...): the proxy shares
  // the runtime connection between its clients.
  let next = 1_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
  const call = (method: string, timeoutMs = 30_000) =>
    new Promise<CdpAnswer>((done, fail) => {
      const id = next++;
      const timer = setTimeout(() => fail(new Error(`inspector: ${method} timed out`)), timeoutMs);
      pending.set(id, (answer) => {
        clearTimeout(timer);
        done(answer);
      });
      socket.send(JSON.stringify({ id, method }));
    });
  try {
    // A GC through the proxy has been seen to go unanswered: the heap is then read without one.
    if (collect) await call('HeapProfiler.collectGarbage', 10_000).catch(() => undefined);
    const { result, error } = await call('Runtime.getHeapUsage');
    if (error || result?.usedSize === undefined)
      throw new Error(`inspector: ${error?.message ?? 'no heap usage'}`);
    return {
      usedBytes: result.usedSize,
      totalBytes: result.totalSize ?? 0,
      backingStorageBytes: result.backingStorageSize ?? 0,
    };
  } finally {
    socket.close();
  }
}
