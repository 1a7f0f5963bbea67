//! One open heap (one handle): opening (attach, or create by temp file + link), the
//! mapping and its growth, the heap mutex with crash recovery, bump allocation, verify
//! and close. Every critical section on shared state appends first and publishes last,
//! so a process that dies at any instruction leaves a state that `verify` accepts.
const std = @import("std");
const sys = @import("sys.zig");
const locks = @import("locks.zig");
const mapping = @import("mapping.zig");
const mutex_ = @import("mutex.zig");
const held = @import("held.zig");
const file = @import("file.zig");
const header_ = @import("header.zig");
const Error = @import("status.zig").Error;

const assert = std.debug.assert;
const Header = header_.Header;

/// How often open re-tries when the file it attached to was unlinked under it, or its
/// create lost a race to another creator.
pub const attach_retries_max: u32 = 64;
const attach_backoff_ns: u64 = 100 * std.time.ns_per_us;

pub const align_min_bytes: u32 = 8;
pub const align_max_bytes: u32 = 4096;

pub const OpenMode = enum(u32) {
    attach_only = 0,
    create_only = 1,
    attach_or_create = 2,
};

/// The shape of a heap to create, checked and rounded to pages.
pub const Config = struct {
    size_initial_bytes: u64,
    size_max_bytes: u64,
    writer_slots_max: u32,

    /// size_max_bytes is rounded down to the page size and must hold at least the header
    /// and slot table. size_initial_bytes (at most size_max_bytes) is rounded up to the
    /// page size and to at least the first allocation's offset, then capped at the maximum.
    pub fn init(size_initial_bytes: u32, size_max_bytes: f64, writer_slots_max: u32) Error!Config {
        if (writer_slots_max < 1 or writer_slots_max > header_.writer_slots_limit) {
            return error.InvalidArgument;
        }
        const limit: f64 = @floatFromInt(header_.size_max_limit_bytes);
        if (!(size_max_bytes >= 0 and size_max_bytes <= limit)) return error.InvalidArgument;
        if (size_max_bytes != @floor(size_max_bytes)) return error.InvalidArgument;
        const page = sys.pageSizeBytes();
        const size_max = std.mem.alignBackward(u64, @intFromFloat(size_max_bytes), page);
        const data_start = header_.dataStartBytes(writer_slots_max);
        if (size_max < data_start) return error.InvalidArgument;
        if (@as(f64, @floatFromInt(size_initial_bytes)) > size_max_bytes) return error.InvalidArgument;
        const wanted = std.mem.alignForward(u64, @max(size_initial_bytes, data_start), page);
        const initial = @min(wanted, size_max);
        assert(initial % page == 0 and initial >= data_start);
        assert(size_max <= header_.size_max_limit_bytes);
        return .{
            .size_initial_bytes = initial,
            .size_max_bytes = size_max,
            .writer_slots_max = writer_slots_max,
        };
    }
};

pub const Locked = enum { clean, recovered };

/// The most a growth adds beyond what the allocation needs.
const growth_slack_max_bytes: u64 = 4 << 20;

pub const Heap = struct {
    fd: sys.fd_t,
    base: mapping.Base,
    /// The address space reserved at open: the header's size_max_bytes.
    reservation_bytes: u64,
    page_size_bytes: u64,
    /// Fixed at creation; kept here so a stray write to the header cannot widen loops.
    writer_slots_max: u32,
    /// How much of the reservation maps the file. Only grows. Read without a lock.
    mapped_bytes: std.atomic.Value(u64),
    /// Guards mapping growth and slots_held when threads share this handle.
    local_mutex: std.Thread.Mutex,
    /// Whether this handle took the heap mutex (mp_heap_lock) and has not released it.
    holds_mutex: std.atomic.Value(bool),
    /// The thread that took it (held.zig), while holds_mutex.
    lock_thread: std.Thread.Id,
    /// How long one take of the heap lock may wait (mp_heap_set_lock_timeout).
    lock_timeout_ms: u32,
    /// The pid that held the lock when this handle's last take timed out (0: none yet).
    lock_holder_pid: std.atomic.Value(u32),
    /// The slots this handle holds the kernel lock of. Guarded by local_mutex.
    slots_held: std.bit_set.StaticBitSet(header_.writer_slots_limit),
    /// The file as opened, to check the path still names it before unlinking.
    identity: sys.Stat,
    path_buffer: [sys.path_max_bytes]u8,
    path_len: u32,

    pub fn header(heap: *const Heap) *Header {
        return @ptrCast(heap.base);
    }

    pub fn path(heap: *const Heap) [:0]const u8 {
        assert(heap.path_buffer[heap.path_len] == 0);
        return heap.path_buffer[0..heap.path_len :0];
    }

    pub fn mutex(heap: *const Heap) *mutex_.Lock {
        return &heap.header().lock;
    }

    /// Opens the heap at `path_in`. On error nothing is left open or mapped.
    /// `config` is needed (and only used) when the mode may create.
    pub fn open(heap: *Heap, path_in: [:0]const u8, mode: OpenMode, config: ?Config) Error!void {
        assert(path_in.len > 0);
        assert(mode == .attach_only or config != null);
        if (path_in.len >= sys.path_max_bytes) return error.PathTooLong;
        heap.reset();
        @memcpy(heap.path_buffer[0..path_in.len], path_in);
        heap.path_buffer[path_in.len] = 0;
        heap.path_len = @intCast(path_in.len);
        var attempt: u32 = 0;
        while (attempt < attach_retries_max) : (attempt += 1) {
            // Only a lost race gets here twice: the file was being unlinked by its last
            // user, or another process created it first. Give the other side a moment.
            if (attempt > 0) std.Thread.sleep(attach_backoff_ns * attempt);
            if (mode != .create_only) {
                const attached = heap.attach() catch |err| switch (err) {
                    error.NotFound => if (mode == .attach_only) return err else false,
                    else => return err,
                };
                if (attached) return;
            }
            if (mode != .attach_only) {
                heap.create(config.?) catch |err| switch (err) {
                    error.AlreadyExists => if (mode == .create_only) return err else continue,
                    else => return err,
                };
                return;
            }
        }
        return error.Busy;
    }

    fn reset(heap: *Heap) void {
        heap.fd = -1;
        heap.reservation_bytes = 0;
        heap.page_size_bytes = sys.pageSizeBytes();
        heap.writer_slots_max = 0;
        heap.mapped_bytes = .init(0);
        heap.local_mutex = .{};
        heap.holds_mutex = .init(false);
        heap.lock_thread = 0;
        heap.lock_timeout_ms = mutex_.timeout_default_ms;
        heap.lock_holder_pid = .init(0);
        heap.slots_held = .initEmpty();
        heap.path_len = 0;
    }

    /// Attaches to an existing file. False (and nothing kept) when the file turned out to
    /// be unlinked or replaced while we opened it: the caller retries.
    fn attach(heap: *Heap) Error!bool {
        assert(heap.fd == -1);
        const fd = try sys.openAt(sys.cwd_fd, heap.path(), .{}, 0);
        errdefer sys.close(fd);
        const stat = try sys.fstat(fd);
        if (!sys.isPrivate(stat, false)) return error.Insecure;
        // A failed read lock means the last detacher holds the write lock to unlink it.
        if (!try locks.trySet(fd, locks.attach_lock_offset, .read)) return retryLater(fd);
        // It may have been unlinked between our open and our lock.
        if (!try file.namesFile(sys.cwd_fd, heap.path(), stat)) return retryLater(fd);
        var copy: Header = undefined;
        try file.readHeader(fd, &copy, heap.page_size_bytes);
        try heap.mapNew(fd, copy.size_max_bytes, copy.size_bytes);
        heap.writer_slots_max = copy.writer_slots_max;
        heap.identity = stat;
        heap.fd = fd;
        return true;
    }

    fn retryLater(fd: sys.fd_t) bool {
        sys.close(fd);
        return false;
    }

    /// Creates the heap: a fully initialised temporary file in the same folder, linked
    /// into place (link fails if the path exists: AlreadyExists), so that no attacher ever
    /// sees a half-made header.
    fn create(heap: *Heap, config: Config) Error!void {
        assert(heap.fd == -1);
        assert(config.size_initial_bytes % heap.page_size_bytes == 0);
        var temp_buffer: [sys.path_max_bytes]u8 = undefined;
        const temp = try tempPath(&temp_buffer, heap.path());
        const fd = try sys.openAt(sys.cwd_fd, temp, .{ .create_exclusive = true }, 0o600);
        var linked = false;
        errdefer {
            if (!linked) sys.unlinkAt(sys.cwd_fd, temp) catch {};
            sys.close(fd);
        }
        // Locked from the start: stale-file cleanup never takes a file in the making.
        if (!try locks.trySet(fd, locks.attach_lock_offset, .read)) return error.IoError;
        try sys.fchmod(fd, 0o600); // exactly 0600, whatever the umask
        try sys.allocate(fd, 0, config.size_initial_bytes);
        try heap.mapNew(fd, config.size_max_bytes, config.size_initial_bytes);
        errdefer heap.unmap();
        header_.init(
            heap.header(),
            config.writer_slots_max,
            config.size_initial_bytes,
            config.size_max_bytes,
            heap.page_size_bytes,
            sys.getpid(),
        );
        const stat = try sys.fstat(fd);
        try sys.link(temp, heap.path());
        linked = true;
        // The heap is complete under its real name; a leftover temp name is harmless.
        sys.unlinkAt(sys.cwd_fd, temp) catch {};
        heap.writer_slots_max = config.writer_slots_max;
        heap.identity = stat;
        heap.fd = fd;
    }

    fn tempPath(buffer: *[sys.path_max_bytes]u8, final: [:0]const u8) Error![:0]const u8 {
        var random: [8]u8 = undefined;
        sys.randomBytes(&random);
        const hex = std.fmt.bytesToHex(random, .lower);
        const temp = std.fmt.bufPrintZ(buffer, "{s}.tmp-{s}", .{ final, hex }) catch {
            return error.PathTooLong;
        };
        assert(temp.len > final.len);
        return temp;
    }

    /// Reserves the whole maximum size and maps the file's first size_bytes into it.
    fn mapNew(heap: *Heap, fd: sys.fd_t, size_max_bytes: u64, size_bytes: u64) Error!void {
        assert(heap.reservation_bytes == 0);
        assert(size_bytes <= size_max_bytes and size_bytes % heap.page_size_bytes == 0);
        heap.base = try mapping.reserve(size_max_bytes, heap.page_size_bytes);
        errdefer mapping.release(heap.base, size_max_bytes);
        try mapping.mapFile(heap.base, fd, 0, size_bytes);
        heap.reservation_bytes = size_max_bytes;
        heap.mapped_bytes.store(size_bytes, .release);
    }

    fn unmap(heap: *Heap) void {
        assert(heap.reservation_bytes > 0);
        mapping.release(heap.base, heap.reservation_bytes);
        heap.reservation_bytes = 0;
        heap.mapped_bytes.store(0, .release);
    }

    /// Releases this handle's slots, its mutex (if it holds it) and its attach lock;
    /// unmaps and closes. With unlink_if_last, unlinks the file when no other handle in
    /// any process is attached. True if it unlinked. The handle is closed even on error.
    /// How a heap is closed: whether the last one out unlinks the file, and whether the
    /// memory stays mapped (see CloseOptions.keep_mapping).
    pub const CloseOptions = struct {
        unlink_if_last: bool,
        /// Leave the reservation and the file mapped: memory that a garbage-collected
        /// runtime may still hold views of stays valid (writes then reach the unlinked file
        /// or a file nobody reads, never an unmapped page). The address space is released
        /// when the process exits.
        keep_mapping: bool = false,
    };

    pub fn close(heap: *Heap, options: CloseOptions) Error!bool {
        assert(heap.fd >= 0);
        assert(heap.reservation_bytes > 0);
        if (heap.holds_mutex.load(.acquire)) heap.unlock() catch {};
        const unlinked: Error!bool = if (options.unlink_if_last) heap.unlinkIfLast() else false;
        // Drop the slot and attach locks now: closing the descriptor alone would not while a
        // kept mapping holds the open file description. The slot count kept at attach, not
        // the header's: a damaged header word failed unlockAll's range assertion (zig/fuzz).
        locks.unlockAll(heap.fd, heap.writer_slots_max) catch {};
        if (!options.keep_mapping) heap.unmap();
        sys.close(heap.fd);
        heap.fd = -1;
        return unlinked;
    }

    fn unlinkIfLast(heap: *Heap) Error!bool {
        assert(heap.fd >= 0);
        // Converting our read lock to a write lock succeeds only if nobody else holds one.
        if (try locks.trySet(heap.fd, locks.attach_lock_offset, .write)) {
            return file.unlinkIfNamed(sys.cwd_fd, heap.path(), heap.identity);
        }
        // Handles closing at once (processes exiting together) each see the others' read
        // locks, and none would be last. So drop ours and try once more: of the handles
        // closing together, the last to drop its read lock finds none left and unlinks; a
        // handle still attached keeps its lock, and with it the file.
        _ = try locks.trySet(heap.fd, locks.attach_lock_offset, .unlock);
        if (!try locks.trySet(heap.fd, locks.attach_lock_offset, .write)) return false;
        return file.unlinkIfNamed(sys.cwd_fd, heap.path(), heap.identity);
    }

    /// Maps up to the header's size_bytes (after checking the file really is that long)
    /// and returns the mapped size.
    pub fn refresh(heap: *Heap) Error!u64 {
        heap.local_mutex.lock();
        defer heap.local_mutex.unlock();
        const mapped = heap.mapped_bytes.load(.acquire);
        const size = @atomicLoad(u64, &heap.header().size_bytes, .seq_cst);
        if (size <= mapped) return mapped;
        if (size > heap.reservation_bytes or size % heap.page_size_bytes != 0) {
            return error.Corrupt;
        }
        const stat = try sys.fstat(heap.fd);
        try header_.checkFileSize(@intCast(stat.size), size);
        try mapping.mapFile(heap.base, heap.fd, mapped, size);
        heap.mapped_bytes.store(size, .release);
        assert(size > mapped);
        return size;
    }

    /// Takes the heap lock, waiting at most lock_timeout_ms (then LockTimeout, and
    /// lock_holder_pid names the holder). `recovered` when its holder had died: the
    /// header was verified. A failed verification poisons the lock (Corrupt for all).
    pub fn lock(heap: *Heap) Error!Locked {
        assert(heap.fd >= 0);
        assert(heap.lock_timeout_ms >= 1 and heap.lock_timeout_ms <= mutex_.timeout_max_ms);
        // Each handle takes the lock at most once; a second take would wait for itself.
        if (heap.holds_mutex.load(.acquire)) return error.InvalidArgument;
        const file_id = held.FileId.of(heap.identity);
        const thread = std.Thread.getCurrentId();
        if (held.isHeld(file_id, thread)) return error.InvalidArgument;
        var waited: mutex_.Waited = .{};
        const acquired = mutex_.lock(heap.mutex(), heap.lock_timeout_ms, &waited) catch |err| {
            if (err == error.LockTimeout) heap.lock_holder_pid.store(waited.holder_pid, .release);
            return err;
        };
        if (acquired == .owner_died) {
            heap.verify() catch |err| {
                mutex_.poison(heap.mutex());
                return err;
            };
        }
        held.add(file_id, thread);
        heap.lock_thread = thread;
        heap.holds_mutex.store(true, .release);
        return if (acquired == .owner_died) .recovered else .clean;
    }

    pub fn unlock(heap: *Heap) Error!void {
        assert(heap.fd >= 0);
        if (!heap.holds_mutex.load(.acquire)) return error.InvalidArgument;
        held.remove(held.FileId.of(heap.identity), heap.lock_thread);
        heap.holds_mutex.store(false, .release);
        // Corrupt if someone replaced our word meanwhile; this handle holds nothing either way.
        try mutex_.unlock(heap.mutex());
    }

    pub fn setLockTimeout(heap: *Heap, timeout_ms: u32) Error!void {
        assert(heap.fd >= 0);
        if (timeout_ms < 1 or timeout_ms > mutex_.timeout_max_ms) return error.InvalidArgument;
        heap.lock_timeout_ms = timeout_ms;
    }

    /// Checks every header invariant, the slot table, and the file's size.
    pub fn verify(heap: *Heap) Error!void {
        assert(heap.fd >= 0);
        const h = heap.header();
        const size = try header_.validate(h, heap.page_size_bytes);
        if (h.writer_slots_max != heap.writer_slots_max) return error.Corrupt;
        if (h.size_max_bytes != heap.reservation_bytes) return error.Corrupt;
        var slot: u32 = 0;
        while (slot < heap.writer_slots_max) : (slot += 1) {
            const entry = header_.slotAt(heap.base, slot);
            const state = @atomicLoad(u32, &entry.state, .seq_cst);
            if (state > 1) return error.Corrupt;
            // The arena word (src/heap/arena.ts): 0 or a page-aligned chunk in the file.
            const arena = @atomicLoad(u32, &entry.reserved, .seq_cst);
            if (arena % heap.page_size_bytes != 0 or arena >= size) return error.Corrupt;
        }
        const stat = try sys.fstat(heap.fd);
        try header_.checkFileSize(@intCast(stat.size), size);
    }

    pub const AllocLock = enum { take, caller_holds };

    /// Bump allocation. Returns the offset of `size_bytes` zero bytes aligned to
    /// `align_bytes`, mapped in this handle.
    pub fn alloc(heap: *Heap, size_bytes: u32, align_bytes: u32, how: AllocLock) Error!u64 {
        assert(heap.fd >= 0);
        if (size_bytes == 0) return error.InvalidArgument;
        // Range first: isPowerOfTwo asserts a non-zero argument.
        if (align_bytes < align_min_bytes or align_bytes > align_max_bytes) {
            return error.InvalidArgument;
        }
        if (!std.math.isPowerOfTwo(align_bytes)) return error.InvalidArgument;
        switch (how) {
            // A recovered mutex was verified; the allocator's own state is sound.
            .take => _ = try heap.lock(),
            .caller_holds => if (!heap.holds_mutex.load(.acquire)) return error.InvalidArgument,
        }
        // Unlock fails only if another writer replaced the lock word: nothing to undo here.
        defer if (how == .take) heap.unlock() catch {};
        return heap.allocHoldingMutex(size_bytes, align_bytes);
    }

    fn allocHoldingMutex(heap: *Heap, size_bytes: u32, align_bytes: u32) Error!u64 {
        assert(heap.holds_mutex.load(.acquire));
        const h = heap.header();
        // The cursor and size are file data that any writer may have damaged since attach:
        // checked before use, or a cursor of 0 handed out the header itself and a huge or
        // unaligned one overflowed or failed grow's assertions (found by zig/fuzz).
        const size = @atomicLoad(u64, &h.size_bytes, .seq_cst);
        const cursor = @atomicLoad(u64, &h.alloc_cursor_bytes, .seq_cst);
        if (size % heap.page_size_bytes != 0 or size > heap.reservation_bytes) return error.Corrupt;
        if (cursor < header_.dataStartBytes(heap.writer_slots_max) or cursor > size) return error.Corrupt;
        const start = std.mem.alignForward(u64, cursor, align_bytes);
        const end = start + size_bytes;
        if (end > heap.reservation_bytes) return error.HeapFull;
        if (end > size) try heap.grow(end);
        const mapped = try heap.refresh();
        assert(end <= mapped);
        // Publish last: only now is [start, end) taken. A crash before this leaks nothing.
        @atomicStore(u64, &h.alloc_cursor_bytes, end, .seq_cst);
        return start;
    }

    /// Grows the file to hold end_bytes, plus slack of a quarter of its size (at most
    /// growth_slack_max_bytes) so that growth is rare but a big heap never asks the file
    /// system for far more than it uses. When the file system refuses the slack (a nearly
    /// full tmpfs), the bare need is tried once more before reporting NoSpace. The file is
    /// allocated before size_bytes says so, so no one maps unbacked pages (no SIGBUS):
    /// a refused posix_fallocate leaves size_bytes, and every mapping, as they were.
    fn grow(heap: *Heap, end_bytes: u64) Error!void {
        const h = heap.header();
        const size = @atomicLoad(u64, &h.size_bytes, .seq_cst);
        assert(end_bytes > size and end_bytes <= heap.reservation_bytes);
        const needed = std.mem.alignForward(u64, end_bytes, heap.page_size_bytes);
        const slack = std.mem.alignBackward(u64, @min(size / 4, growth_slack_max_bytes), heap.page_size_bytes);
        var size_new = @min(needed + slack, heap.reservation_bytes);
        assert(size_new >= end_bytes and size_new % heap.page_size_bytes == 0);
        sys.allocate(heap.fd, size, size_new - size) catch |err| switch (err) {
            error.NoSpace => {
                if (size_new == needed) return err;
                size_new = needed;
                try sys.allocate(heap.fd, size, size_new - size);
            },
            else => return err,
        };
        @atomicStore(u64, &h.size_bytes, size_new, .seq_cst);
    }
};
