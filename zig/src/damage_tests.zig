//! Regression tests for what the libFuzzer target (zig/fuzz/harness.c) found: a header
//! damaged after attach (by another process or a stray write into the shared mapping)
//! made the library fail its own assertions (an abort of the whole process) or hand out
//! the header as an allocation. Each now ends in `corrupt`, and the heap works again once
//! the header is repaired. Through the C ABI, on real files, as tests.zig.
const std = @import("std");
const lib = @import("lib.zig");
const t = @import("tests.zig");

const testing = std.testing;
const mib: f64 = 1024 * 1024;

test "a slot count damaged after attach: close releases every lock (unlockAll asserted its range)" {
    try t.requireOfdLocks();
    const dir = try t.TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "slots-max.mpm");
    const first = try t.create(path, 0, 4 * mib, 4);
    const second = try t.attach(path);
    try testing.expect(lib.mp_slot_claim(second) >= 0);
    for ([_]u32{ 0, 257, 0xffff_ffff }) |damaged| {
        t.headerOf(@intCast(first)).writer_slots_max = damaged;
        try testing.expectEqual(t.neg(.corrupt), lib.mp_heap_verify(first));
    }
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_close(second, 0));
    t.headerOf(@intCast(first)).writer_slots_max = 4;
    // The second handle's attach lock is gone, so the first is the last one out.
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(first, 1));
}

test "slots_high_water damaged after attach: claim is corrupt (record asserted it)" {
    const dir = try t.TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "high-water.mpm");
    const handle = try t.create(path, 0, 4 * mib, 4);
    const header = t.headerOf(@intCast(handle));
    header.slots_high_water = 5;
    try testing.expectEqual(t.neg(.corrupt), lib.mp_slot_claim(handle));
    try testing.expectEqual(t.neg(.corrupt), lib.mp_heap_verify(handle));
    header.slots_high_water = 0;
    try testing.expectEqual(@as(i32, 0), lib.mp_slot_claim(handle));
    try testing.expectEqual(@as(u32, 1), header.slots_high_water);
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(handle, 1));
}

test "a cursor or size damaged after attach: alloc is corrupt, never the header or an overflow" {
    const dir = try t.TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "cursor.mpm");
    const handle = try t.create(path, 0, 4 * mib, 4);
    const header = t.headerOf(@intCast(handle));
    const size = header.size_bytes;
    const cursor = header.alloc_cursor_bytes;
    const cursors = [_]u64{ 0, 4096, 8191, size + 8, std.math.maxInt(u64) - 7 };
    for (cursors) |damaged| {
        header.alloc_cursor_bytes = damaged;
        try testing.expectEqual(t.negFloat(.corrupt), lib.mp_heap_alloc(handle, 64, 8));
        try testing.expectEqual(@as(i32, 0), lib.mp_heap_lock(handle));
        try testing.expectEqual(t.negFloat(.corrupt), lib.mp_heap_alloc_locked(handle, 64, 8));
        try testing.expectEqual(@as(i32, 0), lib.mp_heap_unlock(handle));
        try testing.expectEqual(damaged, header.alloc_cursor_bytes);
    }
    header.alloc_cursor_bytes = cursor;
    // A size that is not a page multiple (grow asserted its result aligned) or past the maximum.
    for ([_]u64{ size + 8, 8 * 1024 * 1024, std.math.maxInt(u64) }) |damaged| {
        header.size_bytes = damaged;
        try testing.expectEqual(t.negFloat(.corrupt), lib.mp_heap_alloc(handle, 64, 8));
    }
    header.size_bytes = size;
    const offset = lib.mp_heap_alloc(handle, 64, 8);
    try testing.expectEqual(@as(f64, @floatFromInt(cursor)), offset);
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_verify(handle));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(handle, 1));
}
