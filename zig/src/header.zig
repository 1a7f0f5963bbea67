//! The heap file's header (the first 4096 bytes) and slot table, exactly as ABI.md lays
//! them out, and the checks that decide whether a file is a heap this build can use.
const std = @import("std");
const builtin = @import("builtin");
const Error = @import("status.zig").Error;
const mutex_ = @import("mutex.zig");

const assert = std.debug.assert;

pub const magic: [8]u8 = "MPMHEAP1".*;
/// 5: a reset or removal retires the series' copies it leaves behind (word 0 of each set to
/// a reserved epoch, src/heap/epochs.ts), so writers may compare their copy's epoch with the
/// one they last published. 4: a shared gauge's copy holds two set slots behind a latch (src/metrics/gauge/shared.ts)
/// instead of one set under the copy's seqlock. 3: series cells are per-writer copies on lists in per-slot arenas (src/heap/cells.ts),
/// the slot table's reserved word is the slot's arena chunk, and directory records (the
/// layer above) carry a checksum of their immutable part; 2 held every slot's cells in
/// fixed stripes. 2: the heap lock is mutex.zig's own lock (1: a pthread mutex).
pub const format_version: u32 = 5;
pub const header_size_bytes: u32 = 4096;
/// Unclaimed slots cost only their 16-byte slot-table entry (cells are allocated by the
/// writers that touch a series), so the limit is set by hosts, not by memory: 4096 is a
/// 64-core host running 64 workers with dozens of worker threads each.
pub const writer_slots_limit: u32 = 4096;
/// Heap files stay below 4 GiB so that offsets cross the ABI as u32.
pub const size_max_limit_bytes: u64 = (1 << 32) - 4096;
pub const roots_count: u32 = 64;
pub const roots_offset: u32 = 256;
pub const slot_table_offset: u32 = 4096;
pub const lock_offset: u32 = 64;

pub const Header = extern struct {
    magic: [8]u8,
    format_version: u32,
    layout: u32,
    header_size_bytes: u32,
    writer_slots_max: u32,
    creator_pid: u32,
    /// Atomic: 1 + the highest slot index ever claimed.
    slots_high_water: u32,
    /// Atomic: bytes of the file that are allocated and valid to map. Only grows.
    size_bytes: u64,
    size_max_bytes: u64,
    /// Atomic: next free byte. Changed only under the mutex.
    alloc_cursor_bytes: u64,
    created_unix_ms: f64,
    /// The heap lock (mutex.zig), checked whole by `validate`.
    lock: mutex_.Lock,
    reserved_0: [128]u8,
    /// 64 words the layer above uses to find its structures. Zero at creation.
    roots: [roots_count]u32,
    reserved_1: [header_size_bytes - 512]u8,
};

pub const Slot = extern struct {
    pid: u32,
    claims: u32,
    /// 0 never claimed, 1 claimed at least once (liveness is the kernel lock).
    state: u32,
    reserved: u32,
};

comptime {
    assert(@sizeOf(Header) == header_size_bytes);
    assert(@alignOf(Header) == 8);
    assert(@offsetOf(Header, "magic") == 0);
    assert(@offsetOf(Header, "format_version") == 8);
    assert(@offsetOf(Header, "layout") == 12);
    assert(@offsetOf(Header, "header_size_bytes") == 16);
    assert(@offsetOf(Header, "writer_slots_max") == 20);
    assert(@offsetOf(Header, "creator_pid") == 24);
    assert(@offsetOf(Header, "slots_high_water") == 28);
    assert(@offsetOf(Header, "size_bytes") == 32);
    assert(@offsetOf(Header, "size_max_bytes") == 40);
    assert(@offsetOf(Header, "alloc_cursor_bytes") == 48);
    assert(@offsetOf(Header, "created_unix_ms") == 56);
    assert(@offsetOf(Header, "lock") == lock_offset);
    assert(@sizeOf(mutex_.Lock) == 64);
    assert(@offsetOf(Header, "reserved_0") == 128);
    assert(@offsetOf(Header, "roots") == roots_offset);
    assert(@offsetOf(Header, "reserved_1") == 512);
    assert(@sizeOf(Slot) == 16);
    assert(slot_table_offset == header_size_bytes);
}

/// Where allocations start: after the slot table, on a 4096-byte boundary.
pub fn dataStartBytes(writer_slots_max: u32) u64 {
    assert(writer_slots_max >= 1 and writer_slots_max <= writer_slots_limit);
    const table_end = @as(u64, slot_table_offset) + @as(u64, writer_slots_max) * @sizeOf(Slot);
    return std.mem.alignForward(u64, table_end, 4096);
}

/// The layout word: two heaps agree on it exactly when their processes can share the
/// lock and the pages (same lock size, page size, byte order and libc).
pub fn layoutWord(page_size_bytes: u64) u32 {
    assert(std.math.isPowerOfTwo(page_size_bytes));
    const libc_id: u32 = switch (builtin.os.tag) {
        .macos, .ios, .tvos, .watchos, .visionos => 3,
        else => if (builtin.abi.isMusl()) 2 else if (builtin.abi.isGnu()) 1 else 0,
    };
    const little: u32 = @intFromBool(builtin.cpu.arch.endian() == .little);
    const mutex_size: u32 = mutex_.lock_size_bytes;
    const page_log2: u32 = std.math.log2_int(u64, page_size_bytes);
    const word = mutex_size | (page_log2 << 8) | (little << 16) | (libc_id << 17);
    assert(word & 0xff == mutex_size);
    return word;
}

pub fn slotAt(base: [*]u8, slot: u32) *Slot {
    assert(slot < writer_slots_limit);
    const offset = slot_table_offset + slot * @sizeOf(Slot);
    return @ptrCast(@alignCast(base + offset));
}

/// Checks a header (a pread copy or the mapped one) against every invariant and returns
/// the size_bytes it read, for the caller to compare with the file's size afterwards
/// (`checkFileSize`). The order gives the most telling status first: a foreign file is
/// not_a_heap before anything else is looked at.
pub fn validate(header: *const Header, page_size_bytes: u64) Error!u64 {
    assert(std.math.isPowerOfTwo(page_size_bytes));
    if (!std.mem.eql(u8, &header.magic, &magic)) return error.NotAHeap;
    if (header.format_version != format_version) return error.VersionMismatch;
    if (header.layout != layoutWord(page_size_bytes)) return error.LayoutMismatch;
    if (header.header_size_bytes != header_size_bytes) return error.Corrupt;
    const slots = header.writer_slots_max;
    if (slots < 1 or slots > writer_slots_limit) return error.Corrupt;
    const size_max = header.size_max_bytes;
    if (size_max > size_max_limit_bytes or size_max % page_size_bytes != 0) return error.Corrupt;
    if (@atomicLoad(u32, &header.slots_high_water, .seq_cst) > slots) return error.Corrupt;
    // Every byte the lock uses, before anyone waits on it.
    try mutex_.check(&header.lock);
    // Nothing writes the reserved bytes after the lock: anything there is damage (a
    // foreign or overwritten header), found here rather than by the layer above.
    for (header.reserved_0) |byte| if (byte != 0) return error.Corrupt;
    // Cursor before size: size only grows and is stored before the cursor passes it, so
    // reading in this order never sees a cursor beyond a concurrently growing size.
    const cursor = @atomicLoad(u64, &header.alloc_cursor_bytes, .seq_cst);
    const size = @atomicLoad(u64, &header.size_bytes, .seq_cst);
    if (size % page_size_bytes != 0 or size > size_max) return error.Corrupt;
    if (cursor < dataStartBytes(slots) or cursor > size) return error.Corrupt;
    return size;
}

/// The file must hold every byte the header says is valid: mapping more would SIGBUS.
/// The file grows before size_bytes is stored, so an fstat taken after reading size_bytes
/// is never too small for a sound heap.
pub fn checkFileSize(file_size_bytes: u64, size_bytes: u64) Error!void {
    assert(size_bytes >= header_size_bytes);
    if (file_size_bytes < size_bytes) return error.Truncated;
}

/// Fills a header for a new heap, its lock free.
pub fn init(
    header: *Header,
    writer_slots_max: u32,
    size_bytes: u64,
    size_max_bytes: u64,
    page_size_bytes: u64,
    creator_pid: u32,
) void {
    assert(size_bytes % page_size_bytes == 0 and size_max_bytes % page_size_bytes == 0);
    assert(dataStartBytes(writer_slots_max) <= size_bytes and size_bytes <= size_max_bytes);
    header.* = std.mem.zeroes(Header);
    header.magic = magic;
    header.format_version = format_version;
    header.layout = layoutWord(page_size_bytes);
    header.header_size_bytes = header_size_bytes;
    header.writer_slots_max = writer_slots_max;
    header.creator_pid = creator_pid;
    header.size_bytes = size_bytes;
    header.size_max_bytes = size_max_bytes;
    header.alloc_cursor_bytes = dataStartBytes(writer_slots_max);
    header.created_unix_ms = @floatFromInt(std.time.milliTimestamp());
    mutex_.init(&header.lock);
}

const testing = std.testing;

test "data starts after the slot table on a 4096 boundary" {
    try testing.expectEqual(@as(u64, 8192), dataStartBytes(1));
    try testing.expectEqual(@as(u64, 8192), dataStartBytes(256));
    try testing.expectEqual(@as(u64, 4096 + 65536), dataStartBytes(4096));
}

test "layout word records lock size, page size, endianness and libc" {
    const word = layoutWord(4096);
    try testing.expectEqual(@as(u32, 64), word & 0xff);
    try testing.expectEqual(@as(u32, 12), (word >> 8) & 0xff);
    if (builtin.os.tag == .linux and builtin.abi.isGnu()) {
        try testing.expectEqual(@as(u32, 1), (word >> 17) & 0x7);
    }
}

test "validate reports the most telling status" {
    var header: Header = undefined;
    init(&header, 16, 16384, 1 << 20, 4096, 1);
    try testing.expectEqual(@as(u64, 16384), try validate(&header, 4096));
    try checkFileSize(16384, 16384);
    try testing.expectError(error.Truncated, checkFileSize(8192, 16384));
    header.alloc_cursor_bytes = 16384 + 8;
    try testing.expectError(error.Corrupt, validate(&header, 4096));
    header.layout +%= 1;
    try testing.expectError(error.LayoutMismatch, validate(&header, 4096));
    header.format_version = 1;
    try testing.expectError(error.VersionMismatch, validate(&header, 4096));
    header.format_version = format_version;
    header.layout -%= 1;
    header.alloc_cursor_bytes = 16384;
    header.reserved_0[100] = 1;
    try testing.expectError(error.Corrupt, validate(&header, 4096));
    header.reserved_0[100] = 0;
    try testing.expectEqual(@as(u64, 16384), try validate(&header, 4096));
    header.magic[0] = 'X';
    try testing.expectError(error.NotAHeap, validate(&header, 4096));
}
