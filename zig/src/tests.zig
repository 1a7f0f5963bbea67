//! Tests through the C ABI exactly as a foreign caller uses it: real files in a private
//! temporary folder, real kernel locks, a real forked process that dies holding the mutex.
const std = @import("std");
const lib = @import("lib.zig");
const header_ = @import("header.zig");
const handles = @import("handles.zig");
const sys = @import("sys.zig");
const Status = @import("status.zig").Status;
const locks = @import("locks.zig");
const mutex_ = @import("mutex.zig");

const testing = std.testing;
const c = std.c;
const Header = header_.Header;

const mib: f64 = 1024 * 1024;

extern "c" fn chown(path: [*:0]const u8, owner: c.uid_t, group: c.gid_t) c_int;
const mode_attach: u32 = 0;
const mode_create: u32 = 1;
const mode_either: u32 = 2;

/// Two handles of one process are separate lock owners only with OFD locks (Linux).
/// Elsewhere these tests skip.
pub fn requireOfdLocks() !void {
    if (!locks.ofd_supported) return error.SkipZigTest;
}

pub fn neg(status: Status) i32 {
    return status.negative();
}

pub fn negFloat(status: Status) f64 {
    return @floatFromInt(status.negative());
}

/// A fresh 0700 folder under /tmp, removed with its files at the end of a test.
pub const TestDir = struct {
    path_buffer: [128]u8 = undefined,
    path_len: usize = 0,

    pub fn init() !TestDir {
        var dir: TestDir = .{};
        var random: [6]u8 = undefined;
        sys.randomBytes(&random);
        const hex = std.fmt.bytesToHex(random, .lower);
        const made = try std.fmt.bufPrintZ(&dir.path_buffer, "/tmp/mpm-test-{d}-{s}", .{ c.getpid(), hex });
        dir.path_len = made.len;
        try testing.expectEqual(@as(c_int, 0), c.mkdir(made, 0o700));
        return dir;
    }

    pub fn path(dir: *const TestDir) [:0]const u8 {
        return dir.path_buffer[0..dir.path_len :0];
    }

    pub fn file(dir: *const TestDir, buffer: []u8, name: []const u8) [:0]const u8 {
        return std.fmt.bufPrintZ(buffer, "{s}/{s}", .{ dir.path(), name }) catch unreachable;
    }

    pub fn deinit(dir: *const TestDir) void {
        var opened = std.fs.openDirAbsolute(dir.path(), .{ .iterate = true }) catch return;
        defer opened.close();
        var iterator = opened.iterate();
        var removed: u32 = 0;
        while (removed < 1000) : (removed += 1) {
            const entry = (iterator.next() catch break) orelse break;
            opened.deleteFile(entry.name) catch {};
        }
        _ = c.rmdir(dir.path());
    }
};

fn exists(path: [:0]const u8) bool {
    return (sys.lstatAt(sys.cwd_fd, path) catch null) != null;
}

pub fn headerOf(handle: i32) *Header {
    return @ptrCast(@alignCast(lib.mp_heap_base(@intCast(handle)).?));
}

pub fn create(path: [:0]const u8, size_initial_bytes: u32, size_max_bytes: f64, slots: u32) !u32 {
    const handle = lib.mp_heap_open(path, mode_create, size_initial_bytes, size_max_bytes, slots);
    try testing.expect(handle >= 1);
    return @intCast(handle);
}

pub fn attach(path: [:0]const u8) !u32 {
    const handle = lib.mp_heap_open(path, mode_attach, 0, 0, 0);
    try testing.expect(handle >= 1);
    return @intCast(handle);
}

fn writeFile(path: [:0]const u8, bytes: []const u8, mode: u32) !void {
    const fd = c.open(path, .{ .ACCMODE = .WRONLY, .CREAT = true, .TRUNC = true }, @as(c_uint, mode));
    try testing.expect(fd >= 0);
    defer _ = c.close(fd);
    try testing.expectEqual(@as(c_int, 0), c.fchmod(fd, @intCast(mode)));
    try testing.expectEqual(@as(isize, @intCast(bytes.len)), c.write(fd, bytes.ptr, bytes.len));
}

/// Overwrites `bytes` at `offset` of a closed heap file.
fn patchFile(path: [:0]const u8, offset: u64, bytes: []const u8) !void {
    const fd = c.open(path, .{ .ACCMODE = .RDWR }, @as(c_uint, 0));
    try testing.expect(fd >= 0);
    defer _ = c.close(fd);
    try testing.expectEqual(@as(isize, @intCast(bytes.len)), c.pwrite(fd, bytes.ptr, bytes.len, @intCast(offset)));
}

fn makeClosedHeap(path: [:0]const u8) !void {
    const handle = try create(path, 0, 4 * mib, 4);
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_close(handle, 0));
}

test "abi version and header layout as ABI.md" {
    try testing.expectEqual(@as(u32, 1), lib.mp_abi_version());
    try testing.expectEqual(@as(usize, 4096), @sizeOf(Header));
    try testing.expectEqual(@as(usize, 32), @offsetOf(Header, "size_bytes"));
    try testing.expectEqual(@as(usize, 48), @offsetOf(Header, "alloc_cursor_bytes"));
    try testing.expectEqual(@as(usize, 64), @offsetOf(Header, "lock"));
    try testing.expectEqual(@as(usize, 256), @offsetOf(Header, "roots"));
}

test "create, attach, share memory, close" {
    try requireOfdLocks();
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "a.mpm");
    const first = try create(path, 100000, 16 * mib, 8);
    const second = try attach(path);
    try testing.expect(first != second);
    const h1 = headerOf(@intCast(first));
    const h2 = headerOf(@intCast(second));
    try testing.expect(h1 != h2); // two mappings of one file
    try testing.expectEqualSlices(u8, "MPMHEAP1", &h2.magic);
    try testing.expectEqual(@as(u32, 5), h2.format_version);
    try testing.expectEqual(@as(u32, 8), h2.writer_slots_max);
    try testing.expectEqual(@as(u64, 16 * 1024 * 1024), h2.size_max_bytes);
    // size_initial_bytes rounded up to pages; the cursor starts after the slot table.
    try testing.expectEqual(@as(u64, 102400), h2.size_bytes);
    try testing.expectEqual(@as(u64, 8192), h2.alloc_cursor_bytes);
    try testing.expectEqual(@as(f64, 102400), lib.mp_heap_mapped_bytes(second));
    h1.roots[3] = 0xdeadbeef;
    try testing.expectEqual(@as(u32, 0xdeadbeef), @atomicLoad(u32, &h2.roots[3], .seq_cst));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_verify(second));
    const stat = (try sys.lstatAt(sys.cwd_fd, path)).?;
    try testing.expectEqual(@as(u32, 0o600), @as(u32, @intCast(stat.mode & 0o777)));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_close(first, 0));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_close(second, 0));
    try testing.expect(exists(path));
    // Mode 2 attaches to the existing file.
    const third = lib.mp_heap_open(path, mode_either, 0, 4 * mib, 2);
    try testing.expect(third >= 1);
    try testing.expectEqual(@as(u32, 8), headerOf(third).writer_slots_max);
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(@intCast(third), 1));
    try testing.expect(!exists(path));
}

test "open modes: not_found, already_exists, mode 2 creates" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "modes.mpm");
    try testing.expectEqual(neg(.not_found), lib.mp_heap_open(path, mode_attach, 0, 0, 0));
    try testing.expect(!exists(path));
    const created = lib.mp_heap_open(path, mode_either, 0, 4 * mib, 4);
    try testing.expect(created >= 1);
    try testing.expectEqual(neg(.already_exists), lib.mp_heap_open(path, mode_create, 0, 4 * mib, 4));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(@intCast(created), 1));
    // No temporary file is left behind.
    var opened = try std.fs.openDirAbsolute(dir.path(), .{ .iterate = true });
    defer opened.close();
    var iterator = opened.iterate();
    try testing.expect((try iterator.next()) == null);
}

test "invalid arguments are refused" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "args.mpm");
    const invalid = neg(.invalid_argument);
    try testing.expectEqual(invalid, lib.mp_heap_open(path, 3, 0, 4 * mib, 4));
    try testing.expectEqual(invalid, lib.mp_heap_open(path, mode_create, 0, 4 * mib, 0));
    try testing.expectEqual(invalid, lib.mp_heap_open(path, mode_create, 0, 4 * mib, 4097));
    try testing.expectEqual(invalid, lib.mp_heap_open(path, mode_create, 0, std.math.nan(f64), 4));
    try testing.expectEqual(invalid, lib.mp_heap_open(path, mode_create, 0, -1, 4));
    try testing.expectEqual(invalid, lib.mp_heap_open(path, mode_create, 0, 4 * mib + 0.5, 4));
    try testing.expectEqual(invalid, lib.mp_heap_open(path, mode_create, 0, 5 * 1024 * mib, 4));
    try testing.expectEqual(invalid, lib.mp_heap_open(path, mode_create, 8 << 20, 4 * mib, 4));
    try testing.expectEqual(invalid, lib.mp_heap_open(path, mode_create, 0, 4096, 4));
    // An initial size that rounds past an unaligned maximum is capped at the maximum.
    const capped = lib.mp_heap_open(path, mode_create, 100000, 100000, 4);
    try testing.expect(capped >= 1);
    try testing.expectEqual(@as(u64, 98304), headerOf(capped).size_bytes);
    try testing.expectEqual(@as(u64, 98304), headerOf(capped).size_max_bytes);
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(@intCast(capped), 1));
    try testing.expectEqual(invalid, lib.mp_heap_open("", mode_create, 0, 4 * mib, 4));
    try testing.expectEqual(invalid, lib.mp_heap_open(null, mode_create, 0, 4 * mib, 4));
    const long = [_:0]u8{'a'} ** 5000;
    try testing.expectEqual(neg(.path_too_long), lib.mp_heap_open(&long, mode_create, 0, 4 * mib, 4));
    try testing.expect(!exists(path));
    // The largest heap allowed: 4 GiB - 4096 of address space, 8 KiB of file.
    const largest = lib.mp_heap_open(path, mode_create, 0, 4 * 1024 * mib - 4096, 4);
    try testing.expect(largest >= 1);
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(@intCast(largest), 1));
}

test "files that are not usable heaps get exact statuses" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    var random: [8192]u8 = undefined;
    sys.randomBytes(&random);
    const foreign = dir.file(&buffer, "foreign");
    try writeFile(foreign, &random, 0o600);
    try testing.expectEqual(neg(.not_a_heap), lib.mp_heap_open(foreign, mode_attach, 0, 0, 0));
    try testing.expectEqual(neg(.not_a_heap), lib.mp_heap_open(foreign, mode_either, 0, 4 * mib, 4));
    const empty = dir.file(&buffer, "empty");
    try writeFile(empty, "", 0o600);
    try testing.expectEqual(neg(.not_a_heap), lib.mp_heap_open(empty, mode_attach, 0, 0, 0));
    const short = dir.file(&buffer, "short");
    try writeFile(short, "MPMHEAP1\x05\x00\x00\x00", 0o600);
    try testing.expectEqual(neg(.truncated), lib.mp_heap_open(short, mode_attach, 0, 0, 0));
    const world = dir.file(&buffer, "world");
    try makeClosedHeap(world);
    try testing.expectEqual(@as(c_int, 0), c.chmod(world, 0o644));
    try testing.expectEqual(neg(.insecure), lib.mp_heap_open(world, mode_attach, 0, 0, 0));
    try testing.expectEqual(neg(.insecure), lib.mp_heap_unlink_if_unused(world));
    const link = dir.file(&buffer, "link");
    var target_buffer: [256]u8 = undefined;
    const target = dir.file(&target_buffer, "target");
    try makeClosedHeap(target);
    try testing.expectEqual(@as(c_int, 0), c.symlink(target, link));
    try testing.expectEqual(neg(.symlink), lib.mp_heap_open(link, mode_attach, 0, 0, 0));
    try testing.expectEqual(neg(.symlink), lib.mp_heap_open(link, mode_either, 0, 4 * mib, 4));
    try testing.expectEqual(neg(.already_exists), lib.mp_heap_open(link, mode_create, 0, 4 * mib, 4));
    try testing.expectEqual(neg(.insecure), lib.mp_heap_open(dir.path(), mode_attach, 0, 0, 0));
    try testing.expectEqual(@as(usize, 0), handles.openCount());
}

test "damaged heaps get exact statuses" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "damaged.mpm");
    try makeClosedHeap(path);
    const attach_only = struct {
        fn status(p: [:0]const u8) i32 {
            return lib.mp_heap_open(p, mode_attach, 0, 0, 0);
        }
    }.status;
    // Version 1 (a pthread mutex in the header) is refused, not reinterpreted.
    try patchFile(path, 8, std.mem.asBytes(&@as(u32, 1)));
    try testing.expectEqual(neg(.version_mismatch), attach_only(path));
    // Version 2 (directory records without checksums) too.
    try patchFile(path, 8, std.mem.asBytes(&@as(u32, 2)));
    try testing.expectEqual(neg(.version_mismatch), attach_only(path));
    try patchFile(path, 8, std.mem.asBytes(&header_.format_version));
    const layout = header_.layoutWord(sys.pageSizeBytes());
    try patchFile(path, 12, std.mem.asBytes(&(layout ^ 0xff)));
    try testing.expectEqual(neg(.layout_mismatch), attach_only(path));
    try patchFile(path, 12, std.mem.asBytes(&layout));
    try patchFile(path, 48, std.mem.asBytes(&@as(u64, 1 << 30)));
    try testing.expectEqual(neg(.corrupt), attach_only(path));
    try patchFile(path, 48, std.mem.asBytes(&@as(u64, 8192)));
    try patchFile(path, 20, std.mem.asBytes(&@as(u32, 0)));
    try testing.expectEqual(neg(.corrupt), attach_only(path));
    try patchFile(path, 20, std.mem.asBytes(&@as(u32, 4)));
    // The header says 8 KiB more than the file has: mapping it would SIGBUS.
    try patchFile(path, 32, std.mem.asBytes(&@as(u64, 16384)));
    try testing.expectEqual(neg(.truncated), attach_only(path));
    try patchFile(path, 32, std.mem.asBytes(&@as(u64, 8192)));
    const handle = try attach(path);
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_verify(handle));
    // A file cut short under a live header is found by verify and refresh, not by SIGBUS.
    headerOf(@intCast(handle)).size_bytes = 65536;
    try testing.expectEqual(neg(.truncated), lib.mp_heap_verify(handle));
    try testing.expectEqual(negFloat(.truncated), lib.mp_heap_refresh(handle));
    try testing.expectEqual(neg(.truncated), lib.mp_u64_store(handle, 60000, 1));
    headerOf(@intCast(handle)).size_bytes = 8192;
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(handle, 1));
}

test "a heap owned by another user is insecure" {
    if (c.geteuid() != 0) return error.SkipZigTest;
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "other.mpm");
    try makeClosedHeap(path);
    try testing.expectEqual(@as(c_int, 0), chown(path, 12345, 12345));
    try testing.expectEqual(neg(.insecure), lib.mp_heap_open(path, mode_attach, 0, 0, 0));
    try testing.expectEqual(neg(.insecure), lib.mp_heap_unlink_if_unused(path));
}

test "alloc: alignment, zero fill, growth keeps addresses and values" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "grow.mpm");
    const handle = try create(path, 0, 64 * mib, 4);
    const base: [*]u8 = @ptrCast(lib.mp_heap_base(handle).?);
    const first = lib.mp_heap_alloc(handle, 24, 8);
    try testing.expectEqual(@as(f64, 8192), first);
    const cell: *u64 = @ptrCast(@alignCast(base + 8192));
    cell.* = 0x1234_5678_9abc_def0;
    var previous_end: f64 = first + 24;
    for ([_]u32{ 64, 4096, 8, 256, 16 }) |alignment| {
        const offset = lib.mp_heap_alloc(handle, 100, alignment);
        try testing.expect(offset >= previous_end);
        try testing.expectEqual(@as(f64, 0), @mod(offset, @as(f64, @floatFromInt(alignment))));
        previous_end = offset + 100;
    }
    // Grow several times: 8 KiB initial to well past 1 MiB, each growth the need plus a
    // quarter of the size, so the file never holds more than 5/4 of the need plus a page.
    var growths: u32 = 0;
    var size_before: u64 = headerOf(@intCast(handle)).size_bytes;
    var round: u32 = 0;
    while (round < 40) : (round += 1) {
        const offset = lib.mp_heap_alloc(handle, 65536, 4096);
        try testing.expect(offset > 0);
        const bytes = base[@intFromFloat(offset)..][0..65536];
        try testing.expect(std.mem.allEqual(u8, bytes, 0)); // zero-filled
        @memset(bytes, 0xab);
        const size_now = headerOf(@intCast(handle)).size_bytes;
        if (size_now > size_before) growths += 1;
        try testing.expect(@as(f64, @floatFromInt(size_now)) <= (offset + 65536) * 1.25 + 4096);
        size_before = size_now;
        try testing.expect(lib.mp_heap_mapped_bytes(handle) >= offset + 65536);
    }
    try testing.expect(growths >= 5);
    try testing.expectEqual(@as(u64, 0x1234_5678_9abc_def0), cell.*); // same address, same value
    try testing.expectEqual(@intFromPtr(base), @intFromPtr(lib.mp_heap_base(handle).?));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_verify(handle));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(handle, 1));
}

test "alloc: bad sizes and alignments, heap_full at size_max" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "full.mpm");
    const handle = try create(path, 0, 65536, 4);
    const invalid = negFloat(.invalid_argument);
    try testing.expectEqual(invalid, lib.mp_heap_alloc(handle, 0, 8));
    try testing.expectEqual(invalid, lib.mp_heap_alloc(handle, 8, 0));
    try testing.expectEqual(invalid, lib.mp_heap_alloc(handle, 8, 4));
    try testing.expectEqual(invalid, lib.mp_heap_alloc(handle, 8, 24));
    try testing.expectEqual(invalid, lib.mp_heap_alloc(handle, 8, 8192));
    try testing.expectEqual(negFloat(.bad_handle), lib.mp_heap_alloc(0, 8, 8));
    // 64 KiB - 8 KiB of header and slot table = 56 KiB of data.
    try testing.expectEqual(@as(f64, 8192), lib.mp_heap_alloc(handle, 40960, 8));
    try testing.expectEqual(negFloat(.heap_full), lib.mp_heap_alloc(handle, 16385, 8));
    try testing.expectEqual(@as(f64, 8192 + 40960), lib.mp_heap_alloc(handle, 16384, 8));
    try testing.expectEqual(negFloat(.heap_full), lib.mp_heap_alloc(handle, 8, 8));
    try testing.expectEqual(@as(f64, 65536), lib.mp_heap_mapped_bytes(handle));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_verify(handle));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(handle, 1));
}

test "a file system that refuses to grow the file gives no_space" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "nospace.mpm");
    const handle = try create(path, 0, 4 * mib, 4);
    const pid = try std.posix.fork();
    if (pid == 0) {
        // The file-size limit makes fallocate fail with EFBIG (after SIGXFSZ, ignored here).
        const ignore: std.posix.Sigaction = .{
            .handler = .{ .handler = std.posix.SIG.IGN },
            .mask = std.posix.sigemptyset(),
            .flags = 0,
        };
        std.posix.sigaction(std.posix.SIG.XFSZ, &ignore, null);
        std.posix.setrlimit(.FSIZE, .{ .cur = 65536, .max = 65536 }) catch c._exit(20);
        const result = lib.mp_heap_alloc(handle, 128 * 1024, 8);
        if (result != negFloat(.no_space)) c._exit(21);
        if (lib.mp_heap_verify(handle) != 0) c._exit(22);
        c._exit(0);
    }
    var wait_status: c_int = 0;
    try testing.expectEqual(pid, c.waitpid(pid, &wait_status, 0));
    try testing.expectEqual(@as(c_int, 0), wait_status);
    // Nothing was published: the heap is as it was, and can still grow here.
    try testing.expectEqual(@as(u64, 8192), headerOf(@intCast(handle)).size_bytes);
    try testing.expectEqual(@as(f64, 8192), lib.mp_heap_alloc(handle, 128 * 1024, 8));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(handle, 1));
}

test "lock, alloc_locked, and misuse of the mutex" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "lock.mpm");
    const handle = try create(path, 0, 4 * mib, 4);
    try testing.expectEqual(negFloat(.invalid_argument), lib.mp_heap_alloc_locked(handle, 8, 8));
    try testing.expectEqual(neg(.invalid_argument), lib.mp_heap_unlock(handle));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_lock(handle));
    try testing.expectEqual(neg(.invalid_argument), lib.mp_heap_lock(handle));
    try testing.expectEqual(negFloat(.invalid_argument), lib.mp_heap_alloc(handle, 8, 8));
    try testing.expectEqual(@as(f64, 8192), lib.mp_heap_alloc_locked(handle, 8, 8));
    // A second handle in the same thread: refused at once (held.zig), no wait.
    const other = try attach(path);
    try testing.expectEqual(neg(.invalid_argument), lib.mp_heap_lock(other));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_unlock(handle));
    try testing.expectEqual(@as(f64, 8200), lib.mp_heap_alloc(other, 8, 8));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_lock(handle));
    // Closing while holding the mutex releases it.
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_close(handle, 0));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_lock(other));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_unlock(other));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(other, 1));
}

test "atomics: f64, i64, u64 operations and checked offsets" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "atomics.mpm");
    const handle = try create(path, 0, 4 * mib, 4);
    const offset: u32 = @intFromFloat(lib.mp_heap_alloc(handle, 64, 8));
    try testing.expectEqual(@as(i32, 0), lib.mp_f64_add(handle, offset, 1.5));
    try testing.expectEqual(@as(i32, 0), lib.mp_f64_add(handle, offset, 2.25));
    try testing.expectEqual(@as(f64, 3.75), lib.mp_f64_load(handle, offset));
    try testing.expectEqual(@as(i32, 0), lib.mp_f64_max(handle, offset, 1.0));
    try testing.expectEqual(@as(f64, 3.75), lib.mp_f64_load(handle, offset));
    try testing.expectEqual(@as(i32, 0), lib.mp_f64_max(handle, offset, 9.0));
    try testing.expectEqual(@as(i32, 0), lib.mp_f64_min(handle, offset, -4.0));
    try testing.expectEqual(@as(f64, -4.0), lib.mp_f64_load(handle, offset));
    try testing.expectEqual(@as(i32, 0), lib.mp_f64_cas(handle, offset, 1.0, 2.0));
    try testing.expectEqual(@as(i32, 1), lib.mp_f64_cas(handle, offset, -4.0, 2.0));
    try testing.expectEqual(@as(i32, 0), lib.mp_f64_store(handle, offset, 0.5));
    try testing.expectEqual(@as(f64, 0.5), lib.mp_f64_load(handle, offset));

    const int_offset = offset + 8;
    var previous: i64 = 99;
    try testing.expectEqual(@as(i32, 0), lib.mp_i64_add(handle, int_offset, -5, &previous));
    try testing.expectEqual(@as(i64, 0), previous);
    try testing.expectEqual(@as(i32, 0), lib.mp_i64_add(handle, int_offset, 3, null));
    var value: i64 = 0;
    try testing.expectEqual(@as(i32, 0), lib.mp_i64_load(handle, int_offset, &value));
    try testing.expectEqual(@as(i64, -2), value);
    try testing.expectEqual(@as(i32, 1), lib.mp_i64_cas(handle, int_offset, -2, 7));
    try testing.expectEqual(@as(i32, 0), lib.mp_i64_cas(handle, int_offset, -2, 8));
    try testing.expectEqual(@as(i32, 0), lib.mp_i64_store(handle, int_offset, std.math.maxInt(i64)));
    try testing.expectEqual(@as(i32, 0), lib.mp_i64_add(handle, int_offset, 1, &previous));
    try testing.expectEqual(@as(i32, 0), lib.mp_i64_load(handle, int_offset, &value));
    try testing.expectEqual(@as(i64, std.math.minInt(i64)), value); // wraps

    const u_offset = offset + 16;
    var unsigned: u64 = 0;
    try testing.expectEqual(@as(i32, 0), lib.mp_u64_store(handle, u_offset, std.math.maxInt(u64)));
    try testing.expectEqual(@as(i32, 0), lib.mp_u64_add(handle, u_offset, 2, &unsigned));
    try testing.expectEqual(@as(u64, std.math.maxInt(u64)), unsigned);
    try testing.expectEqual(@as(i32, 0), lib.mp_u64_load(handle, u_offset, &unsigned));
    try testing.expectEqual(@as(u64, 1), unsigned);
    try testing.expectEqual(@as(i32, 1), lib.mp_u64_cas(handle, u_offset, 1, 1 << 63));
    try testing.expectEqual(@as(i32, 0), lib.mp_u64_cas(handle, u_offset, 1, 5));
    try testing.expectEqual(@as(i32, 0), lib.mp_u64_load(handle, u_offset, &unsigned));
    try testing.expectEqual(@as(u64, 1 << 63), unsigned);
    try expectCheckedOffsets(handle, offset);
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(handle, 1));
}

fn expectCheckedOffsets(handle: u32, offset: u32) !void {
    const invalid = neg(.invalid_argument);
    const mapped: u32 = @intFromFloat(lib.mp_heap_mapped_bytes(handle));
    var value: i64 = 0;
    for ([_]u32{ offset + 1, offset + 4, mapped, mapped - 4, 0xffff_fff8, 0, 248, 64 }) |bad| {
        try testing.expectEqual(invalid, lib.mp_f64_add(handle, bad, 1));
        try testing.expectEqual(invalid, lib.mp_f64_store(handle, bad, 1));
        try testing.expectEqual(invalid, lib.mp_f64_max(handle, bad, 1));
        try testing.expectEqual(invalid, lib.mp_f64_min(handle, bad, 1));
        try testing.expectEqual(invalid, lib.mp_f64_cas(handle, bad, 0, 1));
        try testing.expect(std.math.isNan(lib.mp_f64_load(handle, bad)));
        try testing.expectEqual(invalid, lib.mp_i64_add(handle, bad, 1, null));
        try testing.expectEqual(invalid, lib.mp_i64_load(handle, bad, &value));
        try testing.expectEqual(invalid, lib.mp_i64_store(handle, bad, 1));
        try testing.expectEqual(invalid, lib.mp_i64_cas(handle, bad, 0, 1));
        try testing.expectEqual(invalid, lib.mp_u64_add(handle, bad, 1, null));
        try testing.expectEqual(invalid, lib.mp_u64_store(handle, bad, 1));
        try testing.expectEqual(invalid, lib.mp_u64_cas(handle, bad, 0, 1));
    }
    // The roots are the first cells the atomics may touch; the last mapped cell works.
    try testing.expectEqual(@as(i32, 0), lib.mp_u64_add(handle, 256, 1, null));
    try testing.expectEqual(@as(i32, 0), lib.mp_u64_add(handle, mapped - 8, 1, null));
    try testing.expectEqual(invalid, lib.mp_i64_load(handle, offset, null));
    try testing.expectEqual(neg(.bad_handle), lib.mp_f64_add(handle + 1, offset, 1));
    try testing.expect(std.math.isNan(lib.mp_f64_load(0, offset)));
}

test "atomics reach memory another handle grew, after an implicit refresh" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "refresh.mpm");
    const grower = try create(path, 0, 16 * mib, 4);
    const reader = try attach(path);
    try testing.expectEqual(@as(f64, 8192), lib.mp_heap_mapped_bytes(reader));
    const offset = lib.mp_heap_alloc(grower, 1 << 20, 8);
    try testing.expect(offset >= 8192);
    const far: u32 = @intFromFloat(offset + (1 << 20) - 8);
    try testing.expectEqual(@as(i32, 0), lib.mp_f64_add(grower, far, 42));
    try testing.expect(lib.mp_heap_mapped_bytes(reader) < @as(f64, @floatFromInt(far)));
    try testing.expectEqual(@as(f64, 42), lib.mp_f64_load(reader, far));
    try testing.expectEqual(lib.mp_heap_mapped_bytes(grower), lib.mp_heap_mapped_bytes(reader));
    try testing.expectEqual(lib.mp_heap_mapped_bytes(grower), lib.mp_heap_refresh(reader));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_close(grower, 1));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(reader, 1));
}

test "slots: lowest free, one owner per handle, release and reclaim, liveness" {
    try requireOfdLocks();
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "slots.mpm");
    const first = try create(path, 0, 4 * mib, 3);
    const second = try attach(path);
    try testing.expectEqual(@as(i32, 0), lib.mp_slot_claim(first));
    try testing.expectEqual(@as(i32, 1), lib.mp_slot_claim(second));
    try testing.expectEqual(@as(i32, 1), lib.mp_slot_is_live(second, 0));
    try testing.expectEqual(@as(i32, 1), lib.mp_slot_is_live(first, 0));
    try testing.expectEqual(@as(i32, 0), lib.mp_slot_is_live(first, 2));
    try testing.expectEqual(@as(i32, 0), lib.mp_slot_release(first, 0));
    try testing.expectEqual(@as(i32, 0), lib.mp_slot_is_live(second, 0));
    try testing.expectEqual(neg(.invalid_argument), lib.mp_slot_release(first, 0));
    try testing.expectEqual(neg(.invalid_argument), lib.mp_slot_release(first, 1));
    try testing.expectEqual(@as(i32, 0), lib.mp_slot_claim(second));
    try testing.expectEqual(@as(i32, 2), lib.mp_slot_claim(first));
    try testing.expectEqual(neg(.no_free_slot), lib.mp_slot_claim(first));
    try testing.expectEqual(neg(.invalid_argument), lib.mp_slot_is_live(first, 3));
    try testing.expectEqual(neg(.invalid_argument), lib.mp_slot_release(first, 3));
    const h = headerOf(@intCast(first));
    const slot0 = header_.slotAt(@ptrCast(h), 0);
    try testing.expectEqual(@as(u32, 2), slot0.claims);
    try testing.expectEqual(@as(u32, 1), slot0.state);
    try testing.expectEqual(@as(u32, @intCast(c.getpid())), slot0.pid);
    try testing.expectEqual(@as(u32, 3), h.slots_high_water);
    // Closing drops the kernel locks: the slots are free for others.
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_close(second, 0));
    try testing.expectEqual(@as(i32, 0), lib.mp_slot_is_live(first, 0));
    try testing.expectEqual(@as(i32, 0), lib.mp_slot_claim(first));
    try testing.expectEqual(@as(u32, 3), slot0.claims);
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(first, 1));
}

test "slots: a heap of writer_slots_limit slots claims, checks and releases its last slot" {
    try requireOfdLocks();
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "many_slots.mpm");
    const limit = header_.writer_slots_limit;
    try testing.expectEqual(@as(u32, 4096), limit);
    const handle = try create(path, 0, 4 * mib, limit);
    // The slot table (64 KiB) comes before the first allocation.
    try testing.expectEqual(@as(f64, @floatFromInt(header_.dataStartBytes(limit))), lib.mp_heap_alloc(handle, 8, 8));
    var slot: u32 = 0;
    while (slot < limit) : (slot += 1) {
        try testing.expectEqual(@as(i32, @intCast(slot)), lib.mp_slot_claim(handle));
    }
    try testing.expectEqual(neg(.no_free_slot), lib.mp_slot_claim(handle));
    try testing.expectEqual(@as(i32, 1), lib.mp_slot_is_live(handle, limit - 1));
    try testing.expectEqual(@as(i32, 0), lib.mp_slot_release(handle, limit - 1));
    try testing.expectEqual(@as(u32, limit), headerOf(@intCast(handle)).slots_high_water);
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_verify(handle));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(handle, 1));
}

test "a forked child dies holding a slot and the mutex: recovered, verified, adopted" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "fork.mpm");
    const parent = try create(path, 0, 4 * mib, 4);
    const pid = try std.posix.fork();
    if (pid == 0) childDiesHoldingEverything(path);
    var wait_status: c_int = 0;
    try testing.expectEqual(pid, c.waitpid(pid, &wait_status, 0));
    try testing.expectEqual(@as(c_int, 0), wait_status); // the child reached _exit(0)
    const slot0 = header_.slotAt(@ptrCast(headerOf(@intCast(parent))), 0);
    try testing.expectEqual(@as(u32, @intCast(pid)), slot0.pid);
    try testing.expectEqual(@as(u32, 1), slot0.claims);
    try testing.expectEqual(@as(i32, 0), lib.mp_slot_is_live(parent, 0));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_lock(parent)); // recovered
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_verify(parent));
    try testing.expectEqual(@as(f64, 8192 + 64), lib.mp_heap_alloc_locked(parent, 8, 8));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_unlock(parent));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_lock(parent)); // clean again
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_unlock(parent));
    // The child's slot is adopted, and its cell kept its value.
    try testing.expectEqual(@as(i32, 0), lib.mp_slot_claim(parent));
    try testing.expectEqual(@as(u32, 2), slot0.claims);
    try testing.expectEqual(@as(u32, @intCast(c.getpid())), slot0.pid);
    try testing.expectEqual(@as(f64, 7), lib.mp_f64_load(parent, 8192));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(parent, 1));
}

/// Runs in the forked child: its own handle (its own open file, so its own lock owner),
/// a slot, a cell write, the mutex, then death without unlocking anything.
fn childDiesHoldingEverything(path: [:0]const u8) noreturn {
    const handle = lib.mp_heap_open(path, mode_attach, 0, 0, 0);
    if (handle < 1) c._exit(10);
    if (lib.mp_slot_claim(@intCast(handle)) != 0) c._exit(11);
    const offset = lib.mp_heap_alloc(@intCast(handle), 64, 8);
    if (offset != 8192) c._exit(12);
    if (lib.mp_f64_add(@intCast(handle), 8192, 7) != 0) c._exit(13);
    if (lib.mp_heap_lock(@intCast(handle)) != 0) c._exit(14);
    c._exit(0);
}

test "close unlinks only when the last handle closes; unlink_if_unused" {
    try requireOfdLocks();
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "last.mpm");
    const first = try create(path, 0, 4 * mib, 4);
    const second = try attach(path);
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_unlink_if_unused(path));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_close(first, 1));
    try testing.expect(exists(path));
    try testing.expectEqual(neg(.bad_handle), lib.mp_heap_close(first, 1));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(second, 1));
    try testing.expect(!exists(path));
    // unlink_if_unused on a file nobody has attached.
    try makeClosedHeap(path);
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_unlink_if_unused(path));
    try testing.expect(!exists(path));
    try testing.expectEqual(neg(.not_found), lib.mp_heap_unlink_if_unused(path));
    var other_buffer: [256]u8 = undefined;
    const foreign = dir.file(&other_buffer, "foreign");
    try writeFile(foreign, "not a heap at all", 0o600);
    try testing.expectEqual(neg(.not_a_heap), lib.mp_heap_unlink_if_unused(foreign));
    try testing.expect(exists(foreign));
    // A path that now names a new file is not unlinked by a handle of the old one.
    const old = try create(path, 0, 4 * mib, 4);
    try testing.expectEqual(@as(c_int, 0), c.unlink(path));
    try makeClosedHeap(path);
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_close(old, 1));
    try testing.expect(exists(path));
}

test "attach retries past a deleted file and mode 2 re-creates it" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "recreate.mpm");
    const first = try create(path, 0, 4 * mib, 4);
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(first, 1));
    const second = lib.mp_heap_open(path, mode_either, 0, 4 * mib, 4);
    try testing.expect(second >= 1);
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_verify(@intCast(second)));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(@intCast(second), 1));
}

test "create_default: private folder, 0600 file, stale files removed, live kept" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const stale = dir.file(&buffer, "heap-1-stale.mpm");
    try makeClosedHeap(stale);
    var live_buffer: [256]u8 = undefined;
    const live_path = dir.file(&live_buffer, "heap-2-live.mpm");
    const live = try create(live_path, 0, 4 * mib, 4);
    var other_buffer: [256]u8 = undefined;
    const unrelated = dir.file(&other_buffer, "notes.txt");
    try writeFile(unrelated, "keep me", 0o600);
    var out: [256]u8 = undefined;
    const handle = lib.mp_heap_create_default(dir.path(), &out, out.len, 0, 4 * mib, 4);
    try testing.expect(handle >= 1);
    const created = std.mem.sliceTo(&out, 0);
    try testing.expect(std.mem.startsWith(u8, created, dir.path()));
    try testing.expect(std.mem.endsWith(u8, created, ".mpm"));
    const stat = (try sys.lstatAt(sys.cwd_fd, out[0..created.len :0])).?;
    try testing.expectEqual(@as(u32, 0o600), @as(u32, @intCast(stat.mode & 0o777)));
    try testing.expect(!exists(stale));
    try testing.expect(exists(live_path));
    try testing.expect(exists(unrelated));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(@intCast(handle), 1));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(live, 1));
    var small: [8]u8 = undefined;
    try testing.expectEqual(neg(.path_too_long), lib.mp_heap_create_default(dir.path(), &small, small.len, 0, 4 * mib, 4));
    try testing.expectEqual(neg(.invalid_argument), lib.mp_heap_create_default("relative", &out, out.len, 0, 4 * mib, 4));
    try testing.expectEqual(@as(c_int, 0), c.chmod(dir.path(), 0o755));
    try testing.expectEqual(neg(.insecure), lib.mp_heap_create_default(dir.path(), &out, out.len, 0, 4 * mib, 4));
}

test "create_default in the default folder" {
    var out: [512]u8 = undefined;
    const handle = lib.mp_heap_create_default("", &out, out.len, 0, 4 * mib, 4);
    try testing.expect(handle >= 1);
    const created = std.mem.sliceTo(&out, 0);
    const folder = std.fs.path.dirname(created).?;
    var folder_buffer: [512]u8 = undefined;
    const folder_z = try std.fmt.bufPrintZ(&folder_buffer, "{s}", .{folder});
    const stat = (try sys.lstatAt(sys.cwd_fd, folder_z)).?;
    try testing.expectEqual(@as(u32, 0o700), @as(u32, @intCast(stat.mode & 0o777)));
    try testing.expect(std.mem.indexOf(u8, folder, "mpmetrics-") != null);
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(@intCast(handle), 1));
}

test "handles: bad handles, stale handles, table full" {
    try requireOfdLocks();
    try testing.expect(lib.mp_heap_base(0) == null);
    try testing.expectEqual(negFloat(.bad_handle), lib.mp_heap_mapped_bytes(12345));
    try testing.expectEqual(neg(.bad_handle), lib.mp_heap_close(0, 0));
    try testing.expectEqual(neg(.bad_handle), lib.mp_slot_claim(7));
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "many.mpm");
    const first = try create(path, 0, 4 * mib, 4);
    var opened: [handles.handles_max]u32 = undefined;
    opened[0] = first;
    var count: u32 = 1;
    while (handles.openCount() < handles.handles_max) : (count += 1) opened[count] = try attach(path);
    try testing.expectEqual(neg(.too_many_handles), lib.mp_heap_open(path, mode_attach, 0, 0, 0));
    for (opened[1..count]) |handle| try testing.expectEqual(@as(i32, 0), lib.mp_heap_close(handle, 1));
    // The closed handle's entry is reused under a new number: the old one stays bad.
    const again = try attach(path);
    try testing.expect(again != opened[1]);
    try testing.expectEqual(neg(.bad_handle), lib.mp_heap_verify(opened[1]));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_close(again, 0));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(first, 1));
}

test "threads add to one cell through their own handles" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "threads.mpm");
    const owner = try create(path, 0, 4 * mib, 8);
    const offset: u32 = @intFromFloat(lib.mp_heap_alloc(owner, 16, 8));
    const threads_count = 4;
    const adds_per_thread = 20000;
    const worker = struct {
        fn run(heap_path: [:0]const u8, cell: u32) void {
            const handle = lib.mp_heap_open(heap_path, mode_attach, 0, 0, 0);
            std.debug.assert(handle >= 1);
            std.debug.assert(lib.mp_slot_claim(@intCast(handle)) >= 0);
            for (0..adds_per_thread) |_| {
                std.debug.assert(lib.mp_f64_add(@intCast(handle), cell, 1) == 0);
                std.debug.assert(lib.mp_u64_add(@intCast(handle), cell + 8, 1, null) == 0);
            }
            std.debug.assert(lib.mp_heap_close(@intCast(handle), 0) == 0);
        }
    }.run;
    var threads: [threads_count]std.Thread = undefined;
    for (&threads) |*thread| thread.* = try std.Thread.spawn(.{}, worker, .{ path, offset });
    for (threads) |thread| thread.join();
    const total: f64 = threads_count * adds_per_thread;
    try testing.expectEqual(total, lib.mp_f64_load(owner, offset));
    var count: u64 = 0;
    try testing.expectEqual(@as(i32, 0), lib.mp_u64_load(owner, offset + 8, &count));
    try testing.expectEqual(@as(u64, threads_count * adds_per_thread), count);
    // Threads that did not overlap in time reuse each other's slots.
    const high_water = headerOf(@intCast(owner)).slots_high_water;
    try testing.expect(high_water >= 1 and high_water <= threads_count);
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(owner, 1));
}

test "close with keep_mapping: memory stays usable after the handle is gone; bad flags refused" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "keep.mpm");
    const handle = try create(path, 0, 4 * mib, 2);
    const offset: u32 = @intFromFloat(lib.mp_heap_alloc(handle, 64, 8));
    const base: [*]u8 = @ptrCast(lib.mp_heap_base(handle).?);
    const cell: *f64 = @ptrCast(@alignCast(base + offset));
    cell.* = 3.5;
    try testing.expectEqual(neg(.invalid_argument), lib.mp_heap_close(handle, 4));
    const other = try attach(path);
    try testing.expectEqual(@as(i32, 0), lib.mp_slot_claim(handle));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_close(handle, lib.close_unlink_if_last | lib.close_keep_mapping));
    try testing.expectEqual(neg(.bad_handle), lib.mp_heap_verify(handle));
    // Its locks went with the handle although the mapping stays: the slot is free, and
    // the other handle is now the last one attached.
    try testing.expectEqual(@as(i32, 0), lib.mp_slot_is_live(other, 0));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(other, lib.close_unlink_if_last));
    // A late writer (a runtime's exit hook holding an old view) neither faults nor corrupts.
    cell.* += 1;
    try testing.expectEqual(@as(f64, 4.5), cell.*);
}

test "a thread that exits with a handle open releases it: its slot is free again" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "thread_exit.mpm");
    const owner = try create(path, 0, 4 * mib, 2);
    try testing.expectEqual(@as(i32, 0), lib.mp_slot_claim(owner));
    const opened_before = handles.openCount();
    const leaver = struct {
        fn run(heap_path: [:0]const u8, slot: *i32) void {
            const handle = lib.mp_heap_open(heap_path, mode_attach, 0, 0, 0);
            std.debug.assert(handle >= 1);
            slot.* = lib.mp_slot_claim(@intCast(handle));
            // No close: the thread ends with the handle open, as a worker whose runtime
            // gives it no exit event does.
        }
    }.run;
    for (0..5) |_| { // more threads than the heap's two slots
        var slot: i32 = -1;
        const thread = try std.Thread.spawn(.{}, leaver, .{ path, &slot });
        thread.join();
        try testing.expectEqual(@as(i32, 1), slot);
        try testing.expectEqual(@as(i32, 0), lib.mp_slot_is_live(owner, 1));
        try testing.expectEqual(opened_before, handles.openCount());
    }
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(owner, 1));
}

test "processes allocate and grow concurrently without overlapping" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "processes.mpm");
    const owner = try create(path, 0, 64 * mib, 8);
    const children_count = 3;
    const allocs_per_child = 300;
    const table: u32 = @intFromFloat(lib.mp_heap_alloc(owner, 8 * children_count * allocs_per_child, 8));
    const counter: u32 = @intFromFloat(lib.mp_heap_alloc(owner, 8, 8));
    var pids: [children_count]std.posix.pid_t = undefined;
    for (&pids, 0..) |*pid, child| {
        pid.* = try std.posix.fork();
        if (pid.* == 0) childAllocates(path, @intCast(child), allocs_per_child, table, counter);
    }
    for (pids) |pid| {
        var wait_status: c_int = 0;
        try testing.expectEqual(pid, c.waitpid(pid, &wait_status, 0));
        try testing.expectEqual(@as(c_int, 0), wait_status);
    }
    const total = children_count * allocs_per_child;
    try testing.expectEqual(@as(f64, total), lib.mp_f64_load(owner, counter));
    // Every block still holds the marker its allocator wrote: no two blocks overlapped.
    for (0..total) |i| {
        var offset: u64 = 0;
        try testing.expectEqual(@as(i32, 0), lib.mp_u64_load(owner, table + @as(u32, @intCast(i)) * 8, &offset));
        var marker: u64 = 0;
        try testing.expectEqual(@as(i32, 0), lib.mp_u64_load(owner, @intCast(offset), &marker));
        try testing.expectEqual(@as(u64, i), marker);
    }
    try testing.expect(headerOf(@intCast(owner)).size_bytes > 4 * 1024 * 1024);
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_verify(owner));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(owner, 1));
}

/// Runs in a forked child: its own handle, many allocations that force growth, each
/// block marked with its index and recorded in the shared table.
fn childAllocates(path: [:0]const u8, child: u32, count: u32, table: u32, counter: u32) noreturn {
    const handle_signed = lib.mp_heap_open(path, mode_attach, 0, 0, 0);
    if (handle_signed < 1) c._exit(30);
    const handle: u32 = @intCast(handle_signed);
    var i: u32 = 0;
    while (i < count) : (i += 1) {
        const alignment: u32 = @as(u32, 8) << @intCast(i % 6);
        const offset = lib.mp_heap_alloc(handle, 16 * 1024 + i, alignment);
        if (offset < 0) c._exit(31);
        const index = child * count + i;
        if (lib.mp_u64_store(handle, @intFromFloat(offset), index) != 0) c._exit(32);
        if (lib.mp_u64_store(handle, table + index * 8, @intFromFloat(offset)) != 0) c._exit(33);
        if (lib.mp_f64_add(handle, counter, 1) != 0) c._exit(34);
    }
    if (lib.mp_heap_close(handle, 0) != 0) c._exit(35);
    c._exit(0);
}

test "a take that waits past the handle's bound fails naming the holder; a failed recovery poisons" {
    const dir = try TestDir.init();
    defer dir.deinit();
    var buffer: [256]u8 = undefined;
    const path = dir.file(&buffer, "timeout.mpm");
    const parent = try create(path, 0, 4 * mib, 4);
    try testing.expectEqual(neg(.invalid_argument), lib.mp_heap_set_lock_timeout(parent, 0));
    try testing.expectEqual(neg(.invalid_argument), lib.mp_heap_set_lock_timeout(parent, 600_001));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_set_lock_timeout(parent, 50));
    try testing.expectEqual(@as(i32, 0), lib.mp_heap_lock_holder(parent));
    const pid = try std.posix.fork();
    if (pid == 0) childHoldsTheLock(path);
    const h = headerOf(@intCast(parent));
    var tries: u32 = 0;
    while (@as(u32, @truncate(@atomicLoad(u64, &h.lock.word, .acquire))) != pid and tries < 5000) : (tries += 1) {
        std.Thread.sleep(std.time.ns_per_ms);
    }
    try testing.expectEqual(neg(.lock_timeout), lib.mp_heap_lock(parent));
    try testing.expectEqual(@as(i32, pid), lib.mp_heap_lock_holder(parent));
    try testing.expectEqual(negFloat(.lock_timeout), lib.mp_heap_alloc(parent, 8, 8));
    // Killed while holding it, with the header damaged meanwhile: the recovery's check
    // fails, and the lock stays unusable for everyone.
    try std.posix.kill(pid, std.posix.SIG.KILL);
    _ = std.posix.waitpid(pid, 0);
    const cursor = h.alloc_cursor_bytes;
    h.alloc_cursor_bytes = 1 << 40;
    try testing.expectEqual(neg(.corrupt), lib.mp_heap_lock(parent));
    h.alloc_cursor_bytes = cursor;
    try testing.expectEqual(neg(.corrupt), lib.mp_heap_lock(parent));
    try testing.expectEqual(neg(.corrupt), lib.mp_heap_verify(parent));
    try testing.expectEqual(neg(.corrupt), attachStatus(path));
    try testing.expectEqual(@as(i32, 1), lib.mp_heap_close(parent, 1));
}

fn attachStatus(path: [:0]const u8) i32 {
    const handle = lib.mp_heap_open(path, mode_attach, 0, 0, 0);
    if (handle > 0) _ = lib.mp_heap_close(@intCast(handle), 0);
    return handle;
}

/// Runs in a forked child: takes the heap lock and sleeps until killed.
fn childHoldsTheLock(path: [:0]const u8) noreturn {
    const handle = lib.mp_heap_open(path, mode_attach, 0, 0, 0);
    if (handle < 1) c._exit(40);
    if (lib.mp_heap_lock(@intCast(handle)) != 0) c._exit(41);
    std.Thread.sleep(60 * std.time.ns_per_s);
    c._exit(0);
}
