/**
 * Loading onnxruntime-web inside Cloudflare workerd, which forbids compiling WebAssembly from bytes
 * ("Wasm code generation disallowed by embedder"). The Worker imports the ORT `.wasm` as a compiled
 * module (wrangler rule `CompiledWasm`); ORT is told its binary is a small placeholder buffer, and
 * `WebAssembly.instantiate(buffer, imports)` is answered with that module instead.
 */

let installedModule: WebAssembly.Module | undefined;

/** A placeholder for `env.wasm.wasmBinary`: ORT then skips fetching and hands it to instantiate. */
export const PLACEHOLDER_WASM_BINARY = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);

/** Wraps WebAssembly.instantiate so byte sources instantiate `module` (once per isolate). */
export function installCompiledWasmShim(module: WebAssembly.Module): void {
  if (installedModule === module) return;
  if (installedModule !== undefined) {
    throw new Error('a different compiled ORT module is already installed in this isolate');
  }
  installedModule = module;
  const original = WebAssembly.instantiate.bind(WebAssembly) as (
    source: BufferSource | WebAssembly.Module,
    imports?: WebAssembly.Imports,
  ) => Promise<WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource>;
  const shimmed = async (source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) => {
    if (source instanceof WebAssembly.Module) return original(source, imports);
    const instance = (await original(module, imports)) as WebAssembly.Instance;
    return { instance, module };
  };
  (WebAssembly as { instantiate: unknown }).instantiate = shimmed;
}
