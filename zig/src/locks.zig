//! Kernel byte-range locks far beyond the file's data. On Linux they are
//! open-file-description (OFD) locks: owned by the open file, not the process, so every
//! handle (every isolate, thread or process) is its own owner, and the kernel drops them
//! when the owner's last descriptor closes or its process dies. That makes them the
//! liveness signal for writer slots and attachments. macOS lacks OFD locks and falls back
//! to classic per-process fcntl locks.
const std = @import("std");
const builtin = @import("builtin");
const c = std.c;
const posix = std.posix;
const Error = @import("status.zig").Error;
const header_ = @import("header.zig");

const assert = std.debug.assert;

/// Every attached handle holds a read lock on this byte.
pub const attach_lock_offset: u64 = 1 << 40;

/// The holder of slot i holds a write lock on this byte.
pub fn slotLockOffset(slot: u32) u64 {
    assert(slot < header_.writer_slots_limit);
    return attach_lock_offset + 1 + slot;
}

pub const ofd_supported = builtin.os.tag == .linux;
// <fcntl.h> F_OFD_GETLK / F_OFD_SETLK (Linux 3.15+); std does not define them.
const cmd_getlk: c_int = if (ofd_supported) 36 else c.F.GETLK;
const cmd_setlk: c_int = if (ofd_supported) 37 else c.F.SETLK;

pub const Kind = enum { read, write, unlock };

const eintr_retries_max: u32 = 64;

fn flockFor(kind: Kind, offset: u64) c.Flock {
    var lock = std.mem.zeroes(c.Flock);
    lock.type = switch (kind) {
        .read => c.F.RDLCK,
        .write => c.F.WRLCK,
        .unlock => c.F.UNLCK,
    };
    lock.whence = posix.SEEK.SET;
    lock.start = @intCast(offset);
    lock.len = 1;
    // OFD requests must carry pid 0 (zeroes above).
    assert(lock.pid == 0);
    return lock;
}

/// Takes (or converts, or drops) this open file's lock on one byte without waiting.
/// Returns false when another owner holds a conflicting lock.
pub fn trySet(fd: posix.fd_t, offset: u64, kind: Kind) Error!bool {
    assert(fd >= 0);
    assert(offset >= attach_lock_offset);
    var lock = flockFor(kind, offset);
    var retries: u32 = 0;
    while (retries < eintr_retries_max) : (retries += 1) {
        switch (posix.errno(c.fcntl(fd, cmd_setlk, &lock))) {
            .SUCCESS => return true,
            .AGAIN, .ACCES => return false,
            .INTR => continue,
            .NOLCK => return error.IoError,
            else => return error.IoError,
        }
    }
    return error.IoError;
}

/// Drops every lock this open file holds: the attach lock and any slot locks. Closing the
/// descriptor is not enough when the file stays mapped: the mapping keeps the open file
/// description, and with it its OFD locks, alive.
pub fn unlockAll(fd: posix.fd_t, slots_max: u32) Error!void {
    assert(fd >= 0);
    assert(slots_max >= 1 and slots_max <= header_.writer_slots_limit);
    var lock = flockFor(.unlock, attach_lock_offset);
    lock.len = 1 + @as(c.off_t, slots_max);
    var retries: u32 = 0;
    while (retries < eintr_retries_max) : (retries += 1) {
        switch (posix.errno(c.fcntl(fd, cmd_setlk, &lock))) {
            .SUCCESS => return,
            .INTR => continue,
            else => return error.IoError,
        }
    }
    return error.IoError;
}

/// Whether an owner other than this open file holds a lock on the byte that would
/// conflict with a write lock (a read or a write lock). The caller knows its own locks.
pub fn heldByOther(fd: posix.fd_t, offset: u64) Error!bool {
    assert(fd >= 0);
    assert(offset >= attach_lock_offset);
    var lock = flockFor(.write, offset);
    var retries: u32 = 0;
    while (retries < eintr_retries_max) : (retries += 1) {
        switch (posix.errno(c.fcntl(fd, cmd_getlk, &lock))) {
            .SUCCESS => return lock.type != c.F.UNLCK,
            .INTR => continue,
            else => return error.IoError,
        }
    }
    return error.IoError;
}
