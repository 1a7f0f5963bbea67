/**
 * Barriers for code that reads or writes heap memory other processes write or read.
 *
 * The heap's ArrayBuffer is an FFI mapping, not a SharedArrayBuffer, so an engine may
 * compile `Atomics` on it as plain accesses, which order nothing for its JIT. An
 * `Atomics` operation on a real SharedArrayBuffer is a barrier for the JIT of every
 * engine (no load or store is moved across it) and, for `Atomics.add`, for the CPU too.
 * On x86-64 the CPU keeps loads in order and stores in order by itself, so a load barrier
 * only has to stop the JIT: `Atomics.load`, a plain move on V8 and a locked add on JSC.
 *
 * @module
 */

const barrierWord = new Int32Array(new SharedArrayBuffer(8));

/**
 * Keeps the loads before it before the loads after it, in the JIT (and in the CPU where
 * the engine's atomic load orders the CPU: every engine on ARM, where it is an acquire).
 *
 * @example
 * ```ts
 * const before = Atomics.load(heap.i32, sequenceWord);
 * loadBarrier();
 * const value = heap.f64[cell]; // read after `before`, whatever the JIT does
 * ```
 */
export function loadBarrier(): void {
  Atomics.load(barrierWord, 0);
}

/**
 * A full barrier (`Atomics.add` of a real SharedArrayBuffer): no load or store crosses it,
 * in the JIT or the CPU. For stores that must be seen in order where plain stores are not
 * (`host.plainStoresOrdered` false).
 *
 * @example
 * ```ts
 * f64[first] = stamp;
 * fullBarrier();
 * f64[value] = v;
 * ```
 */
export function fullBarrier(): void {
  Atomics.add(barrierWord, 1, 0);
}
