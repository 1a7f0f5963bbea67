/**
 * Fixed positions in the heap file that the TypeScript layers share with every other
 * attached process. The native header (bytes 0-4095, zig/ABI.md) gives this layer 64
 * `u32` root words at byte 256; their meaning is defined here and nowhere else.
 *
 * @module
 */

/** Byte offset of the root words in the header. */
export const rootsOffsetBytes = 256;
/** Byte offset of `writer_slots_max` (u32) in the header. */
export const writerSlotsMaxOffsetBytes = 20;
/** Byte offset of `slots_high_water` (u32, atomic) in the header. */
export const slotsHighWaterOffsetBytes = 28;
/** Byte offset of the slot table; 16 bytes per slot: pid, claims, state, arena chunk (arena.ts). */
export const slotTableOffsetBytes = 4096;
/** Bytes per slot-table entry. */
export const slotEntryBytes = 16;

/** Indexes of the root words. */
export const Root = {
  /** Offset of the directory's newest generation: its header, then its buckets (0 until the first insert; directory.ts). */
  directoryTable: 0,
  /** Buckets of that generation (a power of two; informational). */
  directoryBuckets: 1,
  // Words 2 and 3 held format 2's shared cell chunk; cells are now in per-slot arenas
  // (arena.ts, whose chunk is in the slot table's reserved word).
  /** Number of metric records (informational; raised after publication). */
  metricCount: 4,
  /** Offset of the table of undo areas, one u32 offset per writer slot (0 until the first is made; undo_log.ts). */
  undoLogs: 16,
} as const;

/** Byte offset of `size_bytes` (u64, atomic) in the header: bytes of the file allocated and valid to map. */
export const sizeBytesOffsetBytes = 32;
/** Byte offset of `size_max_bytes` (u64) in the header. */
export const sizeMaxBytesOffsetBytes = 40;
/** Byte offset of `alloc_cursor_bytes` (u64, atomic) in the header: the next free byte. */
export const allocCursorOffsetBytes = 48;
