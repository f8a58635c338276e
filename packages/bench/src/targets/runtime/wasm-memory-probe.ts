/**
 * Finds the WebAssembly memories a runtime creates, by wrapping WebAssembly.instantiate,
 * instantiateStreaming and the Instance constructor before the runtime loads: each instance's
 * exported memories and each Memory passed in as an import are remembered, and their current sizes
 * summed on demand. Install it once, first thing, in a process that measures one runtime.
 */

const memories = new Set<WebAssembly.Memory>();

function collect(instance: WebAssembly.Instance | undefined, imports: unknown): void {
  for (const value of Object.values(instance?.exports ?? {})) {
    if (value instanceof WebAssembly.Memory) memories.add(value);
  }
  if (imports && typeof imports === 'object') {
    for (const group of Object.values(imports as Record<string, unknown>)) {
      if (group && typeof group === 'object') {
        for (const value of Object.values(group as Record<string, unknown>)) {
          if (value instanceof WebAssembly.Memory) memories.add(value);
        }
      }
    }
  }
}

let installed = false;

/** Wraps the WebAssembly entry points so that memories are recorded (idempotent). */
export function installWasmMemoryProbe(): void {
  if (installed) return;
  installed = true;
  const wasm = WebAssembly as unknown as Record<string, unknown>;
  const instantiate = WebAssembly.instantiate;
  wasm['instantiate'] = async (source: unknown, imports?: WebAssembly.Imports) => {
    const result = await (instantiate as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>)(
      source,
      imports,
    );
    const instance =
      result instanceof WebAssembly.Instance
        ? result
        : (result as { instance?: WebAssembly.Instance }).instance;
    collect(instance, imports);
    return result;
  };
  const streaming = WebAssembly.instantiateStreaming;
  if (typeof streaming === 'function') {
    wasm['instantiateStreaming'] = async (
      source: Response | PromiseLike<Response>,
      imports?: WebAssembly.Imports,
    ) => {
      const result = await streaming(source, imports);
      collect(result.instance, imports);
      return result;
    };
  }
  const Instance = WebAssembly.Instance;
  const Probe = function (this: unknown, module: WebAssembly.Module, imports?: WebAssembly.Imports) {
    const instance = new Instance(module, imports);
    collect(instance, imports);
    return instance;
  } as unknown as typeof WebAssembly.Instance;
  Probe.prototype = Instance.prototype;
  wasm['Instance'] = Probe;
}

/** Bytes of every WebAssembly memory seen so far (undefined when none was seen). */
export function wasmMemoryBytes(): number | undefined {
  if (memories.size === 0) return undefined;
  let total = 0;
  for (const memory of memories) total += memory.buffer.byteLength;
  return total;
}
