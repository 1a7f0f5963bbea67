//! The C ABI of libmpmetrics (see ../ABI.md): every exported function lives here, and
//! each one only checks its arguments, calls into a concept file, and turns a Zig error
//! into a negative Status. No Zig error and no panic for bad input crosses this line.
const std = @import("std");
const status_ = @import("status.zig");
const sys = @import("sys.zig");
const heap_ = @import("heap.zig");
const handles = @import("handles.zig");
const slots = @import("slots.zig");
const atomics = @import("atomics.zig");
const file = @import("file.zig");
const default_dir = @import("default_dir.zig");
const inherit = @import("inherit.zig");
const clock = @import("clock.zig");

const assert = std.debug.assert;
const Status = status_.Status;
const Error = status_.Error;
const Heap = heap_.Heap;

pub const abi_version: u32 = 1;

/// Exhaustive on purpose: a new error without a status does not compile.
fn statusOf(err: Error) Status {
    return switch (err) {
        error.InvalidArgument => .invalid_argument,
        error.NotFound => .not_found,
        error.AlreadyExists => .already_exists,
        error.Insecure => .insecure,
        error.NotAHeap => .not_a_heap,
        error.VersionMismatch => .version_mismatch,
        error.LayoutMismatch => .layout_mismatch,
        error.Truncated => .truncated,
        error.Corrupt => .corrupt,
        error.HeapFull => .heap_full,
        error.NoSpace => .no_space,
        error.IoError => .io_error,
        error.NoFreeSlot => .no_free_slot,
        error.BadHandle => .bad_handle,
        error.TooManyHandles => .too_many_handles,
        error.Symlink => .symlink,
        error.Busy => .busy,
        error.PathTooLong => .path_too_long,
        error.LockTimeout => .lock_timeout,
    };
}

fn fail(err: Error) i32 {
    return statusOf(err).negative();
}

fn failFloat(err: Error) f64 {
    return @floatFromInt(fail(err));
}

fn heapOf(handle: u32) Error!*Heap {
    return handles.lookup(handle) orelse error.BadHandle;
}

/// A C string as a slice. The scan stops at the first NUL or after path_max_bytes, so a
/// string without a NUL in that range is PathTooLong rather than an endless read.
fn pathOf(pointer: ?[*:0]const u8, allow_empty: bool) Error![:0]const u8 {
    const chars = pointer orelse return error.InvalidArgument;
    // Byte by byte on purpose: std.mem.indexOfScalar loads whole vectors and could read
    // past the NUL into an unmapped page.
    var length: u32 = 0;
    while (length < sys.path_max_bytes and chars[length] != 0) length += 1;
    if (length == sys.path_max_bytes) return error.PathTooLong;
    if (length == 0 and !allow_empty) return error.InvalidArgument;
    return chars[0..length :0];
}

pub fn configOf(size_initial_bytes: u32, size_max_bytes: f64, writer_slots_max: u32) Error!heap_.Config {
    return heap_.Config.init(size_initial_bytes, size_max_bytes, writer_slots_max);
}

pub export fn mp_abi_version() u32 {
    return abi_version;
}

/// CLOCK_MONOTONIC in milliseconds (clock.zig): the timers' clock where the runtime's own is dearer.
pub export fn mp_monotonic_ms() f64 {
    return clock.monotonicMs();
}

const OpenRequest = struct {
    path: [:0]const u8,
    mode: heap_.OpenMode,
    config: ?heap_.Config,

    fn run(request: *const OpenRequest, heap: *Heap) Error!void {
        return heap.open(request.path, request.mode, request.config);
    }
};

pub export fn mp_heap_open(
    path: ?[*:0]const u8,
    mode: u32,
    size_initial_bytes: u32,
    size_max_bytes: f64,
    writer_slots_max: u32,
) i32 {
    const open_mode = std.meta.intToEnum(heap_.OpenMode, mode) catch {
        return fail(error.InvalidArgument);
    };
    // Attach-only takes the heap's shape from the file and ignores these arguments.
    const config: ?heap_.Config = if (open_mode == .attach_only)
        null
    else
        configOf(size_initial_bytes, size_max_bytes, writer_slots_max) catch |err| return fail(err);
    const request: OpenRequest = .{
        .path = pathOf(path, false) catch |err| return fail(err),
        .mode = open_mode,
        .config = config,
    };
    const handle = handles.open(&request, OpenRequest.run) catch |err| return fail(err);
    return @intCast(handle);
}

const CreateDefaultRequest = struct {
    dir: [:0]const u8,
    out: []u8,
    config: heap_.Config,

    fn run(request: *const CreateDefaultRequest, heap: *Heap) Error!void {
        return default_dir.create(heap, request.dir, request.out, request.config);
    }
};

pub export fn mp_heap_create_default(
    dir: ?[*:0]const u8,
    out_path: ?[*]u8,
    out_path_size_bytes: u32,
    size_initial_bytes: u32,
    size_max_bytes: f64,
    writer_slots_max: u32,
) i32 {
    const out = out_path orelse return fail(error.InvalidArgument);
    const request: CreateDefaultRequest = .{
        .dir = pathOf(dir, true) catch |err| return fail(err),
        .out = out[0..out_path_size_bytes],
        .config = configOf(size_initial_bytes, size_max_bytes, writer_slots_max) catch |err| {
            return fail(err);
        },
    };
    const handle = handles.open(&request, CreateDefaultRequest.run) catch |err| return fail(err);
    return @intCast(handle);
}

/// Writes a NUL-terminated path into `out`, or PathTooLong.
fn writePath(out: []u8, path: []const u8) Error!void {
    if (path.len + 1 > out.len) return error.PathTooLong;
    @memcpy(out[0..path.len], path);
    out[path.len] = 0;
}

pub export fn mp_default_dir(parent: ?[*:0]const u8, out_path: ?[*]u8, out_path_size_bytes: u32) i32 {
    const out = out_path orelse return fail(error.InvalidArgument);
    if (out_path_size_bytes == 0) return fail(error.PathTooLong);
    const parent_path = pathOf(parent, true) catch |err| return fail(err);
    var buffer: [sys.path_max_bytes]u8 = undefined;
    const resolved = default_dir.resolve(&buffer, parent_path) catch |err| return fail(err);
    writePath(out[0..out_path_size_bytes], resolved.path) catch |err| return fail(err);
    return switch (resolved.choice) {
        .primary => 0,
        .fallback => if (default_dir.firstFallbackReport()) 1 else 2,
    };
}

pub export fn mp_inherit_register(handle: u32, folder: ?[*:0]const u8, kind: u32) i32 {
    const record_kind = std.meta.intToEnum(inherit.Kind, kind) catch return fail(error.InvalidArgument);
    const heap = heapOf(handle) catch |err| return fail(err);
    const folder_path = pathOf(folder, false) catch |err| return fail(err);
    inherit.register(folder_path, heap.path(), record_kind) catch |err| return fail(err);
    return 0;
}

pub export fn mp_inherit_find(folder: ?[*:0]const u8, accept: u32, out_path: ?[*]u8, out_path_size_bytes: u32) i32 {
    const accepted = std.meta.intToEnum(inherit.Accept, accept) catch return fail(error.InvalidArgument);
    const out = out_path orelse return fail(error.InvalidArgument);
    if (out_path_size_bytes == 0) return fail(error.PathTooLong);
    const folder_path = pathOf(folder, false) catch |err| return fail(err);
    const length = inherit.find(folder_path, accepted, out[0..out_path_size_bytes]) catch |err| return fail(err);
    return @intFromBool(length > 0);
}

/// Flag bits of mp_heap_close.
pub const close_unlink_if_last: u32 = 1;
pub const close_keep_mapping: u32 = 2;

pub export fn mp_heap_close(handle: u32, flags: u32) i32 {
    if (flags & ~(close_unlink_if_last | close_keep_mapping) != 0) return fail(error.InvalidArgument);
    const options: Heap.CloseOptions = .{
        .unlink_if_last = flags & close_unlink_if_last != 0,
        .keep_mapping = flags & close_keep_mapping != 0,
    };
    const unlinked = handles.close(handle, options) catch |err| return fail(err);
    return @intFromBool(unlinked);
}

pub export fn mp_heap_base(handle: u32) ?*anyopaque {
    const heap = heapOf(handle) catch return null;
    return heap.base;
}

pub export fn mp_heap_mapped_bytes(handle: u32) f64 {
    const heap = heapOf(handle) catch |err| return failFloat(err);
    return @floatFromInt(heap.mapped_bytes.load(.acquire));
}

pub export fn mp_heap_refresh(handle: u32) f64 {
    const heap = heapOf(handle) catch |err| return failFloat(err);
    const mapped = heap.refresh() catch |err| return failFloat(err);
    return @floatFromInt(mapped);
}

pub export fn mp_heap_alloc(handle: u32, size_bytes: u32, align_bytes: u32) f64 {
    const heap = heapOf(handle) catch |err| return failFloat(err);
    const offset = heap.alloc(size_bytes, align_bytes, .take) catch |err| return failFloat(err);
    return @floatFromInt(offset);
}

pub export fn mp_heap_alloc_locked(handle: u32, size_bytes: u32, align_bytes: u32) f64 {
    const heap = heapOf(handle) catch |err| return failFloat(err);
    const offset = heap.alloc(size_bytes, align_bytes, .caller_holds) catch |err| {
        return failFloat(err);
    };
    return @floatFromInt(offset);
}

pub export fn mp_heap_lock(handle: u32) i32 {
    const heap = heapOf(handle) catch |err| return fail(err);
    const locked = heap.lock() catch |err| return fail(err);
    return switch (locked) {
        .clean => 0,
        .recovered => 1,
    };
}

pub export fn mp_heap_unlock(handle: u32) i32 {
    const heap = heapOf(handle) catch |err| return fail(err);
    heap.unlock() catch |err| return fail(err);
    return 0;
}

pub export fn mp_heap_verify(handle: u32) i32 {
    const heap = heapOf(handle) catch |err| return fail(err);
    heap.verify() catch |err| return fail(err);
    return 0;
}

/// Bounds every later take of the heap lock through this handle (mp_heap_lock,
/// mp_heap_alloc) to timeout_ms (1..600000; default 3000).
pub export fn mp_heap_set_lock_timeout(handle: u32, timeout_ms: u32) i32 {
    const heap = heapOf(handle) catch |err| return fail(err);
    heap.setLockTimeout(timeout_ms) catch |err| return fail(err);
    return 0;
}

/// The pid that held the heap lock when this handle's last take timed out (0 if none did).
pub export fn mp_heap_lock_holder(handle: u32) i32 {
    const heap = heapOf(handle) catch |err| return fail(err);
    return @intCast(heap.lock_holder_pid.load(.acquire));
}

pub export fn mp_slot_claim(handle: u32) i32 {
    const heap = heapOf(handle) catch |err| return fail(err);
    const slot = slots.claim(heap) catch |err| return fail(err);
    return @intCast(slot);
}

pub export fn mp_slot_release(handle: u32, slot: u32) i32 {
    const heap = heapOf(handle) catch |err| return fail(err);
    slots.release(heap, slot) catch |err| return fail(err);
    return 0;
}

pub export fn mp_slot_is_live(handle: u32, slot: u32) i32 {
    const heap = heapOf(handle) catch |err| return fail(err);
    const live = slots.isLive(heap, slot) catch |err| return fail(err);
    return @intFromBool(live);
}

pub export fn mp_heap_unlink_if_unused(path: ?[*:0]const u8) i32 {
    const checked = pathOf(path, false) catch |err| return fail(err);
    const unlinked = file.unlinkIfUnused(sys.cwd_fd, checked, .heap) catch |err| return fail(err);
    return @intFromBool(unlinked);
}

fn cellOf(handle: u32, offset: u32) Error!*u64 {
    return atomics.cell(try heapOf(handle), offset);
}

fn floatUpdate(handle: u32, offset: u32, op: atomics.FloatOp, value: f64) i32 {
    const cell = cellOf(handle, offset) catch |err| return fail(err);
    atomics.floatUpdate(cell, op, value) catch |err| return fail(err);
    return 0;
}

pub export fn mp_f64_add(handle: u32, offset: u32, value: f64) i32 {
    return floatUpdate(handle, offset, .add, value);
}

pub export fn mp_f64_max(handle: u32, offset: u32, value: f64) i32 {
    return floatUpdate(handle, offset, .max, value);
}

pub export fn mp_f64_min(handle: u32, offset: u32, value: f64) i32 {
    return floatUpdate(handle, offset, .min, value);
}

pub export fn mp_f64_store(handle: u32, offset: u32, value: f64) i32 {
    const cell = cellOf(handle, offset) catch |err| return fail(err);
    atomics.store(f64, cell, value);
    return 0;
}

pub export fn mp_f64_load(handle: u32, offset: u32) f64 {
    const cell = cellOf(handle, offset) catch return std.math.nan(f64);
    return atomics.load(f64, cell);
}

pub export fn mp_f64_cas(handle: u32, offset: u32, expected: f64, desired: f64) i32 {
    const cell = cellOf(handle, offset) catch |err| return fail(err);
    return @intFromBool(atomics.cas(f64, cell, expected, desired));
}

fn intAdd(comptime T: type, handle: u32, offset: u32, value: T, out_previous: ?*T) i32 {
    const cell = cellOf(handle, offset) catch |err| return fail(err);
    const previous = atomics.add(T, cell, value);
    if (out_previous) |out| out.* = previous;
    return 0;
}

fn intLoad(comptime T: type, handle: u32, offset: u32, out_value: ?*T) i32 {
    const out = out_value orelse return fail(error.InvalidArgument);
    const cell = cellOf(handle, offset) catch |err| return fail(err);
    out.* = atomics.load(T, cell);
    return 0;
}

fn intStore(comptime T: type, handle: u32, offset: u32, value: T) i32 {
    const cell = cellOf(handle, offset) catch |err| return fail(err);
    atomics.store(T, cell, value);
    return 0;
}

fn intCas(comptime T: type, handle: u32, offset: u32, expected: T, desired: T) i32 {
    const cell = cellOf(handle, offset) catch |err| return fail(err);
    return @intFromBool(atomics.cas(T, cell, expected, desired));
}

pub export fn mp_i64_add(handle: u32, offset: u32, value: i64, out_previous: ?*i64) i32 {
    return intAdd(i64, handle, offset, value, out_previous);
}

pub export fn mp_i64_load(handle: u32, offset: u32, out_value: ?*i64) i32 {
    return intLoad(i64, handle, offset, out_value);
}

pub export fn mp_i64_store(handle: u32, offset: u32, value: i64) i32 {
    return intStore(i64, handle, offset, value);
}

pub export fn mp_i64_cas(handle: u32, offset: u32, expected: i64, desired: i64) i32 {
    return intCas(i64, handle, offset, expected, desired);
}

pub export fn mp_u64_add(handle: u32, offset: u32, value: u64, out_previous: ?*u64) i32 {
    return intAdd(u64, handle, offset, value, out_previous);
}

pub export fn mp_u64_load(handle: u32, offset: u32, out_value: ?*u64) i32 {
    return intLoad(u64, handle, offset, out_value);
}

pub export fn mp_u64_store(handle: u32, offset: u32, value: u64) i32 {
    return intStore(u64, handle, offset, value);
}

pub export fn mp_u64_cas(handle: u32, offset: u32, expected: u64, desired: u64) i32 {
    return intCas(u64, handle, offset, expected, desired);
}

test {
    _ = status_;
    _ = sys;
    _ = @import("header.zig");
    _ = @import("mutex.zig");
    _ = @import("liveness.zig");
    _ = @import("held.zig");
    _ = @import("mapping.zig");
    _ = atomics;
    _ = clock;
    _ = @import("proc.zig");
    _ = inherit;
    _ = @import("tests.zig");
    _ = @import("inherit_tests.zig");
    _ = @import("damage_tests.zig");
}
