//! The process-local handle table: 64 open heaps at most, shared by every thread that
//! loaded the library (worker threads each open their own handles). Opening and closing
//! take the table mutex; lookups on the hot path are a single atomic load.
//!
//! A handle is (generation << 6 | index) + 1, so a stale handle of a closed heap does not
//! silently reach the heap that reuses its entry.
//!
//! A handle belongs to the thread that opened it. When that thread exits with handles
//! still open, a thread-specific-data destructor closes them (releasing their writer
//! slots and attach locks, unlinking the file if they were the last): a JavaScript worker
//! thread is one OS thread, and not every runtime tells JavaScript that a worker is
//! ending (Deno's node:worker_threads workers get no exit event). Without this, a job
//! runner that starts short-lived workers would hold one writer slot per worker ever
//! started until the process exits.
const std = @import("std");
const Heap = @import("heap.zig").Heap;
const sys = @import("sys.zig");
const inherit = @import("inherit.zig");
const Error = @import("status.zig").Error;

const assert = std.debug.assert;

pub const handles_max: u32 = 64;
const index_bits = 6;
/// Keeps every handle below 2^30: positive as an i32 result.
const generation_limit: u32 = 1 << 24;

comptime {
    assert(handles_max == 1 << index_bits);
}

const Entry = struct {
    /// The handle this entry serves, 0 when free. Written under table_mutex; read
    /// without it by lookups (acquire pairs with the release that published the heap).
    handle: std.atomic.Value(u32) = .init(0),
    generation: u32 = 0,
    /// The thread that opened it; its exit closes the handle (see threadExit).
    owner_thread: std.Thread.Id = 0,
    heap: Heap = undefined,
};

var table_mutex: std.Thread.Mutex = .{};
var entries: [handles_max]Entry = [_]Entry{.{}} ** handles_max;

/// The key whose destructor runs threadExit; made on the first open.
var thread_exit_key: std.c.pthread_key_t = undefined;
var thread_exit_key_made = false;
/// The non-null value a thread stores under the key: only non-null values get a destructor call.
var thread_exit_marker: u8 = 1;

const DlInfo = extern struct {
    dli_fname: ?[*:0]const u8,
    dli_fbase: ?*anyopaque,
    dli_sname: ?[*:0]const u8,
    dli_saddr: ?*anyopaque,
};
extern "c" fn dladdr(address: *const anyopaque, info: *DlInfo) c_int;

/// Keeps this library loaded until the process exits. Once a thread has a destructor
/// registered here, unloading the library would leave libc calling into unmapped code
/// when that thread exits (seen: Deno unloads its FFI library after each test file while
/// its tokio threads live on; tests/unload_with_live_thread.c). RTLD_NOLOAD only promotes
/// the already-loaded library to RTLD_NODELETE.
fn pinLibrary() void {
    var info: DlInfo = undefined;
    if (dladdr(@ptrCast(&threadExit), &info) == 0) return;
    const path = info.dli_fname orelse return;
    _ = std.c.dlopen(path, .{ .NOW = true, .NOLOAD = true, .NODELETE = true });
}

/// Arranges for threadExit to run when the calling thread exits. Caller holds table_mutex.
fn watchCallingThread() Error!void {
    if (!thread_exit_key_made) {
        pinLibrary();
        if (std.c.pthread_key_create(&thread_exit_key, threadExit) != .SUCCESS) return error.IoError;
        thread_exit_key_made = true;
    }
    if (std.c.pthread_setspecific(thread_exit_key, &thread_exit_marker) != 0) return error.IoError;
}

/// Runs on an exiting thread (never on the main thread at process exit: the kernel
/// releases everything then). Closes the handles it opened; unlinks a file it was last on.
fn threadExit(value: *anyopaque) callconv(.c) void {
    assert(value == @as(*anyopaque, &thread_exit_marker));
    const self = std.Thread.getCurrentId();
    table_mutex.lock();
    defer table_mutex.unlock();
    for (&entries) |*entry| {
        const handle = entry.handle.load(.acquire);
        if (handle == 0 or entry.owner_thread != self) continue;
        entry.handle.store(0, .release);
        _ = closeAndRelease(&entry.heap, .{ .unlink_if_last = true }) catch {};
    }
}

/// Runs `opener(context, heap)` on a free entry and publishes the handle if it succeeds.
/// Opens are serialized: they are rare, and it keeps two opens from taking one entry.
pub fn open(context: anytype, comptime opener: fn (@TypeOf(context), *Heap) Error!void) Error!u32 {
    table_mutex.lock();
    defer table_mutex.unlock();
    const index = for (&entries, 0..) |*entry, i| {
        if (entry.handle.load(.acquire) == 0) break @as(u32, @intCast(i));
    } else return error.TooManyHandles;
    const entry = &entries[index];
    try watchCallingThread();
    try opener(context, &entry.heap);
    entry.owner_thread = std.Thread.getCurrentId();
    entry.generation = (entry.generation + 1) % generation_limit;
    const handle = ((entry.generation << index_bits) | index) + 1;
    assert(handle >= 1 and handle < (1 << 30));
    entry.handle.store(handle, .release);
    return handle;
}

pub fn lookup(handle: u32) ?*Heap {
    if (handle == 0) return null;
    const entry = &entries[(handle - 1) & (handles_max - 1)];
    if (entry.handle.load(.acquire) != handle) return null;
    return &entry.heap;
}

/// Retires the handle (later lookups fail at once), then closes its heap. The caller
/// must not use the handle from another thread meanwhile: its memory is unmapped.
pub fn close(handle: u32, options: Heap.CloseOptions) Error!bool {
    table_mutex.lock();
    defer table_mutex.unlock();
    const heap = lookup(handle) orelse return error.BadHandle;
    const entry = &entries[(handle - 1) & (handles_max - 1)];
    assert(&entry.heap == heap);
    entry.handle.store(0, .release);
    return closeAndRelease(heap, options);
}

/// Closes a retired entry's heap; when no open handle of this process is left on its
/// path, this process no longer offers that heap to its children (inherit.zig). The
/// caller holds table_mutex.
fn closeAndRelease(heap: *Heap, options: Heap.CloseOptions) Error!bool {
    var path_buffer: [sys.path_max_bytes]u8 = undefined;
    const path = path_buffer[0..heap.path_len];
    @memcpy(path, heap.path());
    defer if (!pathStillOpen(path)) inherit.released(path);
    return heap.close(options);
}

fn pathStillOpen(path: []const u8) bool {
    for (&entries) |*entry| {
        if (entry.handle.load(.acquire) == 0) continue;
        if (std.mem.eql(u8, entry.heap.path(), path)) return true;
    }
    return false;
}

/// How many handles are open (for tests).
pub fn openCount() u32 {
    var count: u32 = 0;
    for (&entries) |*entry| count += @intFromBool(entry.handle.load(.acquire) != 0);
    assert(count <= handles_max);
    return count;
}
