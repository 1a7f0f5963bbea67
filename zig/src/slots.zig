//! Writer slots: each isolate that writes claims one slot and holds the kernel write lock
//! on that slot's byte for as long as it lives. A slot whose holder died has no lock any
//! more and is adopted by the next claimer, cells and all (its values keep counting).
const std = @import("std");
const sys = @import("sys.zig");
const locks = @import("locks.zig");
const header_ = @import("header.zig");
const Heap = @import("heap.zig").Heap;
const Error = @import("status.zig").Error;

const assert = std.debug.assert;

/// Claims the lowest slot that no live isolate holds. Records this process's pid, bumps
/// the slot's claims count and raises slots_high_water.
pub fn claim(heap: *Heap) Error!u32 {
    assert(heap.writer_slots_max >= 1 and heap.writer_slots_max <= header_.writer_slots_limit);
    heap.local_mutex.lock();
    defer heap.local_mutex.unlock();
    // A high water past the slot count is a damaged header (verify says so too).
    const high_water = @atomicLoad(u32, &heap.header().slots_high_water, .seq_cst);
    if (high_water > heap.writer_slots_max) return error.Corrupt;
    var slot: u32 = 0;
    while (slot < heap.writer_slots_max) : (slot += 1) {
        // Our own lock would be granted again (same owner): skip what we already hold.
        if (heap.slots_held.isSet(slot)) continue;
        if (!try locks.trySet(heap.fd, locks.slotLockOffset(slot), .write)) continue;
        heap.slots_held.set(slot);
        record(heap, slot);
        return slot;
    }
    return error.NoFreeSlot;
}

/// The kernel lock is already ours, so these stores race with nobody else's claim.
fn record(heap: *Heap, slot: u32) void {
    assert(heap.slots_held.isSet(slot));
    const entry = header_.slotAt(heap.base, slot);
    @atomicStore(u32, &entry.pid, sys.getpid(), .seq_cst);
    _ = @atomicRmw(u32, &entry.claims, .Add, 1, .seq_cst);
    @atomicStore(u32, &entry.state, 1, .seq_cst);
    // No assertion on the value it held: it is file data, and a writer damaging the header
    // between claim's check and here failed one (zig/fuzz). verify reports such a header.
    _ = @atomicRmw(u32, &heap.header().slots_high_water, .Max, slot + 1, .seq_cst);
}

pub fn release(heap: *Heap, slot: u32) Error!void {
    if (slot >= heap.writer_slots_max) return error.InvalidArgument;
    heap.local_mutex.lock();
    defer heap.local_mutex.unlock();
    if (!heap.slots_held.isSet(slot)) return error.InvalidArgument;
    // Unlocking a byte we hold cannot conflict with anyone.
    const released = try locks.trySet(heap.fd, locks.slotLockOffset(slot), .unlock);
    assert(released);
    heap.slots_held.unset(slot);
}

/// Whether some live isolate (this handle included) holds the slot.
pub fn isLive(heap: *Heap, slot: u32) Error!bool {
    if (slot >= heap.writer_slots_max) return error.InvalidArgument;
    heap.local_mutex.lock();
    defer heap.local_mutex.unlock();
    // The kernel reports only other owners' locks: our own we know ourselves.
    if (heap.slots_held.isSet(slot)) return true;
    return locks.heldByOther(heap.fd, locks.slotLockOffset(slot));
}
