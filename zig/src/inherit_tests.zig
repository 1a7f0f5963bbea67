//! Tests of heap inheritance and of the default folder's squatting fallback, through the
//! C ABI as a foreign caller uses it: real folders, real symbolic links, a real forked
//! child that looks for its parent's heap.
const std = @import("std");
const lib = @import("lib.zig");
const sys = @import("sys.zig");
const proc = @import("proc.zig");
const Status = @import("status.zig").Status;

const testing = std.testing;
const c = std.c;

const mib: f64 = 1024 * 1024;

extern "c" fn chown(path: [*:0]const u8, owner: c.uid_t, group: c.gid_t) c_int;

/// A fresh folder under /tmp (mode `mode`), removed with everything in it at the end.
const Scratch = struct {
    buffer: [128]u8 = undefined,
    len: usize = 0,

    fn init(mode: u32) !Scratch {
        var scratch: Scratch = .{};
        var random: [6]u8 = undefined;
        sys.randomBytes(&random);
        const hex = std.fmt.bytesToHex(random, .lower);
        const made = try std.fmt.bufPrintZ(&scratch.buffer, "/tmp/mpm-inherit-{d}-{s}", .{ c.getpid(), hex });
        scratch.len = made.len;
        try testing.expectEqual(@as(c_int, 0), c.mkdir(made, 0o700));
        try testing.expectEqual(@as(c_int, 0), c.chmod(made, @intCast(mode)));
        return scratch;
    }

    fn path(scratch: *const Scratch) [:0]const u8 {
        return scratch.buffer[0..scratch.len :0];
    }

    fn join(scratch: *const Scratch, out: []u8, name: []const u8) [:0]const u8 {
        return std.fmt.bufPrintZ(out, "{s}/{s}", .{ scratch.path(), name }) catch unreachable;
    }

    fn deinit(scratch: *const Scratch) void {
        std.fs.deleteTreeAbsolute(scratch.path()) catch {};
    }
};

fn selfRecordName(buffer: []u8) ![:0]const u8 {
    const self = (try proc.identity(sys.getpid())).?;
    return std.fmt.bufPrintZ(buffer, "proc-{d}-{d}", .{ sys.getpid(), self.start_time });
}

fn exists(path: [:0]const u8) bool {
    return (sys.lstatAt(sys.cwd_fd, path) catch null) != null;
}

fn createHeap(path: [:0]const u8) !u32 {
    const handle = lib.mp_heap_open(path, 1, 0, 4 * mib, 4);
    try testing.expect(handle >= 1);
    return @intCast(handle);
}

test "register, find from this process, record removed when the last handle closes" {
    if (!proc.supported) return error.SkipZigTest;
    const folder = try Scratch.init(0o700);
    defer folder.deinit();
    var heap_buffer: [256]u8 = undefined;
    const heap_path = folder.join(&heap_buffer, "heap-a.mpm");
    const handle = try createHeap(heap_path);
    const second = lib.mp_heap_open(heap_path, 0, 0, 0, 0);
    try testing.expect(second >= 1);
    var out: [256]u8 = undefined;
    try testing.expectEqual(@as(i32, 0), lib.mp_inherit_find(folder.path(), 0, &out, out.len));
    try testing.expectEqual(@as(i32, 0), lib.mp_inherit_register(handle, folder.path(), 0));
    // Registering again (another isolate of this process) keeps one record.
    try testing.expectEqual(@as(i32, 0), lib.mp_inherit_register(@intCast(second), folder.path(), 0));
    var name_buffer: [64]u8 = undefined;
    var record_buffer: [256]u8 = undefined;
    const record = folder.join(&record_buffer, try selfRecordName(&name_buffer));
    var link: [256]u8 = undefined;
    try testing.expectEqualStrings(heap_path, (try sys.readLinkAt(sys.cwd_fd, record, &link)).?);
    try testing.expectEqual(@as(i32, 1), lib.mp_inherit_find(folder.path(), 0, &out, out.len));
    try testing.expectEqualStrings(heap_path, std.mem.sliceTo(&out, 0));
    var small: [8]u8 = undefined;
    try testing.expectEqual(Status.path_too_long.negative(), lib.mp_inherit_find(folder.path(), 0, &small, small.len));
    // One handle left on the heap: the record stays; the last one removes it.
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_close(handle, 1));
    try testing.expect(exists(record));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(@intCast(second), 1));
    try testing.expect(!exists(record));
    try testing.expectEqual(@as(i32, 0), lib.mp_inherit_find(folder.path(), 0, &out, out.len));
}

test "records of dead processes and reused pids are ignored and cleaned; a gone heap is no heap" {
    if (!proc.supported) return error.SkipZigTest;
    const folder = try Scratch.init(0o700);
    defer folder.deinit();
    var heap_buffer: [256]u8 = undefined;
    const heap_path = folder.join(&heap_buffer, "heap-b.mpm");
    const handle = try createHeap(heap_path);
    const self = (try proc.identity(sys.getpid())).?;
    // This pid with another start time: a process that had this pid before.
    var reused_buffer: [256]u8 = undefined;
    const reused_name = try std.fmt.bufPrint(&reused_buffer, "proc-{d}-{d}", .{ sys.getpid(), self.start_time + 1 });
    var reused_path_buffer: [256]u8 = undefined;
    const reused = folder.join(&reused_path_buffer, reused_name);
    try testing.expectEqual(@as(c_int, 0), c.symlink(heap_path, reused));
    // A pid above Linux's limit: a process that is gone.
    var dead_buffer: [256]u8 = undefined;
    const dead = folder.join(&dead_buffer, "proc-8388609-5");
    try testing.expectEqual(@as(c_int, 0), c.symlink(heap_path, dead));
    var out: [256]u8 = undefined;
    try testing.expectEqual(@as(i32, 0), lib.mp_inherit_find(folder.path(), 0, &out, out.len));
    // This process's own record pointing at a file that does not exist: not inherited.
    var name_buffer: [64]u8 = undefined;
    var record_buffer: [256]u8 = undefined;
    const record = folder.join(&record_buffer, try selfRecordName(&name_buffer));
    try testing.expectEqual(@as(c_int, 0), c.symlink("/nonexistent/heap.mpm", record));
    try testing.expectEqual(@as(i32, 0), lib.mp_inherit_find(folder.path(), 0, &out, out.len));
    // A new record replaces it and cleans the records of pids that are gone; the reused
    // pid's record (harmless: its start time matches no process) waits for a create.
    try testing.expectEqual(@as(i32, 0), lib.mp_inherit_register(handle, folder.path(), 0));
    try testing.expect(exists(reused));
    try testing.expect(!exists(dead));
    try testing.expectEqual(@as(i32, 1), lib.mp_inherit_find(folder.path(), 0, &out, out.len));
    var made: [256]u8 = undefined;
    const other = lib.mp_heap_create_default(folder.path(), &made, made.len, 0, 4 * mib, 4);
    try testing.expect(other >= 1);
    try testing.expect(!exists(reused));
    try testing.expect(exists(record));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(@intCast(other), 1));
    // A shared folder such as /tmp (mode 1777) holds no records.
    try testing.expectEqual(Status.insecure.negative(), lib.mp_inherit_register(handle, "/tmp", 0));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(handle, 1));
    try testing.expectEqual(Status.bad_handle.negative(), lib.mp_inherit_register(handle, folder.path(), 0));
}

test "a forked child finds its parent's heap; a folder open to others is refused" {
    if (!proc.supported) return error.SkipZigTest;
    const folder = try Scratch.init(0o700);
    defer folder.deinit();
    var heap_buffer: [256]u8 = undefined;
    const heap_path = folder.join(&heap_buffer, "heap-c.mpm");
    const handle = try createHeap(heap_path);
    try testing.expectEqual(@as(i32, 0), lib.mp_inherit_register(handle, folder.path(), 0));
    const pid = try std.posix.fork();
    if (pid == 0) {
        var out: [256]u8 = undefined;
        const found = lib.mp_inherit_find(folder.path(), 0, &out, out.len);
        const same = found == 1 and std.mem.eql(u8, std.mem.sliceTo(&out, 0), heap_path);
        std.posix.exit(if (same) 0 else 1);
    }
    const result = std.posix.waitpid(pid, 0);
    try testing.expect(std.posix.W.IFEXITED(result.status));
    try testing.expectEqual(@as(u32, 0), std.posix.W.EXITSTATUS(result.status));
    try testing.expectEqual(@as(c_int, 0), c.chmod(folder.path(), 0o755));
    var out: [256]u8 = undefined;
    try testing.expectEqual(Status.insecure.negative(), lib.mp_inherit_find(folder.path(), 0, &out, out.len));
    try testing.expectEqual(@as(c_int, 0), c.chmod(folder.path(), 0o700));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(handle, 1));
}

fn expectDefaultDir(parent: [:0]const u8, want: enum { primary, fallback }, out: []u8) ![]const u8 {
    const result = lib.mp_default_dir(parent, out.ptr, @intCast(out.len));
    switch (want) {
        .primary => try testing.expectEqual(@as(i32, 0), result),
        .fallback => try testing.expect(result == 1 or result == 2),
    }
    return std.mem.sliceTo(out, 0);
}

test "default folder: the primary name when private, a private fallback when squatted" {
    const parent = try Scratch.init(0o1777);
    defer parent.deinit();
    var primary_buffer: [256]u8 = undefined;
    var name_buffer: [64]u8 = undefined;
    const primary = parent.join(&primary_buffer, try std.fmt.bufPrint(&name_buffer, "mpmetrics-{d}", .{sys.geteuid()}));
    var out: [256]u8 = undefined;
    try testing.expectEqualStrings(primary, try expectDefaultDir(parent.path(), .primary, &out));
    try testing.expectEqual(@as(c_int, 0), c.rmdir(primary));

    // A symbolic link to a private folder of ours is still refused as the primary.
    const target = try Scratch.init(0o700);
    defer target.deinit();
    try testing.expectEqual(@as(c_int, 0), c.symlink(target.path(), primary));
    const fallback = try expectDefaultDir(parent.path(), .fallback, &out);
    var fallback_copy: [256]u8 = undefined;
    @memcpy(fallback_copy[0..fallback.len], fallback);
    try testing.expect(std.mem.startsWith(u8, fallback, primary));
    try testing.expectEqual(primary.len + 1 + 16, fallback.len);
    const stat = (try sys.lstatAt(sys.cwd_fd, out[0..fallback.len :0])).?;
    try testing.expect(sys.isPrivate(stat, true));
    // Every later resolution settles on the same folder, and reports it once per process.
    try testing.expectEqual(@as(i32, 2), lib.mp_default_dir(parent.path(), &out, out.len));
    try testing.expectEqualStrings(fallback_copy[0..fallback.len], std.mem.sliceTo(&out, 0));

    // A folder of ours open to others is squatted too (someone else may have planted files).
    try testing.expectEqual(@as(c_int, 0), c.unlink(primary));
    try testing.expectEqual(@as(c_int, 0), c.mkdir(primary, 0o700));
    try testing.expectEqual(@as(c_int, 0), c.chmod(primary, 0o777));
    try testing.expectEqualStrings(fallback_copy[0..fallback.len], try expectDefaultDir(parent.path(), .fallback, &out));
    if (c.geteuid() == 0) {
        // A folder of another user (only root can make one to test with).
        try testing.expectEqual(@as(c_int, 0), c.chmod(primary, 0o700));
        try testing.expectEqual(@as(c_int, 0), chown(primary, 12345, 12345));
        try testing.expectEqualStrings(fallback_copy[0..fallback.len], try expectDefaultDir(parent.path(), .fallback, &out));
    }
    // create_default with "" and an explicit parent is not on this ABI; an explicit folder stays strict.
    var heap_out: [512]u8 = undefined;
    try testing.expectEqual(Status.insecure.negative(), lib.mp_heap_create_default(primary, &heap_out, heap_out.len, 0, 4 * mib, 4));
    try testing.expectEqual(Status.invalid_argument.negative(), lib.mp_default_dir("relative", &out, out.len));
}

test "fallback: the first private folder by name; symbolic links and others' folders do not count" {
    const parent = try Scratch.init(0o1777);
    defer parent.deinit();
    const uid = sys.geteuid();
    var primary_buffer: [256]u8 = undefined;
    var name_buffer: [64]u8 = undefined;
    const primary = parent.join(&primary_buffer, try std.fmt.bufPrint(&name_buffer, "mpmetrics-{d}", .{uid}));
    const target = try Scratch.init(0o700);
    defer target.deinit();
    try testing.expectEqual(@as(c_int, 0), c.symlink(target.path(), primary));
    var path_buffers: [3][256]u8 = undefined;
    var names: [3][64]u8 = undefined;
    const link = parent.join(&path_buffers[0], try std.fmt.bufPrint(&names[0], "mpmetrics-{d}-0000000000000000", .{uid}));
    const low = parent.join(&path_buffers[1], try std.fmt.bufPrint(&names[1], "mpmetrics-{d}-00000000000000aa", .{uid}));
    const high = parent.join(&path_buffers[2], try std.fmt.bufPrint(&names[2], "mpmetrics-{d}-ffffffffffffffff", .{uid}));
    try testing.expectEqual(@as(c_int, 0), c.symlink(target.path(), link));
    try testing.expectEqual(@as(c_int, 0), c.mkdir(low, 0o700));
    try testing.expectEqual(@as(c_int, 0), c.mkdir(high, 0o700));
    var out: [256]u8 = undefined;
    try testing.expectEqualStrings(low, try expectDefaultDir(parent.path(), .fallback, &out));
    try testing.expectEqual(@as(c_int, 0), c.chmod(low, 0o755));
    try testing.expectEqualStrings(high, try expectDefaultDir(parent.path(), .fallback, &out));
}

test "records in two folders (isolates of one process on two heaps) are each removed with their heap" {
    if (!proc.supported) return error.SkipZigTest;
    const first = try Scratch.init(0o700);
    defer first.deinit();
    const second = try Scratch.init(0o700);
    defer second.deinit();
    var heap_buffers: [2][256]u8 = undefined;
    const heap_a = first.join(&heap_buffers[0], "heap-a.mpm");
    const heap_b = second.join(&heap_buffers[1], "heap-b.mpm");
    const a = try createHeap(heap_a);
    const b = try createHeap(heap_b);
    try testing.expectEqual(@as(i32, 0), lib.mp_inherit_register(a, first.path(), 0));
    try testing.expectEqual(@as(i32, 0), lib.mp_inherit_register(b, second.path(), 0));
    var name_buffer: [64]u8 = undefined;
    const name = try selfRecordName(&name_buffer);
    var record_buffers: [2][256]u8 = undefined;
    const record_a = first.join(&record_buffers[0], name);
    const record_b = second.join(&record_buffers[1], name);
    try testing.expect(exists(record_a) and exists(record_b));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(a, 1));
    try testing.expect(!exists(record_a) and exists(record_b));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(b, 1));
    try testing.expect(!exists(record_b));
}

test "an opted-out process's root record: found by roots-only walks, which skip plain records" {
    if (!proc.supported) return error.SkipZigTest;
    const folder = try Scratch.init(0o700);
    defer folder.deinit();
    var heap_buffer: [256]u8 = undefined;
    const heap_path = folder.join(&heap_buffer, "heap-r.mpm");
    const handle = try createHeap(heap_path);
    var out: [256]u8 = undefined;
    try testing.expectEqual(@as(i32, 0), lib.mp_inherit_register(handle, folder.path(), 0));
    try testing.expectEqual(@as(i32, 1), lib.mp_inherit_find(folder.path(), 0, &out, out.len));
    try testing.expectEqual(@as(i32, 0), lib.mp_inherit_find(folder.path(), 1, &out, out.len));
    // Recording as a root replaces the plain record.
    try testing.expectEqual(@as(i32, 0), lib.mp_inherit_register(handle, folder.path(), 1));
    try testing.expectEqual(@as(i32, 1), lib.mp_inherit_find(folder.path(), 1, &out, out.len));
    try testing.expectEqual(@as(i32, 1), lib.mp_inherit_find(folder.path(), 0, &out, out.len));
    var name_buffer: [64]u8 = undefined;
    var record_buffer: [256]u8 = undefined;
    const plain = folder.join(&record_buffer, try selfRecordName(&name_buffer));
    try testing.expect(!exists(plain));
    try testing.expectEqual(Status.invalid_argument.negative(), lib.mp_inherit_register(handle, folder.path(), 2));
    try testing.expectEqual(Status.invalid_argument.negative(), lib.mp_inherit_find(folder.path(), 2, &out, out.len));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(handle, 1));
    try testing.expectEqual(@as(i32, 0), lib.mp_inherit_find(folder.path(), 0, &out, out.len));
    var dir = try std.fs.openDirAbsolute(folder.path(), .{ .iterate = true });
    defer dir.close();
    var iterator = dir.iterate();
    try testing.expect((try iterator.next()) == null);
}
