//! The per-user runtime folder for heaps that need no chosen path (Linux:
//! /dev/shm/mpmetrics-<uid>, so heaps live in memory; elsewhere $TMPDIR or /tmp). The
//! folder is created 0700 and must be owned by this user with no group/other access:
//! /dev/shm and /tmp are shared by all users, and someone else may have made the name
//! first. Stale heap files of dead process trees are removed there before each create.
//!
//! Squatting: when that name is taken by something this user cannot use securely (a
//! folder of another user, a symbolic link, a folder open to others), the folder is
//! <parent>/mpmetrics-<uid>-<16 hex> instead: the first by name among those that are
//! private folders of this user, made with a random suffix when there is none. Nobody
//! else can make a folder owned by this user, so every process of the user, children
//! without any environment included, settles on the same one, and a squatter cannot
//! predict or pre-empt it.
const std = @import("std");
const builtin = @import("builtin");
const sys = @import("sys.zig");
const file = @import("file.zig");
const heap_ = @import("heap.zig");
const inherit = @import("inherit.zig");
const Error = @import("status.zig").Error;

const assert = std.debug.assert;
const Heap = heap_.Heap;

/// Bounds the cleanup scan: a folder with more entries is cleaned over several creates.
pub const cleanup_entries_max: u32 = 4096;
/// Bounds the scan of the shared parent (/dev/shm) for a fallback folder. Other programs
/// keep files there too; past this many entries a new fallback folder is made.
pub const fallback_scan_entries_max: u32 = 65536;
/// A random 64-bit name collides essentially never; the bound is for the impossible.
const name_retries_max: u32 = 8;

const heap_prefix = "heap-";
const heap_suffix = ".mpm";
const temp_marker = ".mpm.tmp-";
const folder_prefix = "mpmetrics-";
const suffix_hex_len: u32 = 16;

/// Which folder resolve() settled on.
pub const Choice = enum { primary, fallback };

/// Whether this process was already told that its folder is a fallback (one warning).
var fallback_reported = std.atomic.Value(bool).init(false);

/// True the first time in this process that a fallback folder is reported.
pub fn firstFallbackReport() bool {
    return !fallback_reported.swap(true, .acq_rel);
}

/// The per-user folder under `parent` ("" for the default parent), NUL-terminated in
/// buffer, made if missing, and checked private. A squatted primary name gives the
/// fallback folder (see the module comment).
pub fn resolve(buffer: *[sys.path_max_bytes]u8, parent_in: []const u8) Error!struct { path: [:0]const u8, choice: Choice } {
    const parent = if (parent_in.len == 0) defaultParent() else try trimmedAbsolute(parent_in);
    assert(parent.len > 0 and parent[0] == '/');
    const uid = sys.geteuid();
    const primary = std.fmt.bufPrintZ(buffer, "{s}/" ++ folder_prefix ++ "{d}", .{ parent, uid }) catch {
        return error.PathTooLong;
    };
    if (openPrivateFolder(primary)) |fd| {
        sys.close(fd);
        return .{ .path = primary, .choice = .primary };
    } else |err| switch (err) {
        error.Insecure, error.Symlink => {},
        else => return err,
    }
    const fallback = try resolveFallback(buffer, parent, uid);
    return .{ .path = fallback, .choice = .fallback };
}

fn trimmedAbsolute(dir: []const u8) Error![]const u8 {
    if (dir[0] != '/') return error.InvalidArgument;
    const trimmed = std.mem.trimRight(u8, dir, "/");
    if (trimmed.len == 0) return error.InvalidArgument;
    if (trimmed.len + 64 > sys.path_max_bytes) return error.PathTooLong;
    return trimmed;
}

/// Finds or makes <parent>/mpmetrics-<uid>-<hex>. Two processes that race to make one
/// both scan again after making theirs and take the first by name; the loser removes its
/// own (still empty) folder.
fn resolveFallback(buffer: *[sys.path_max_bytes]u8, parent: []const u8, uid: u32) Error![:0]const u8 {
    var parent_buffer: [sys.path_max_bytes]u8 = undefined;
    const parent_z = std.fmt.bufPrintZ(&parent_buffer, "{s}", .{parent}) catch return error.PathTooLong;
    const parent_fd = try sys.openAt(sys.cwd_fd, parent_z, .{ .directory = true }, 0);
    defer sys.close(parent_fd);
    var prefix_buffer: [32]u8 = undefined;
    const prefix = std.fmt.bufPrint(&prefix_buffer, folder_prefix ++ "{d}-", .{uid}) catch unreachable;
    var name: [64]u8 = undefined;
    var name_len = try firstPrivateFolder(parent_fd, prefix, &name);
    if (name_len == 0) {
        var made: [64:0]u8 = undefined;
        const made_name = try makeFallback(parent_fd, prefix, &made);
        name_len = try firstPrivateFolder(parent_fd, prefix, &name);
        // Ours must be among them; another process's may sort first.
        if (name_len == 0) return error.Insecure;
        if (!std.mem.eql(u8, made_name, name[0..name_len])) sys.rmdirAt(parent_fd, made_name) catch {};
    }
    const path = std.fmt.bufPrintZ(buffer, "{s}/{s}", .{ parent, name[0..name_len] }) catch return error.PathTooLong;
    // Checked again through a descriptor, as the primary is.
    const fd = try openPrivateFolder(path);
    sys.close(fd);
    return path;
}

fn makeFallback(parent_fd: sys.fd_t, prefix: []const u8, out: *[64:0]u8) Error![:0]const u8 {
    var attempt: u32 = 0;
    while (attempt < name_retries_max) : (attempt += 1) {
        var random: [suffix_hex_len / 2]u8 = undefined;
        sys.randomBytes(&random);
        const hex = std.fmt.bytesToHex(random, .lower);
        const made = std.fmt.bufPrintZ(out, "{s}{s}", .{ prefix, hex }) catch unreachable;
        sys.mkdirAt(parent_fd, made, 0o700) catch |err| switch (err) {
            error.AlreadyExists => continue,
            else => return err,
        };
        return made;
    }
    return error.Busy;
}

/// Writes into `out` the smallest name "<prefix><16 hex>" in the folder that is a private
/// folder of this user (lstat: symbolic links do not count); returns its length, 0 if none.
fn firstPrivateFolder(parent_fd: sys.fd_t, prefix: []const u8, out: *[64]u8) Error!usize {
    const dir: std.fs.Dir = .{ .fd = parent_fd };
    var iterator = dir.iterate();
    var best_len: usize = 0;
    var seen: u32 = 0;
    while (seen < fallback_scan_entries_max) : (seen += 1) {
        const entry = (iterator.next() catch return error.IoError) orelse break;
        if (!isFallbackName(entry.name, prefix)) continue;
        if (best_len > 0 and std.mem.order(u8, entry.name, out[0..best_len]) != .lt) continue;
        var name_buffer: [64]u8 = undefined;
        const name = std.fmt.bufPrintZ(&name_buffer, "{s}", .{entry.name}) catch continue;
        const stat = (sys.lstatAt(parent_fd, name) catch continue) orelse continue;
        if (!sys.isPrivate(stat, true)) continue;
        @memcpy(out[0..name.len], name);
        best_len = name.len;
    }
    return best_len;
}

fn isFallbackName(name: []const u8, prefix: []const u8) bool {
    if (name.len != prefix.len + suffix_hex_len) return false;
    if (!std.mem.startsWith(u8, name, prefix)) return false;
    for (name[prefix.len..]) |char| {
        if (!std.ascii.isDigit(char) and !(char >= 'a' and char <= 'f')) return false;
    }
    return true;
}

/// Creates a fresh heap in `dir` (or the default folder when dir is empty) and writes
/// its NUL-terminated path into `out`.
pub fn create(heap: *Heap, dir: []const u8, out: []u8, config: heap_.Config) Error!void {
    var folder_buffer: [sys.path_max_bytes]u8 = undefined;
    const folder = try folderPath(&folder_buffer, dir);
    const folder_fd = try openPrivateFolder(folder);
    defer sys.close(folder_fd);
    // Opportunistic: a failure to clean up old files must not stop a new heap.
    cleanupStale(folder_fd);
    inherit.cleanupStale(folder_fd, .thorough);
    var attempt: u32 = 0;
    while (attempt < name_retries_max) : (attempt += 1) {
        var path_buffer: [sys.path_max_bytes]u8 = undefined;
        const path = try heapPath(&path_buffer, folder);
        if (path.len + 1 > out.len) return error.PathTooLong;
        heap.open(path, .create_only, config) catch |err| switch (err) {
            error.AlreadyExists => continue,
            else => return err,
        };
        @memcpy(out[0..path.len], path);
        out[path.len] = 0;
        return;
    }
    return error.Busy;
}

/// The folder, without a trailing slash, NUL-terminated in buffer: `dir` as given, or
/// the resolved per-user folder when dir is empty.
fn folderPath(buffer: *[sys.path_max_bytes]u8, dir: []const u8) Error![:0]const u8 {
    if (dir.len == 0) return (try resolve(buffer, "")).path;
    const trimmed = try trimmedAbsolute(dir);
    return std.fmt.bufPrintZ(buffer, "{s}", .{trimmed}) catch error.PathTooLong;
}

fn defaultParent() []const u8 {
    if (builtin.os.tag == .linux) {
        const shm = sys.lstatAt(sys.cwd_fd, "/dev/shm") catch null;
        if (shm) |stat| if (std.posix.S.ISDIR(stat.mode)) return "/dev/shm";
    }
    if (std.c.getenv("TMPDIR")) |tmpdir| {
        const value = std.mem.trimRight(u8, std.mem.span(tmpdir), "/");
        if (value.len > 0 and value[0] == '/') return value;
    }
    return "/tmp";
}

/// Makes the folder (0700) if missing and opens it; it must be a directory, not a
/// symlink, owned by this user, with no group/other access.
pub fn openPrivateFolder(folder: [:0]const u8) Error!sys.fd_t {
    assert(folder.len > 0 and folder[0] == '/');
    try sys.mkdirIfMissing(folder, 0o700);
    const fd = try sys.openAt(sys.cwd_fd, folder, .{ .directory = true }, 0);
    errdefer sys.close(fd);
    const stat = try sys.fstat(fd);
    if (!sys.isPrivate(stat, true)) return error.Insecure;
    return fd;
}

fn heapPath(buffer: *[sys.path_max_bytes]u8, folder: [:0]const u8) Error![:0]const u8 {
    var random: [8]u8 = undefined;
    sys.randomBytes(&random);
    const hex = std.fmt.bytesToHex(random, .lower);
    const pid = sys.getpid();
    const format = "{s}/" ++ heap_prefix ++ "{d}-{s}" ++ heap_suffix;
    const path = std.fmt.bufPrintZ(buffer, format, .{ folder, pid, hex }) catch {
        return error.PathTooLong;
    };
    assert(std.mem.endsWith(u8, path, heap_suffix));
    return path;
}

/// Unlinks the heap files (and old temporary files) in the folder that no process has
/// attached. Errors on single files are skipped: they are someone else's or in use.
pub fn cleanupStale(folder_fd: sys.fd_t) void {
    assert(folder_fd >= 0);
    const dir: std.fs.Dir = .{ .fd = folder_fd };
    var iterator = dir.iterate();
    var seen: u32 = 0;
    while (seen < cleanup_entries_max) : (seen += 1) {
        const entry = (iterator.next() catch return) orelse return;
        // Some file systems do not report kinds; unlinkIfUnused checks for a regular file.
        if (entry.kind != .file and entry.kind != .unknown) continue;
        if (!std.mem.startsWith(u8, entry.name, heap_prefix)) continue;
        var name_buffer: [256]u8 = undefined;
        const name = std.fmt.bufPrintZ(&name_buffer, "{s}", .{entry.name}) catch continue;
        const kind: file.Kind = if (std.mem.endsWith(u8, name, heap_suffix))
            .heap
        else if (std.mem.indexOf(u8, name, temp_marker) != null)
            .stale_temp
        else
            continue;
        _ = file.unlinkIfUnused(folder_fd, name, kind) catch {};
    }
}
