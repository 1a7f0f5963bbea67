//! Who a process is and who started it: its parent, its effective user and its start
//! time. The start time tells a process from a later one that reuses its pid, so
//! (pid, start time) names one process for as long as the machine runs.
//!
//! Linux reads /proc/<pid>/stat through a descriptor of /proc/<pid> (the directory pins
//! the process: if the pid is reused meanwhile, reads through it fail instead of
//! describing the newcomer). macOS asks proc_pidinfo(PROC_PIDTBSDINFO), a flat struct of
//! fixed-width fields (kinfo_proc from sysctl KERN_PROC carries the same facts inside
//! nested, pointer-laden structs whose offsets are easier to get wrong untested).
const std = @import("std");
const builtin = @import("builtin");
const sys = @import("sys.zig");
const Error = @import("status.zig").Error;

const assert = std.debug.assert;

pub const supported = builtin.os.tag == .linux or builtin.os.tag.isDarwin();

/// One process, as far as ancestry needs it.
pub const Identity = struct {
    parent_pid: u32,
    /// Linux: clock ticks after boot (field 22 of /proc/<pid>/stat). macOS: microseconds
    /// since the epoch. Only compared for equality, never converted.
    start_time: u64,
    /// The effective user.
    uid: u32,
};

/// The identity of process `pid`, or null when no such process exists (or it cannot be
/// seen, as with /proc mounted hidepid).
pub fn identity(pid: u32) Error!?Identity {
    assert(pid > 0);
    if (builtin.os.tag == .linux) return identityLinux(pid);
    if (comptime builtin.os.tag.isDarwin()) return identityDarwin(pid);
    return null;
}

/// Whether a process with this pid exists (any user's): kill(pid, 0) fails with ESRCH only
/// when there is none. A cheap first check; only identity() tells a reused pid.
pub fn exists(pid: u32) bool {
    assert(pid > 0);
    if (pid > std.math.maxInt(i32)) return false;
    const rc = std.c.kill(@intCast(pid), 0);
    return !(rc != 0 and std.posix.errno(rc) == .SRCH);
}

/// /proc/<pid>/stat is one line: "pid (comm) state ppid ... starttime ...". comm may
/// hold spaces and parentheses, so fields are counted from the last ')'.
const stat_bytes_max: u32 = 2048;
/// Fields after the ')': state is 0, ppid 1, starttime 19 (fields 3, 4 and 22 of proc(5)).
const ppid_field: u32 = 1;
const starttime_field: u32 = 19;

fn identityLinux(pid: u32) Error!?Identity {
    var path_buffer: [32]u8 = undefined;
    const dir_path = std.fmt.bufPrintZ(&path_buffer, "/proc/{d}", .{pid}) catch unreachable;
    const dir_fd = sys.openAt(sys.cwd_fd, dir_path, .{ .directory = true }, 0) catch |err| switch (err) {
        error.NotFound, error.Insecure => return null,
        else => return err,
    };
    defer sys.close(dir_fd);
    const dir_stat = try sys.fstat(dir_fd);
    const stat_fd = sys.openAt(dir_fd, "stat", .{ .read_only = true }, 0) catch |err| switch (err) {
        error.NotFound, error.Insecure => return null,
        else => return err,
    };
    defer sys.close(stat_fd);
    var buffer: [stat_bytes_max]u8 = undefined;
    const read_bytes = sys.preadAll(stat_fd, &buffer, 0) catch |err| switch (err) {
        // ESRCH: the process exited after the open.
        error.IoError => return null,
        else => return err,
    };
    const fields = parseStat(buffer[0..read_bytes]) orelse return error.IoError;
    return .{ .parent_pid = fields.parent_pid, .start_time = fields.start_time, .uid = dir_stat.uid };
}

const StatFields = struct { parent_pid: u32, start_time: u64 };

/// The ppid and starttime of a /proc/<pid>/stat line, or null when it is malformed.
pub fn parseStat(line: []const u8) ?StatFields {
    const close = std.mem.lastIndexOfScalar(u8, line, ')') orelse return null;
    var tokens = std.mem.tokenizeAny(u8, line[close + 1 ..], " \n");
    var parent_pid: ?u32 = null;
    var field: u32 = 0;
    while (tokens.next()) |token| : (field += 1) {
        if (field == ppid_field) parent_pid = std.fmt.parseInt(u32, token, 10) catch return null;
        if (field == starttime_field) {
            const start_time = std.fmt.parseInt(u64, token, 10) catch return null;
            return .{ .parent_pid = parent_pid orelse return null, .start_time = start_time };
        }
    }
    return null;
}

/// <sys/proc_info.h> struct proc_bsdinfo, as far as it is read here.
const ProcBsdInfo = extern struct {
    flags: u32,
    status: u32,
    xstatus: u32,
    pid: u32,
    ppid: u32,
    uid: u32,
    gid: u32,
    ruid: u32,
    rgid: u32,
    svuid: u32,
    svgid: u32,
    rfu_1: u32,
    comm: [16]u8,
    name: [32]u8,
    nfiles: u32,
    pgid: u32,
    pjobc: u32,
    e_tdev: u32,
    e_tpgid: u32,
    nice: i32,
    start_tvsec: u64,
    start_tvusec: u64,
};

comptime {
    // PROC_PIDTBSDINFO_SIZE: the kernel fills exactly this many bytes or refuses.
    assert(@sizeOf(ProcBsdInfo) == 136);
    assert(@offsetOf(ProcBsdInfo, "start_tvsec") == 120);
}

const proc_pidtbsdinfo: c_int = 3;
extern "c" fn proc_pidinfo(pid: c_int, flavor: c_int, arg: u64, buffer: *anyopaque, size: c_int) c_int;

fn identityDarwin(pid: u32) Error!?Identity {
    var info = std.mem.zeroes(ProcBsdInfo);
    const size: c_int = @sizeOf(ProcBsdInfo);
    const rc = proc_pidinfo(@intCast(pid), proc_pidtbsdinfo, 0, &info, size);
    if (rc != size) return null;
    if (info.pid != pid) return null;
    return .{
        .parent_pid = info.ppid,
        .start_time = info.start_tvsec *% 1_000_000 +% info.start_tvusec,
        .uid = info.uid,
    };
}

test "parseStat reads ppid and starttime past a comm holding spaces and parentheses" {
    const line = "4242 (a (b) c) S 17 4242 4242 0 -1 4194560 120 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10\n";
    const fields = parseStat(line).?;
    try std.testing.expectEqual(@as(u32, 17), fields.parent_pid);
    try std.testing.expectEqual(@as(u64, 987654), fields.start_time);
    try std.testing.expect(parseStat("4242 (x) S 17 1 2") == null);
    try std.testing.expect(parseStat("no parenthesis") == null);
    try std.testing.expect(parseStat("1 (x) S notanumber 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5") == null);
}

test "this process and its parent are seen; a pid that does not exist is null" {
    if (!supported) return error.SkipZigTest;
    const self = (try identity(sys.getpid())).?;
    try std.testing.expectEqual(sys.geteuid(), self.uid);
    try std.testing.expectEqual(@as(u32, @intCast(std.c.getppid())), self.parent_pid);
    // The same process read twice has the same start time.
    try std.testing.expectEqual(self.start_time, (try identity(sys.getpid())).?.start_time);
    // Above the largest pid Linux allows (2^22).
    try std.testing.expect((try identity(1 << 23)) == null);
    try std.testing.expect(exists(sys.getpid()));
    try std.testing.expect(!exists(1 << 23));
}
