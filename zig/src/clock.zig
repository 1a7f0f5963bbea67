//! A monotonic clock for the runtimes' timers (`startTimer()` and the like).
//!
//! Why it is here: on Deno `performance.now()` is an op costing 85-111 ns a call on the
//! machine this was measured on, while a Deno FFI fast call returning an f64 costs a few
//! ns plus the clock itself. The clock is CLOCK_MONOTONIC read through libc, which reads
//! the kernel's vDSO page (no system call when the clocksource is tsc). Nothing here knows
//! of metrics or of the heap.
//!
//! The unit is the millisecond as an f64, like `performance.now()`, so a JavaScript call
//! site changes only the function it calls. The origin is arbitrary (Linux: boot; macOS:
//! boot as well), so only differences of two readings mean anything. An f64 holds the
//! milliseconds of ~285 years of uptime with sub-nanosecond steps (2^53 ns), so the
//! conversion loses nothing a timer can see.
const std = @import("std");
const posix = std.posix;

const assert = std.debug.assert;

const ns_per_ms: f64 = 1_000_000;
const ms_per_s: f64 = 1_000;

/// CLOCK_MONOTONIC in milliseconds. Allocation-free and lock-free.
///
/// clock_gettime(CLOCK_MONOTONIC) cannot fail on Linux or macOS: the clock always exists
/// there and the result lives on this stack (no EFAULT). Should some other system refuse
/// it anyway, the result is 0: every timer then measures 0 s, which is wrong but never
/// crashes the host process (a panic here would kill the application being measured).
pub fn monotonicMs() f64 {
    const now = posix.clock_gettime(.MONOTONIC) catch return 0;
    assert(now.sec >= 0);
    assert(now.nsec >= 0 and now.nsec < 1_000_000_000);
    return @as(f64, @floatFromInt(now.sec)) * ms_per_s + @as(f64, @floatFromInt(now.nsec)) / ns_per_ms;
}

const testing = std.testing;

test "monotonic over many reads" {
    const reads_count: u32 = 200_000;
    var previous = monotonicMs();
    try testing.expect(previous > 0);
    var i: u32 = 0;
    while (i < reads_count) : (i += 1) {
        const now = monotonicMs();
        try testing.expect(now >= previous);
        previous = now;
    }
}

test "steps far finer than a millisecond, and a sleep's length" {
    // Resolution: the smallest step seen between two differing consecutive reads. A clock
    // of millisecond (or jiffy) granularity would never step by less than 1 ms; the tsc
    // and hpet clocksources step by nanoseconds. Descheduling only makes single steps
    // larger, so the minimum over many steps is robust on a loaded machine.
    const steps_count: u32 = 1_000;
    var step_min_ms: f64 = std.math.inf(f64);
    var steps: u32 = 0;
    var previous = monotonicMs();
    while (steps < steps_count) {
        const now = monotonicMs();
        if (now != previous) {
            step_min_ms = @min(step_min_ms, now - previous);
            steps += 1;
        }
        previous = now;
    }
    try testing.expect(step_min_ms > 0);
    try testing.expect(step_min_ms < 0.01);

    // Rate: across a 20 ms sleep the clock advances by at least 20 ms (a sleep never ends
    // early on CLOCK_MONOTONIC), and by far less than a minute (not a unit error of 1000x).
    const sleep_ms: u64 = 20;
    const before = monotonicMs();
    std.Thread.sleep(sleep_ms * std.time.ns_per_ms);
    const elapsed_ms = monotonicMs() - before;
    try testing.expect(elapsed_ms >= @as(f64, @floatFromInt(sleep_ms)));
    try testing.expect(elapsed_ms < 60_000);
}
