/**
 * The part of the WebAssembly JavaScript API the TreeSHAP walk uses (Node has it built in; the project's TypeScript
 * libraries are ES2023 and Node's, which leave it to lib.dom).
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
