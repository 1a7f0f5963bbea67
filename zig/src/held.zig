//! Which thread of this process holds the heap lock of which file. The heap lock knows
//! processes, not threads (mutex.zig): a thread that holds it through one handle and
//! takes it again through another handle of the same file would wait for itself until
//! the timeout. This table turns that into an immediate InvalidArgument, as the
//! error-checking mutex did before.
const std = @import("std");
const sys = @import("sys.zig");

const assert = std.debug.assert;

/// One entry per handle at most (handles.zig allows 64).
pub const entries_max: u32 = 64;

pub const FileId = struct {
    dev: u64,
    ino: u64,

    pub fn of(stat: sys.Stat) FileId {
        return .{ .dev = @intCast(stat.dev), .ino = @intCast(stat.ino) };
    }
};

const Entry = struct { file: FileId, thread: std.Thread.Id };

var table_mutex: std.Thread.Mutex = .{};
var entries: [entries_max]Entry = undefined;
var count: u32 = 0;

fn find(file: FileId, thread: std.Thread.Id) ?u32 {
    var index: u32 = 0;
    while (index < count) : (index += 1) {
        const entry = entries[index];
        if (entry.file.dev == file.dev and entry.file.ino == file.ino and entry.thread == thread) return index;
    }
    return null;
}

/// Whether `thread` holds the lock of `file` through some handle.
pub fn isHeld(file: FileId, thread: std.Thread.Id) bool {
    table_mutex.lock();
    defer table_mutex.unlock();
    assert(count <= entries_max);
    return find(file, thread) != null;
}

/// Records that `thread` took the lock of `file`. Each open handle holds the lock at most
/// once, so the table does not overflow; if it did, the record is skipped (a relock
/// through another handle would then wait until its timeout, not crash).
pub fn add(file: FileId, thread: std.Thread.Id) void {
    table_mutex.lock();
    defer table_mutex.unlock();
    if (count == entries_max) return;
    entries[count] = .{ .file = file, .thread = thread };
    count += 1;
}

/// Forgets one record of add(file, thread). The lock may be released from another thread
/// (a handle closed elsewhere), hence the explicit thread.
pub fn remove(file: FileId, thread: std.Thread.Id) void {
    table_mutex.lock();
    defer table_mutex.unlock();
    // Missing only after a skipped add, or two threads unlocking one handle at once.
    const index = find(file, thread) orelse return;
    assert(count >= 1);
    count -= 1;
    entries[index] = entries[count];
}

test "held records are per file and thread" {
    const file: FileId = .{ .dev = 1, .ino = 2 };
    const other: FileId = .{ .dev = 1, .ino = 3 };
    const self = std.Thread.getCurrentId();
    try std.testing.expect(!isHeld(file, self));
    add(file, self);
    try std.testing.expect(isHeld(file, self));
    try std.testing.expect(!isHeld(other, self));
    try std.testing.expect(!isHeld(file, self +% 1));
    remove(file, self);
    try std.testing.expect(!isHeld(file, self));
}
