//! Heap inheritance without the environment. A process that has a default heap records
//! it in the per-user runtime folder as a symbolic link
//!
//!     <folder>/proc-<pid>-<start time>  ->  <absolute heap path>
//!
//! and a process started without MPMETRICS_HEAP (Bun.spawn without `env` hands children
//! Bun's start-up environment, a shell or a supervisor may scrub it) walks its ancestry,
//! itself first, and takes the heap of the nearest process that has one.
//!
//! Why these choices:
//! - The start time in the name keeps a later process that reuses a pid from inheriting
//!   a dead one's heap: an ancestor's current start time must match.
//! - The folder is private to the user (0700, owner checked), so only this user's
//!   processes can have written a record there; ancestors of another user are skipped.
//! - A symbolic link is written and read in one system call each: a reader never sees
//!   half a record. It is never followed as a heap file (heaps open with O_NOFOLLOW): its
//!   content is only read as a path and then attached with every usual check.
//! - Records are removed when the process closes the last handle on the recorded heap,
//!   and records of dead processes with the stale heap files (before every default create,
//!   and those whose pid is gone before every new record), so none accumulate with
//!   process churn.
const std = @import("std");
const sys = @import("sys.zig");
const proc = @import("proc.zig");
const Error = @import("status.zig").Error;

const assert = std.debug.assert;

/// How far up the process tree a heap is looked for: init is reached long before.
pub const ancestry_depth_max: u32 = 64;
/// Bounds the cleanup scan (as default_dir.cleanup_entries_max).
pub const cleanup_entries_max: u32 = 4096;

/// The two kinds of record: any process's, and an opted-out tree root's.
pub const Kind = enum(u32) {
    process = 0,
    root = 1,

    fn prefix(kind: Kind) []const u8 {
        return switch (kind) {
            .process => "proc-",
            .root => "root-",
        };
    }

    fn other(kind: Kind) Kind {
        return switch (kind) {
            .process => .root,
            .root => .process,
        };
    }
};

/// Which records a walk accepts.
pub const Accept = enum(u32) {
    any = 0,
    roots_only = 1,
};

/// Folders one process may hold records in at once (one per runtime folder in use:
/// isolates of one process normally share one). A further folder's record is still
/// written, only not removed at close: the cleanup of stale records removes it later.
pub const records_max: u32 = 4;

/// A record this process wrote, so that closing its heap removes it.
const Record = struct {
    folder: [sys.path_max_bytes]u8 = undefined,
    folder_len: u32 = 0,
    heap: [sys.path_max_bytes]u8 = undefined,
    heap_len: u32 = 0,

    fn folderPath(record: *Record) [:0]const u8 {
        assert(record.folder_len > 0);
        record.folder[record.folder_len] = 0;
        return record.folder[0..record.folder_len :0];
    }
};

/// Guarded by state_mutex: worker threads register and close concurrently.
var state_mutex: std.Thread.Mutex = .{};
var records: [records_max]Record = [_]Record{.{}} ** records_max;

/// Notes that this process's record in `folder` names `heap_path` now. Caller holds state_mutex.
fn remember(folder: []const u8, heap_path: []const u8) void {
    assert(folder.len < sys.path_max_bytes and heap_path.len < sys.path_max_bytes);
    var slot: ?*Record = null;
    for (&records) |*record| {
        if (record.folder_len > 0 and std.mem.eql(u8, record.folder[0..record.folder_len], folder)) {
            slot = record;
            break;
        }
        if (record.folder_len == 0 and slot == null) slot = record;
    }
    const record = slot orelse return;
    @memcpy(record.folder[0..folder.len], folder);
    record.folder_len = @intCast(folder.len);
    @memcpy(record.heap[0..heap_path.len], heap_path);
    record.heap_len = @intCast(heap_path.len);
}

fn recordName(buffer: []u8, kind: Kind, pid: u32, start_time: u64) [:0]const u8 {
    return std.fmt.bufPrintZ(buffer, "{s}{d}-{d}", .{ kind.prefix(), pid, start_time }) catch unreachable;
}

/// The pid and start time a record name carries, or null when it is not a record name.
fn parseRecordName(name: []const u8) ?struct { pid: u32, start_time: u64 } {
    const kind: Kind = if (std.mem.startsWith(u8, name, Kind.process.prefix()))
        .process
    else if (std.mem.startsWith(u8, name, Kind.root.prefix()))
        .root
    else
        return null;
    const rest = name[kind.prefix().len..];
    const dash = std.mem.indexOfScalar(u8, rest, '-') orelse return null;
    const pid = std.fmt.parseInt(u32, rest[0..dash], 10) catch return null;
    const start_time = std.fmt.parseInt(u64, rest[dash + 1 ..], 10) catch return null;
    if (pid == 0) return null;
    return .{ .pid = pid, .start_time = start_time };
}

fn openFolder(folder: [:0]const u8) Error!sys.fd_t {
    assert(folder.len > 0);
    if (folder[0] != '/') return error.InvalidArgument;
    const fd = try sys.openAt(sys.cwd_fd, folder, .{ .directory = true }, 0);
    errdefer sys.close(fd);
    if (!sys.isPrivate(try sys.fstat(fd), true)) return error.Insecure;
    return fd;
}

/// Records `heap_path` as this process's heap in `folder` (replacing an earlier record of
/// this process, of either kind), after removing the records of dead processes there.
pub fn register(folder: [:0]const u8, heap_path: [:0]const u8, kind: Kind) Error!void {
    assert(heap_path.len > 0);
    if (heap_path[0] != '/') return error.InvalidArgument;
    if (!proc.supported) return;
    const self = try proc.identity(sys.getpid()) orelse return error.IoError;
    const folder_fd = try openFolder(folder);
    defer sys.close(folder_fd);
    cleanupStale(folder_fd, .pid_gone);
    var name_buffer: [64]u8 = undefined;
    const name = recordName(&name_buffer, kind, sys.getpid(), self.start_time);
    var other_buffer: [64]u8 = undefined;
    const other = recordName(&other_buffer, kind.other(), sys.getpid(), self.start_time);
    state_mutex.lock();
    defer state_mutex.unlock();
    sys.unlinkAt(folder_fd, other) catch {};
    var attempt: u32 = 0;
    while (attempt < 2) : (attempt += 1) {
        sys.symlinkAt(heap_path, folder_fd, name) catch |err| switch (err) {
            error.AlreadyExists => {
                var target: [sys.path_max_bytes]u8 = undefined;
                const current = try sys.readLinkAt(folder_fd, name, &target);
                if (current != null and std.mem.eql(u8, current.?, heap_path)) break;
                // Another isolate of this process recorded another heap: the newest wins.
                sys.unlinkAt(folder_fd, name) catch {};
                continue;
            },
            else => return err,
        };
        break;
    } else return error.Busy;
    remember(folder, heap_path);
}

/// Called after this process closed its last handle on `heap_path`: removes the records
/// that name that heap.
pub fn released(heap_path: []const u8) void {
    state_mutex.lock();
    defer state_mutex.unlock();
    for (&records) |*record| {
        if (record.folder_len == 0) continue;
        if (!std.mem.eql(u8, record.heap[0..record.heap_len], heap_path)) continue;
        removeRecord(record.folderPath(), heap_path);
        record.folder_len = 0;
        record.heap_len = 0;
    }
}

/// Unlinks this process's record in `folder` if it still names `heap_path`.
fn removeRecord(folder: [:0]const u8, heap_path: []const u8) void {
    const self = (proc.identity(sys.getpid()) catch return) orelse return;
    const folder_fd = openFolder(folder) catch return;
    defer sys.close(folder_fd);
    for ([_]Kind{ .process, .root }) |kind| {
        var name_buffer: [64]u8 = undefined;
        const name = recordName(&name_buffer, kind, sys.getpid(), self.start_time);
        var target: [sys.path_max_bytes]u8 = undefined;
        const current = (sys.readLinkAt(folder_fd, name, &target) catch continue) orelse continue;
        if (std.mem.eql(u8, current, heap_path)) sys.unlinkAt(folder_fd, name) catch {};
    }
}

/// The heap of the nearest process, this one first, then its parent and so on, that has
/// a record in `folder` (of a kind `accept` takes) naming a heap file that still exists.
/// Writes the NUL-terminated path into `out` and returns its length, or 0 when no
/// ancestor has one.
pub fn find(folder: [:0]const u8, accept: Accept, out: []u8) Error!usize {
    assert(out.len > 0);
    if (!proc.supported) return 0;
    const folder_fd = openFolder(folder) catch |err| switch (err) {
        error.NotFound => return 0,
        else => return err,
    };
    defer sys.close(folder_fd);
    const uid = sys.geteuid();
    var pid = sys.getpid();
    var depth: u32 = 0;
    while (depth < ancestry_depth_max) : (depth += 1) {
        const process = try proc.identity(pid) orelse return 0;
        // Another user's process cannot have written here; skip it, not its ancestors.
        if (process.uid == uid) {
            if (try recordedHeap(folder_fd, .root, pid, process.start_time, out)) |length| return length;
            if (accept == .any) {
                if (try recordedHeap(folder_fd, .process, pid, process.start_time, out)) |length| return length;
            }
        }
        if (process.parent_pid == 0 or process.parent_pid == pid) return 0;
        pid = process.parent_pid;
    }
    return 0;
}

/// The heap path recorded for (pid, start_time), if it names an existing regular file.
fn recordedHeap(folder_fd: sys.fd_t, kind: Kind, pid: u32, start_time: u64, out: []u8) Error!?usize {
    var name_buffer: [64]u8 = undefined;
    const name = recordName(&name_buffer, kind, pid, start_time);
    var target: [sys.path_max_bytes]u8 = undefined;
    const heap_path = try sys.readLinkAt(folder_fd, name, &target) orelse return null;
    if (heap_path.len == 0 or heap_path[0] != '/') return null;
    target[heap_path.len] = 0;
    const stat = try sys.lstatAt(sys.cwd_fd, target[0..heap_path.len :0]) orelse return null;
    // A heap that is gone (its processes exited) is no heap to inherit.
    if (!std.posix.S.ISREG(stat.mode)) return null;
    if (heap_path.len + 1 > out.len) return error.PathTooLong;
    @memcpy(out[0..heap_path.len], heap_path);
    out[heap_path.len] = 0;
    return heap_path.len;
}

/// How thoroughly cleanupStale checks a record's process.
pub const Check = enum {
    /// Only whether the pid exists (one kill(pid, 0) each): cheap enough for every new
    /// record. A reused pid's stale record stays, harmless (its start time never
    /// matches), until a thorough cleanup.
    pid_gone,
    /// Also the start time (a /proc read each): before each default heap is created.
    thorough,
};

/// Removes the records of processes that are gone (thorough: or whose pid now names a
/// later process). Errors on single entries are skipped.
pub fn cleanupStale(folder_fd: sys.fd_t, check: Check) void {
    assert(folder_fd >= 0);
    const dir: std.fs.Dir = .{ .fd = folder_fd };
    var iterator = dir.iterate();
    var seen: u32 = 0;
    while (seen < cleanup_entries_max) : (seen += 1) {
        const entry = (iterator.next() catch return) orelse return;
        if (entry.kind != .sym_link and entry.kind != .unknown) continue;
        const record = parseRecordName(entry.name) orelse continue;
        if (!stale(record.pid, record.start_time, check)) continue;
        var name_buffer: [64]u8 = undefined;
        const name = std.fmt.bufPrintZ(&name_buffer, "{s}", .{entry.name}) catch continue;
        sys.unlinkAt(folder_fd, name) catch {};
    }
}

fn stale(pid: u32, start_time: u64, check: Check) bool {
    if (!proc.exists(pid)) return true;
    if (check == .pid_gone) return false;
    const process = (proc.identity(pid) catch return false) orelse return true;
    return process.start_time != start_time;
}

test "record names round-trip; other names are not records" {
    var buffer: [64]u8 = undefined;
    const name = recordName(&buffer, .process, 4242, 987654321);
    try std.testing.expectEqualStrings("proc-4242-987654321", name);
    var root_buffer: [64]u8 = undefined;
    try std.testing.expectEqualStrings("root-7-1", recordName(&root_buffer, .root, 7, 1));
    try std.testing.expectEqual(@as(u32, 7), parseRecordName("root-7-1").?.pid);
    const parsed = parseRecordName(name).?;
    try std.testing.expectEqual(@as(u32, 4242), parsed.pid);
    try std.testing.expectEqual(@as(u64, 987654321), parsed.start_time);
    try std.testing.expect(parseRecordName("heap-1-abc.mpm") == null);
    try std.testing.expect(parseRecordName("proc-0-5") == null);
    try std.testing.expect(parseRecordName("proc-12") == null);
    try std.testing.expect(parseRecordName("proc-x-5") == null);
}
