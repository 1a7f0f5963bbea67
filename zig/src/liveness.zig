//! Whether a process named by a pid is still the process that wrote that pid. The heap
//! lock (mutex.zig) records its holder as a pid plus a start-time token; a waiter asks here
//! whether that holder still runs. A pid alone is not enough: pids are reused, and a
//! process that died but was not yet reaped (a zombie) still answers `kill(pid, 0)`.
//!
//! - Linux: `kill(pid, 0)`, then /proc/<pid>/stat for the state (Z and X are dead) and the
//!   start time in clock ticks since boot (field 22).
//! - macOS: `kill(pid, 0)`, then sysctl KERN_PROC_PID for p_stat (SZOMB is dead) and
//!   p_starttime. Compiled, not run, here (see README).
//!
//! Pids are those of the caller's pid namespace: processes that share a heap must share one.
const std = @import("std");
const builtin = @import("builtin");
const c = std.c;
const posix = std.posix;

const assert = std.debug.assert;

/// Bit 31 is always set in a known token, so no token is 0 (the free lock word's half).
pub const token_marker: u32 = 1 << 31;
/// The token of a process whose start time could not be read: only kill() decides then.
pub const token_unknown: u32 = token_marker;

/// Linux PID_MAX_LIMIT (2^22) bounds every pid; macOS pids stay below 100000.
pub const pid_limit: u32 = 1 << 22;

pub const State = enum { alive, dead };

const is_darwin = builtin.os.tag.isDarwin();

/// What the process table says about a pid, when it says anything.
const Info = struct { token: u32, zombie: bool };

/// The start-time token of a start time (in any unit): its low 31 bits, marked.
fn tokenOf(start_time: u64) u32 {
    const token = @as(u32, @truncate(start_time)) | token_marker;
    assert(token != 0 and token & token_marker != 0);
    return token;
}

/// This process's token. Read once per pid (a forked child has its own), then cached.
pub fn ownToken(pid: u32) u32 {
    assert(pid > 0 and pid < pid_limit);
    const cached = own_cache.load(.acquire);
    if (cached >> 32 == pid) return @truncate(cached);
    const token = if (infoOf(pid)) |info| info.token else token_unknown;
    own_cache.store((@as(u64, pid) << 32) | token, .release);
    return token;
}

var own_cache: std.atomic.Value(u64) = .init(0);

/// Whether the holder (pid, token) still runs. Errs toward alive: a holder wrongly judged
/// dead would have its critical section broken into, one wrongly judged alive only makes
/// the waiter time out.
pub fn check(pid: u32, token: u32) State {
    assert(pid > 0 and pid < pid_limit);
    assert(token & token_marker != 0);
    switch (posix.errno(c.kill(@intCast(pid), 0))) {
        .SRCH => return .dead,
        .SUCCESS, .PERM => {},
        else => return .alive,
    }
    const info = infoOf(pid) orelse return .alive;
    if (info.zombie) return .dead;
    if (token == token_unknown or info.token == token_unknown) return .alive;
    return if (info.token == token) .alive else .dead;
}

fn infoOf(pid: u32) ?Info {
    if (builtin.os.tag == .linux) return linuxInfo(pid);
    if (is_darwin) return darwinInfo(pid);
    return null;
}

/// /proc/<pid>/stat is "pid (comm) state ppid ..."; comm may hold spaces and parentheses,
/// so fields are counted from the last ')'. Its longest form is well under 1024 bytes.
/// Opened relative to /proc on purpose: qemu-user answers an absolute /proc/self/stat or
/// /proc/<own pid>/stat with a start time of its own making, which would not match what
/// other processes read for the same pid.
fn linuxInfo(pid: u32) ?Info {
    var name_buffer: [32]u8 = undefined;
    const name = std.fmt.bufPrintZ(&name_buffer, "{d}/stat", .{pid}) catch unreachable;
    const proc = c.open("/proc", .{ .ACCMODE = .RDONLY, .DIRECTORY = true, .CLOEXEC = true });
    if (proc < 0) return null;
    defer _ = c.close(proc);
    const fd = c.openat(proc, name, .{ .ACCMODE = .RDONLY, .CLOEXEC = true });
    if (fd < 0) return null;
    defer _ = c.close(fd);
    var text_buffer: [1024]u8 = undefined;
    const read = c.read(fd, &text_buffer, text_buffer.len);
    if (read <= 0) return null;
    assert(@as(usize, @intCast(read)) <= text_buffer.len);
    return parseStat(text_buffer[0..@intCast(read)]);
}

/// Fields after the command name: state is the first (field 3), starttime the 20th (22).
pub fn parseStat(text: []const u8) ?Info {
    const close = std.mem.lastIndexOfScalar(u8, text, ')') orelse return null;
    var fields = std.mem.tokenizeScalar(u8, text[close + 1 ..], ' ');
    const state = fields.next() orelse return null;
    if (state.len != 1) return null;
    var index: u32 = 1;
    while (index < 19) : (index += 1) _ = fields.next() orelse return null;
    const start_field = fields.next() orelse return null;
    const start = std.fmt.parseInt(u64, std.mem.trimRight(u8, start_field, "\n"), 10) catch return null;
    return .{ .token = tokenOf(start), .zombie = state[0] == 'Z' or state[0] == 'X' };
}

// <sys/sysctl.h>: CTL_KERN, KERN_PROC, KERN_PROC_PID; struct kinfo_proc begins with
// struct extern_proc, whose p_starttime (timeval) is at byte 0 and p_stat at byte 36.
const ctl_kern: c_int = 1;
const kern_proc: c_int = 14;
const kern_proc_pid: c_int = 1;
const kinfo_proc_size_bytes: usize = 648;
const p_stat_offset: usize = 36;
const szomb: u8 = 5;

fn darwinInfo(pid: u32) ?Info {
    if (!is_darwin) unreachable;
    var name = [4]c_int{ ctl_kern, kern_proc, kern_proc_pid, @intCast(pid) };
    var buffer: [kinfo_proc_size_bytes]u8 align(8) = undefined;
    var size: usize = buffer.len;
    if (c.sysctl(&name, name.len, &buffer, &size, null, 0) != 0) return null;
    // No such process: sysctl succeeds and returns nothing.
    if (size < p_stat_offset + 1) return null;
    const seconds = std.mem.readInt(i64, buffer[0..8], builtin.cpu.arch.endian());
    const micros = std.mem.readInt(i32, buffer[8..12], builtin.cpu.arch.endian());
    const start: u64 = @bitCast(seconds *% 1_000_000 +% micros);
    return .{ .token = tokenOf(start), .zombie = buffer[p_stat_offset] == szomb };
}

const testing = std.testing;

test "stat lines parse from the last parenthesis" {
    const line = "42 (a) b) c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10\n";
    const info = parseStat(line).?;
    try testing.expectEqual(tokenOf(987654), info.token);
    try testing.expect(!info.zombie);
    try testing.expect(parseStat("42 (x) Z 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 77").?.zombie);
    try testing.expectEqual(@as(?Info, null), parseStat("42 (x) S 1 2"));
    try testing.expectEqual(@as(?Info, null), parseStat("garbage"));
}

test "this process is alive; a reaped child and another start time are dead" {
    if (builtin.os.tag != .linux) return error.SkipZigTest;
    const self: u32 = @intCast(c.getpid());
    const token = ownToken(self);
    try testing.expect(token != token_unknown); // /proc is there on Linux
    try testing.expectEqual(State.alive, check(self, token));
    try testing.expectEqual(State.alive, check(self, token_unknown));
    // The same pid with another start time: a reused pid.
    try testing.expectEqual(State.dead, check(self, token ^ 1));
    const child = try posix.fork();
    if (child == 0) c._exit(0);
    _ = posix.waitpid(child, 0);
    try testing.expectEqual(State.dead, check(@intCast(child), token_unknown));
}

test "a zombie is dead" {
    if (builtin.os.tag != .linux) return error.SkipZigTest;
    const child = try posix.fork();
    if (child == 0) c._exit(0);
    defer _ = posix.waitpid(child, 0);
    // Not reaped yet: kill() still finds it; the state says it is gone.
    var tries: u32 = 0;
    while (tries < 1000 and check(@intCast(child), token_unknown) == .alive) : (tries += 1) {
        std.Thread.sleep(std.time.ns_per_ms);
    }
    try testing.expectEqual(State.dead, check(@intCast(child), token_unknown));
    try testing.expectEqual(@as(c_int, 0), c.kill(@intCast(child), 0));
}
