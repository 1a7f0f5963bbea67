//! The statuses the C ABI returns (as `-code`, `ok = 0`), and the Zig error set that the
//! concept files use. lib.zig maps one to the other with an exhaustive switch, so adding
//! an error without a status (or the reverse) fails to compile.
const std = @import("std");

/// Exactly the table in ABI.md. Never renumber: the TypeScript side matches on numbers.
pub const Status = enum(c_int) {
    ok = 0,
    invalid_argument = 1,
    not_found = 2,
    already_exists = 3,
    insecure = 4,
    not_a_heap = 5,
    version_mismatch = 6,
    layout_mismatch = 7,
    truncated = 8,
    corrupt = 9,
    heap_full = 10,
    no_space = 11,
    io_error = 12,
    no_free_slot = 13,
    bad_handle = 14,
    too_many_handles = 15,
    symlink = 16,
    busy = 17,
    path_too_long = 18,
    lock_timeout = 19,

    /// The value an `i32` result carries for this status.
    pub fn negative(status: Status) i32 {
        std.debug.assert(status != .ok);
        return -@as(i32, @intFromEnum(status));
    }
};

/// Every failure a concept file can report. One error per non-ok status.
pub const Error = error{
    InvalidArgument,
    NotFound,
    AlreadyExists,
    Insecure,
    NotAHeap,
    VersionMismatch,
    LayoutMismatch,
    Truncated,
    Corrupt,
    HeapFull,
    NoSpace,
    IoError,
    NoFreeSlot,
    BadHandle,
    TooManyHandles,
    Symlink,
    Busy,
    PathTooLong,
    LockTimeout,
};

test "status codes match ABI.md" {
    try std.testing.expectEqual(@as(c_int, 0), @intFromEnum(Status.ok));
    try std.testing.expectEqual(@as(c_int, 9), @intFromEnum(Status.corrupt));
    try std.testing.expectEqual(@as(c_int, 18), @intFromEnum(Status.path_too_long));
    try std.testing.expectEqual(@as(i32, -14), Status.bad_handle.negative());
    // One error per non-ok status.
    try std.testing.expectEqual(
        @typeInfo(Status).@"enum".fields.len - 1,
        @typeInfo(Error).error_set.?.len,
    );
}
