/**
 * Preloaded into a berth child by bench:idle (`--require dist/bench/lib/memory-probe.js`): tracks
 * every WebAssembly.Memory the process creates (weakly, so it changes nothing about their lifetime).
 * On SIGUSR2 it appends one JSON line to $BENCH_MEMORY_PROBE_OUT with process.memoryUsage(), V8
 * heap spaces and the live WebAssembly memories; on SIGWINCH, when the child runs with --expose-gc,
 * it forces full collections first and labels the line "after-gc", showing what was only waiting
 * for the collector. Two signals, so that a reading does not disturb the idle process it reads.
 */
import { appendFileSync } from 'node:fs';
import * as v8 from 'node:v8';

/** The slice of the WebAssembly global used here (the project's lib settings do not declare it). */
interface WasmMemory {
  buffer: ArrayBuffer;
}
interface WasmGlobal {
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
}
const wasmGlobal = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

const out = process.env.BENCH_MEMORY_PROBE_OUT;
const memories: { ref: WeakRef<WasmMemory>; initialPages: number; maximumPages?: number }[] = [];

const Original = wasmGlobal.Memory;
wasmGlobal.Memory = new Proxy(Original, {
  construct(target, args: [{ initial: number; maximum?: number }]) {
    const memory = Reflect.construct(target, args) as WasmMemory;
    memories.push({ ref: new WeakRef(memory), initialPages: args[0]?.initial ?? 0, maximumPages: args[0]?.maximum });
    return memory;
  },
});

function snapshot(label: string): object {
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
  return {
    label,
    at: Date.now(),
    memoryUsage: process.memoryUsage(),
    heapSpacesUsed: spaces,
    wasmMemories: memories.map((m) => {
      const live = m.ref.deref();
      return { initialBytes: m.initialPages * 65536, maximumBytes: m.maximumPages !== undefined ? m.maximumPages * 65536 : null, liveBytes: live ? live.buffer.byteLength : null };
    }),
  };
}

if (out) {
  process.on('SIGUSR2', () => appendFileSync(out, `${JSON.stringify(snapshot('idle'))}\n`));
  process.on('SIGWINCH', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) return;
    gc();
    // Let finalizers and freed WebAssembly memories go before measuring again.
    setTimeout(() => {
      gc();
      appendFileSync(out, `${JSON.stringify(snapshot('after-gc'))}\n`);
    }, 500);
  });
}
