//! The heap lock: one 64-byte structure in the header, a lock of our own rather than a
//! pthread mutex. A glibc robust mutex ties the file to glibc's private layout (and a
//! damaged kind word makes glibc abort the process), waits forever on a lock word that
//! names a thread holding nothing, and does not exist on macOS. This lock works the same
//! on glibc, musl and macOS, and no byte of it can make a taker hang or abort.
//!
//! Algorithm. `word` is 0 when free, else the holder's pid (bits 0-31) and its start-time
//! token (bits 32-63, see liveness.zig; bit 63 always set). A taker:
//!   1. reads `word` and checks it (a pid out of range, a token without its marker, a
//!      half-zero word): `Corrupt`, never a wait;
//!   2. free: compare-and-exchange 0 -> own word; won: taken (`clean`);
//!   3. held: after a short spin, and then every `liveness_check_interval_ns`, asks
//!      whether the holder still runs (kill(pid, 0), zombie state, start time: a reused
//!      pid or a crashed holder is dead). Dead: compare-and-exchange its word -> own word;
//!      won: taken (`owner_died`): the caller verifies the heap before trusting it;
//!   4. otherwise sleeps in bounded steps (spin, yield, then 16 us doubling to 1 ms) until
//!      `timeout_ms` has passed since it started: `LockTimeout`, with the holder's pid.
//! Unlock is compare-and-exchange own word -> 0. Compare-and-exchange on the whole word
//! makes a takeover race-free: of two waiters that both judge a holder dead, one wins,
//! and a live holder's word is never replaced because its token matches its start time.
//! A stopped (SIGSTOP) or traced holder is alive: waiters give up after the bound.
//! A recovery that fails verification poisons the word (`poisoned_word`): every later
//! taker gets `Corrupt`, as a robust mutex becomes unrecoverable.
//!
//! Threads of one process share a pid: they wait for each other like processes. A thread
//! taking the lock it already holds (through another handle) is refused by the caller
//! (heap.zig), not here.
const std = @import("std");
const builtin = @import("builtin");
const liveness = @import("liveness.zig");
const Error = @import("status.zig").Error;

const assert = std.debug.assert;

/// "MPLK" and the algorithm's revision: anything else was not written by this library.
pub const lock_kind: u32 = 0x4b4c_504d;
pub const lock_size_bytes: u32 = 64;

/// The default bound on one take, and the range a caller may set.
pub const timeout_default_ms: u32 = 3000;
pub const timeout_max_ms: u32 = 600_000;

/// How often a waiter re-checks a holder that keeps the same word.
const liveness_check_interval_ns: u64 = 2 * std.time.ns_per_ms;
const spins_max: u32 = 64;
const yields_max: u32 = 16;
const sleep_min_ns: u64 = 16 * std.time.ns_per_us;
const sleep_max_ns: u64 = std.time.ns_per_ms;

/// A pid no process has: the word of a lock whose recovery failed.
pub const poisoned_word: u64 = 0xffff_ffff_ffff_ffff;

pub const Lock = extern struct {
    /// lock_kind, written at creation and never changed.
    kind: u32,
    /// Zero; reserved for later flags.
    flags: u32,
    /// Atomic: 0, or holder pid | token << 32.
    word: u64,
    /// Zero.
    reserved: [48]u8,
};

comptime {
    assert(@sizeOf(Lock) == lock_size_bytes);
    assert(@alignOf(Lock) == 8);
    assert(@offsetOf(Lock, "word") == 8);
    assert(liveness.pid_limit <= 1 << 31);
}

pub fn pidOf(word: u64) u32 {
    return @truncate(word);
}

fn tokenOf(word: u64) u32 {
    return @truncate(word >> 32);
}

/// The word this process writes when it takes the lock.
pub fn ownWord() u64 {
    const pid: u32 = @intCast(std.c.getpid());
    assert(pid > 0 and pid < liveness.pid_limit);
    const word = (@as(u64, liveness.ownToken(pid)) << 32) | pid;
    assert(checkWord(word) != error.Corrupt);
    return word;
}

/// A word this library can have written: free, or a pid in range with a marked token.
pub fn checkWord(word: u64) Error!void {
    if (word == 0) return;
    const pid = pidOf(word);
    if (pid == 0 or pid >= liveness.pid_limit) return error.Corrupt;
    if (tokenOf(word) & liveness.token_marker == 0) return error.Corrupt;
}

/// Checks every byte of the lock: kind, flags, reserved and the word. `Corrupt` if any
/// is not what this library writes. Safe to run while others take and release it.
pub fn check(lock_: *const Lock) Error!void {
    if (lock_.kind != lock_kind or lock_.flags != 0) return error.Corrupt;
    for (lock_.reserved) |byte| if (byte != 0) return error.Corrupt;
    try checkWord(@atomicLoad(u64, &lock_.word, .acquire));
}

/// Initialises a free lock in place.
pub fn init(lock_: *Lock) void {
    lock_.* = .{ .kind = lock_kind, .flags = 0, .word = 0, .reserved = [_]u8{0} ** 48 };
    assert(check(lock_) != error.Corrupt);
}

pub const Acquired = enum {
    /// Taken from a free lock.
    clean,
    /// Taken from a holder that died: verify the shared state, or `poison` the lock.
    owner_died,
};

/// What a timed-out take saw: the pid of the process that held the lock.
pub const Waited = struct { holder_pid: u32 = 0 };

/// Takes the lock, waiting at most timeout_ms. On LockTimeout `waited.holder_pid`
/// names the holder.
pub fn lock(lock_: *Lock, timeout_ms: u32, waited: *Waited) Error!Acquired {
    assert(timeout_ms >= 1 and timeout_ms <= timeout_max_ms);
    if (lock_.kind != lock_kind or lock_.flags != 0) return error.Corrupt;
    const own = ownWord();
    const start = now();
    const timeout_ns = @as(u64, timeout_ms) * std.time.ns_per_ms;
    var checked_word: u64 = 0;
    var checked_ns: u64 = 0;
    var attempt: u32 = 0;
    // Every pass either returns or waits at least spins, yields or sleep_min_ns; the
    // deadline ends it. The count is a second, generous bound.
    const attempts_max: u32 = spins_max + yields_max + @as(u32, @intCast(timeout_ns / sleep_min_ns)) + 64;
    while (attempt < attempts_max) : (attempt += 1) {
        const word = @atomicLoad(u64, &lock_.word, .acquire);
        try checkWord(word);
        if (word == 0) {
            if (@cmpxchgStrong(u64, &lock_.word, 0, own, .acquire, .monotonic) == null) return .clean;
            continue;
        }
        waited.holder_pid = pidOf(word);
        const elapsed_ns = now().since(start);
        const due = word != checked_word or elapsed_ns - checked_ns >= liveness_check_interval_ns;
        if (attempt >= spins_max and due) {
            checked_word = word;
            checked_ns = elapsed_ns;
            if (liveness.check(pidOf(word), tokenOf(word)) == .dead) {
                if (@cmpxchgStrong(u64, &lock_.word, word, own, .acquire, .monotonic) == null) {
                    return .owner_died;
                }
                continue;
            }
        }
        if (elapsed_ns >= timeout_ns) return error.LockTimeout;
        pause(attempt, timeout_ns - elapsed_ns);
    }
    return error.LockTimeout;
}

fn pause(attempt: u32, remaining_ns: u64) void {
    assert(remaining_ns > 0);
    if (attempt < spins_max) return std.atomic.spinLoopHint();
    if (attempt < spins_max + yields_max) return std.Thread.yield() catch {};
    const doublings = @min(attempt - spins_max - yields_max, 16);
    const step_ns = @min(sleep_min_ns << @intCast(doublings), sleep_max_ns);
    std.Thread.sleep(@min(step_ns, remaining_ns));
}

fn now() std.time.Instant {
    return std.time.Instant.now() catch unreachable; // monotonic clocks do not fail
}

/// Releases a lock this process holds. `Corrupt` if the word is not this process's: some
/// other writer replaced it while held.
pub fn unlock(lock_: *Lock) Error!void {
    const own = ownWord();
    if (@cmpxchgStrong(u64, &lock_.word, own, 0, .release, .monotonic) != null) return error.Corrupt;
}

/// Marks the lock unrecoverable (its recovery failed verification): every later take and
/// every attach reports Corrupt. The caller holds it.
pub fn poison(lock_: *Lock) void {
    @atomicStore(u64, &lock_.word, poisoned_word, .release);
    assert(checkWord(poisoned_word) == error.Corrupt);
}

const testing = std.testing;
const posix = std.posix;

/// A lock in memory shared with forked children, as in a heap file.
fn sharedLock() !*Lock {
    const memory = try posix.mmap(null, 4096, posix.PROT.READ | posix.PROT.WRITE, .{ .TYPE = .SHARED, .ANONYMOUS = true }, -1, 0);
    const shared: *Lock = @ptrCast(memory.ptr);
    init(shared);
    return shared;
}

fn freeShared(shared: *Lock) void {
    const page: [*]align(std.heap.page_size_min) u8 = @ptrCast(@alignCast(shared));
    posix.munmap(page[0..4096]);
}

/// Forks a child that takes the lock and then runs `then`; returns its pid once it holds it.
fn forkHolder(shared: *Lock, comptime then: fn () noreturn) !posix.pid_t {
    const pid = try posix.fork();
    if (pid == 0) {
        var waited: Waited = .{};
        _ = lock(shared, 1000, &waited) catch std.c._exit(20);
        then();
    }
    var tries: u32 = 0;
    while (pidOf(@atomicLoad(u64, &shared.word, .acquire)) != pid and tries < 5000) : (tries += 1) {
        std.Thread.sleep(std.time.ns_per_ms);
    }
    try testing.expectEqual(@as(u32, @intCast(pid)), pidOf(@atomicLoad(u64, &shared.word, .acquire)));
    return pid;
}

fn exitAtOnce() noreturn {
    std.c._exit(0);
}

fn holdLong() noreturn {
    std.Thread.sleep(30 * std.time.ns_per_s);
    std.c._exit(0);
}

test "damaged lock bytes are refused, never waited on" {
    var good: Lock = undefined;
    init(&good);
    try check(&good);
    const own = ownWord();
    const damaged = [_]u64{
        own & 0xffff_ffff, // a pid without a token
        own & 0xffff_ffff_0000_0000, // a token without a pid
        own ^ (@as(u64, 1) << 63), // the token's marker cleared
        (own & 0xffff_ffff_0000_0000) | liveness.pid_limit, // a pid past every pid_max
        poisoned_word,
    };
    var waited: Waited = .{};
    for (damaged) |word| {
        var copy = good;
        copy.word = word;
        try testing.expectError(error.Corrupt, check(&copy));
        try testing.expectError(error.Corrupt, lock(&copy, 1000, &waited));
        try testing.expectEqual(word, copy.word);
    }
    var copy = good;
    copy.kind ^= 1 << 5;
    try testing.expectError(error.Corrupt, check(&copy));
    try testing.expectError(error.Corrupt, lock(&copy, 1000, &waited));
    copy = good;
    copy.flags = 1;
    try testing.expectError(error.Corrupt, check(&copy));
    copy = good;
    copy.reserved[47] = 1;
    try testing.expectError(error.Corrupt, check(&copy));
}

test "lock and unlock; unlocking a lock not held is refused" {
    var shared: Lock = undefined;
    init(&shared);
    var waited: Waited = .{};
    try testing.expectEqual(Acquired.clean, try lock(&shared, 1000, &waited));
    try testing.expectEqual(ownWord(), shared.word);
    try unlock(&shared);
    try testing.expectEqual(@as(u64, 0), shared.word);
    try testing.expectError(error.Corrupt, unlock(&shared));
}

test "contended by threads: every increment under the lock survives" {
    const Context = struct {
        shared: Lock = undefined,
        counter: u64 = 0,
        failures: std.atomic.Value(u32) = .init(0),

        fn run(context: *@This()) void {
            for (0..2000) |_| {
                var waited: Waited = .{};
                _ = lock(&context.shared, 10_000, &waited) catch {
                    _ = context.failures.fetchAdd(1, .monotonic);
                    continue;
                };
                context.counter += 1; // plain: only the lock keeps it exact
                unlock(&context.shared) catch {
                    _ = context.failures.fetchAdd(1, .monotonic);
                };
            }
        }
    };
    var context: Context = .{};
    init(&context.shared);
    var threads: [4]std.Thread = undefined;
    for (&threads) |*thread| thread.* = try std.Thread.spawn(.{}, Context.run, .{&context});
    for (threads) |thread| thread.join();
    try testing.expectEqual(@as(u32, 0), context.failures.load(.monotonic));
    try testing.expectEqual(@as(u64, 4 * 2000), context.counter);
    try testing.expectEqual(@as(u64, 0), context.shared.word);
}

test "contended by processes: every increment under the lock survives" {
    const shared = try sharedLock();
    defer freeShared(shared);
    const counter: *u64 = @ptrCast(@alignCast(@as([*]u8, @ptrCast(shared)) + 512));
    counter.* = 0;
    var pids: [3]posix.pid_t = undefined;
    for (&pids) |*pid| {
        pid.* = try posix.fork();
        if (pid.* == 0) {
            for (0..2000) |_| {
                var waited: Waited = .{};
                _ = lock(shared, 10_000, &waited) catch std.c._exit(21);
                const value = @atomicLoad(u64, counter, .monotonic);
                @atomicStore(u64, counter, value + 1, .monotonic); // a lost update without the lock
                unlock(shared) catch std.c._exit(22);
            }
            std.c._exit(0);
        }
    }
    for (pids) |pid| try testing.expectEqual(@as(u32, 0), posix.waitpid(pid, 0).status);
    try testing.expectEqual(@as(u64, 3 * 2000), counter.*);
    try testing.expectEqual(@as(u64, 0), shared.word);
}

test "a holder that died is taken over, reaped or not (a zombie)" {
    const shared = try sharedLock();
    defer freeShared(shared);
    var waited: Waited = .{};
    // Not reaped: the child is a zombie while we take its lock over.
    const zombie = try forkHolder(shared, exitAtOnce);
    try testing.expectEqual(Acquired.owner_died, try lock(shared, 5000, &waited));
    try testing.expectEqual(ownWord(), shared.word);
    try unlock(shared);
    _ = posix.waitpid(zombie, 0);
    // Reaped: its pid names no process.
    const reaped = try forkHolder(shared, exitAtOnce);
    _ = posix.waitpid(reaped, 0);
    try testing.expectEqual(Acquired.owner_died, try lock(shared, 5000, &waited));
    try unlock(shared);
    try testing.expectEqual(Acquired.clean, try lock(shared, 5000, &waited));
    try unlock(shared);
}

test "a stale word is taken over: our own pid with another start time" {
    var shared: Lock = undefined;
    init(&shared);
    const own = ownWord();
    // A previous process that had this pid: same pid, another start time.
    shared.word = own ^ (@as(u64, 1) << 32);
    var waited: Waited = .{};
    try testing.expectEqual(Acquired.owner_died, try lock(&shared, 1000, &waited));
    try testing.expectEqual(own, shared.word);
    try unlock(&shared);
}

test "a live holder, running or stopped, makes a take time out naming it" {
    const shared = try sharedLock();
    defer freeShared(shared);
    const holder = try forkHolder(shared, holdLong);
    defer _ = posix.waitpid(holder, 0);
    defer posix.kill(holder, posix.SIG.KILL) catch {};
    var waited: Waited = .{};
    try testing.expectError(error.LockTimeout, lock(shared, 50, &waited));
    try testing.expectEqual(@as(u32, @intCast(holder)), waited.holder_pid);
    try posix.kill(holder, posix.SIG.STOP);
    waited = .{};
    try testing.expectError(error.LockTimeout, lock(shared, 50, &waited));
    try testing.expectEqual(@as(u32, @intCast(holder)), waited.holder_pid);
    try posix.kill(holder, posix.SIG.CONT);
    // Killed: taken over.
    try posix.kill(holder, posix.SIG.KILL);
    try testing.expectEqual(Acquired.owner_died, try lock(shared, 5000, &waited));
    try unlock(shared);
}

test "this process's own word, held by no thread, times out rather than hangs" {
    var shared: Lock = undefined;
    init(&shared);
    shared.word = ownWord(); // as a copied or crafted file may have it
    var waited: Waited = .{};
    try testing.expectError(error.LockTimeout, lock(&shared, 20, &waited));
    try testing.expectEqual(@as(u32, @intCast(std.c.getpid())), waited.holder_pid);
}
