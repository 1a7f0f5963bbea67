//! Thin, bounded wrappers over the libc calls the heap needs. They call libc directly
//! (not std.posix) so that every errno becomes one of our statuses instead of an
//! `unreachable` in the standard library: the host process must never die because a
//! file system returned something unexpected.
const std = @import("std");
const builtin = @import("builtin");
const posix = std.posix;
const c = std.c;
const Error = @import("status.zig").Error;

const assert = std.debug.assert;

pub const fd_t = posix.fd_t;
pub const Stat = posix.Stat;
pub const cwd_fd: fd_t = posix.AT.FDCWD;

/// PATH_MAX on Linux; every path we keep fits in a buffer of this size with its NUL.
pub const path_max_bytes: u32 = 4096;

/// How often a call interrupted by a signal (EINTR) is retried before giving up.
const eintr_retries_max: u32 = 64;

extern "c" fn posix_fallocate(fd: fd_t, offset: c.off_t, len: c.off_t) c_int;
extern "c" fn sysconf(name: c_int) c_long;

fn errno(rc: anytype) posix.E {
    return posix.errno(rc);
}

/// The page size, known at compile time where the target allows only one.
pub fn pageSizeBytes() u64 {
    if (std.heap.page_size_min == std.heap.page_size_max) return std.heap.page_size_min;
    const size = sysconf(@intFromEnum(c._SC.PAGESIZE));
    assert(size >= std.heap.page_size_min);
    assert(std.math.isPowerOfTwo(size));
    return @intCast(size);
}

pub const OpenFlags = struct {
    create_exclusive: bool = false,
    directory: bool = false,
    /// Open a regular file for reading only (files of /proc refuse write access).
    read_only: bool = false,
};

/// openat() with O_NOFOLLOW|O_CLOEXEC always on. Regular files open read-write.
pub fn openAt(dir_fd: fd_t, path: [*:0]const u8, flags: OpenFlags, mode: u32) Error!fd_t {
    var o: posix.O = .{ .NOFOLLOW = true, .CLOEXEC = true };
    if (flags.directory) {
        o.DIRECTORY = true;
        o.ACCMODE = .RDONLY;
    } else if (flags.read_only) {
        o.ACCMODE = .RDONLY;
    } else {
        o.ACCMODE = .RDWR;
        // A FIFO must not block the open (it is then refused as not a regular file).
        // Regular-file I/O ignores O_NONBLOCK, so it can stay set.
        o.NONBLOCK = true;
    }
    if (flags.create_exclusive) {
        o.CREAT = true;
        o.EXCL = true;
    }
    var retries: u32 = 0;
    while (retries < eintr_retries_max) : (retries += 1) {
        const rc = c.openat(dir_fd, path, o, @as(c_uint, mode));
        switch (errno(rc)) {
            .SUCCESS => return rc,
            .INTR => continue,
            .NOENT => return error.NotFound,
            .LOOP, .MLINK => return error.Symlink,
            .EXIST => return error.AlreadyExists,
            .ACCES, .PERM, .ISDIR, .NXIO, .NODEV, .TXTBSY, .ROFS => return error.Insecure,
            .NOTDIR => return if (flags.directory) error.Insecure else error.NotFound,
            .NAMETOOLONG => return error.PathTooLong,
            else => return error.IoError,
        }
    }
    return error.IoError;
}

pub fn close(fd: fd_t) void {
    assert(fd >= 0);
    // Linux closes the descriptor even when close() reports EINTR: never retry.
    _ = c.close(fd);
}

pub fn fstat(fd: fd_t) Error!Stat {
    assert(fd >= 0);
    return posix.fstat(fd) catch error.IoError;
}

/// lstat() relative to dir_fd: null when nothing is at the path.
pub fn lstatAt(dir_fd: fd_t, path: [*:0]const u8) Error!?Stat {
    return posix.fstatatZ(dir_fd, path, posix.AT.SYMLINK_NOFOLLOW) catch |err| switch (err) {
        error.FileNotFound => null,
        error.NameTooLong => error.PathTooLong,
        error.AccessDenied, error.PermissionDenied => error.Insecure,
        else => error.IoError,
    };
}

/// Reads up to buffer.len bytes at offset; fewer only at the end of the file.
pub fn preadAll(fd: fd_t, buffer: []u8, offset: u64) Error!usize {
    assert(fd >= 0);
    var done: usize = 0;
    var retries: u32 = 0;
    // Each successful read makes progress, so buffer.len + retries bounds the loop.
    while (done < buffer.len and retries < eintr_retries_max) {
        const rc = c.pread(fd, buffer[done..].ptr, buffer.len - done, @intCast(offset + done));
        switch (errno(rc)) {
            .SUCCESS => {
                if (rc == 0) break;
                done += @intCast(rc);
            },
            .INTR => retries += 1,
            .ISDIR => return error.Insecure,
            else => return error.IoError,
        }
    }
    assert(done <= buffer.len);
    return done;
}

/// Allocates [offset, offset + length) of the file: it then reads as zeros and can never
/// SIGBUS. Grows the file size as needed; never shrinks it.
pub fn allocate(fd: fd_t, offset: u64, length: u64) Error!void {
    assert(length > 0);
    if (builtin.os.tag == .linux) {
        var retries: u32 = 0;
        while (retries < eintr_retries_max) : (retries += 1) {
            // posix_fallocate returns the error number itself, not -1 and errno.
            const rc = posix_fallocate(fd, @intCast(offset), @intCast(length));
            switch (@as(posix.E, @enumFromInt(rc))) {
                .SUCCESS => return,
                .INTR => continue,
                .NOSPC, .DQUOT, .FBIG => return error.NoSpace,
                else => return error.IoError,
            }
        }
        return error.IoError;
    }
    // No posix_fallocate elsewhere (macOS): extend the file size. Only grow.
    const stat = try fstat(fd);
    const end = offset + length;
    if (@as(u64, @intCast(stat.size)) >= end) return;
    switch (errno(c.ftruncate(fd, @intCast(end)))) {
        .SUCCESS => return,
        .NOSPC, .DQUOT, .FBIG => return error.NoSpace,
        else => return error.IoError,
    }
}

pub fn fchmod(fd: fd_t, mode: u32) Error!void {
    if (errno(c.fchmod(fd, @intCast(mode))) != .SUCCESS) return error.IoError;
}

/// link(): the atomic "publish if absent" step of heap creation.
pub fn link(old_path: [*:0]const u8, new_path: [*:0]const u8) Error!void {
    switch (errno(c.link(old_path, new_path))) {
        .SUCCESS => return,
        .EXIST => return error.AlreadyExists,
        .NOENT, .NOTDIR => return error.NotFound,
        .ACCES, .PERM => return error.Insecure,
        .NAMETOOLONG => return error.PathTooLong,
        .NOSPC, .DQUOT => return error.NoSpace,
        else => return error.IoError,
    }
}

pub fn unlinkAt(dir_fd: fd_t, path: [*:0]const u8) Error!void {
    switch (errno(c.unlinkat(dir_fd, path, 0))) {
        .SUCCESS => return,
        .NOENT => return error.NotFound,
        .ACCES, .PERM => return error.Insecure,
        else => return error.IoError,
    }
}

/// mkdir(); an existing entry is not an error (the caller checks what it is).
pub fn mkdirIfMissing(path: [*:0]const u8, mode: u32) Error!void {
    switch (errno(c.mkdir(path, @intCast(mode)))) {
        .SUCCESS, .EXIST => return,
        .NOENT, .NOTDIR => return error.NotFound,
        .ACCES, .PERM, .ROFS => return error.Insecure,
        .NAMETOOLONG => return error.PathTooLong,
        .NOSPC, .DQUOT => return error.NoSpace,
        else => return error.IoError,
    }
}

/// symlinkat(): a symbolic link named `name` in dir_fd whose content is `target`.
pub fn symlinkAt(target: [*:0]const u8, dir_fd: fd_t, name: [*:0]const u8) Error!void {
    switch (errno(c.symlinkat(target, dir_fd, name))) {
        .SUCCESS => return,
        .EXIST => return error.AlreadyExists,
        .NOENT, .NOTDIR => return error.NotFound,
        .ACCES, .PERM, .ROFS => return error.Insecure,
        .NAMETOOLONG => return error.PathTooLong,
        .NOSPC, .DQUOT => return error.NoSpace,
        else => return error.IoError,
    }
}

/// readlinkat(): the content of the symbolic link, or null when nothing or no symbolic
/// link is at the path. A content that fills the whole buffer may be cut: PathTooLong.
pub fn readLinkAt(dir_fd: fd_t, name: [*:0]const u8, buffer: []u8) Error!?[]const u8 {
    assert(buffer.len > 0);
    const rc = c.readlinkat(dir_fd, name, buffer.ptr, buffer.len);
    switch (errno(rc)) {
        .SUCCESS => {
            const length: usize = @intCast(rc);
            if (length >= buffer.len) return error.PathTooLong;
            return buffer[0..length];
        },
        .NOENT, .INVAL, .NOTDIR => return null,
        .ACCES, .PERM => return error.Insecure,
        .NAMETOOLONG => return error.PathTooLong,
        else => return error.IoError,
    }
}

/// mkdirat(); an existing entry is AlreadyExists (the caller checks what it is).
pub fn mkdirAt(dir_fd: fd_t, name: [*:0]const u8, mode: u32) Error!void {
    switch (errno(c.mkdirat(dir_fd, name, @intCast(mode)))) {
        .SUCCESS => return,
        .EXIST => return error.AlreadyExists,
        .NOENT, .NOTDIR => return error.NotFound,
        .ACCES, .PERM, .ROFS => return error.Insecure,
        .NAMETOOLONG => return error.PathTooLong,
        .NOSPC, .DQUOT => return error.NoSpace,
        else => return error.IoError,
    }
}

/// rmdir() of an empty folder in dir_fd; failures are the caller's to ignore.
pub fn rmdirAt(dir_fd: fd_t, name: [*:0]const u8) Error!void {
    if (errno(c.unlinkat(dir_fd, name, posix.AT.REMOVEDIR)) != .SUCCESS) return error.IoError;
}

pub fn geteuid() u32 {
    return @intCast(c.geteuid());
}

pub fn getpid() u32 {
    const pid = c.getpid();
    assert(pid > 0);
    return @intCast(pid);
}

pub fn randomBytes(buffer: []u8) void {
    // arc4random_buf or getrandom(2); neither fails for small buffers on supported systems.
    posix.getrandom(buffer) catch @panic("getrandom failed");
}

/// The file's owner is this user, its mode gives group and other nothing, and it is a
/// regular file (or, when want_directory, a directory).
pub fn isPrivate(stat: Stat, want_directory: bool) bool {
    const kind_ok = if (want_directory) posix.S.ISDIR(stat.mode) else posix.S.ISREG(stat.mode);
    return kind_ok and stat.uid == c.geteuid() and (stat.mode & 0o077) == 0;
}

pub fn sameFile(a: Stat, b: Stat) bool {
    return a.dev == b.dev and a.ino == b.ino;
}

test "page size is a power of two" {
    try std.testing.expect(std.math.isPowerOfTwo(pageSizeBytes()));
    try std.testing.expect(pageSizeBytes() >= 4096);
}
