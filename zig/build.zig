//! Builds libmpmetrics (the native core of mpmetrics) and its unit tests.
//!
//!   zig build -Doptimize=ReleaseSafe   -> zig-out/lib/libmpmetrics.so (.dylib on macOS)
//!   zig build test                     -> runs every unit test in src/
//!   zig build -Dtarget=aarch64-linux-gnu.2.17 -Dstrip=true   -> what scripts/build_native.mjs ships
//!   zig build test-binaries -Dtarget=...  -> builds the unit-test executable without running it
//!                                            (zig-out/bin/mpmetrics-tests), for qemu or another OS
const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});
    // Shipped libraries carry no symbol table or debug info: the C ABI needs only the
    // dynamic symbols, and stripping took the x86_64-linux-gnu ReleaseSafe library from
    // 2,291,096 bytes to 68,296.
    const strip = b.option(bool, "strip", "Strip the library of symbols and debug info") orelse false;

    const library_module = b.createModule(.{
        .root_source_file = b.path("src/lib.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        .strip = strip,
    });
    const library = b.addLibrary(.{
        .linkage = .dynamic,
        .name = "mpmetrics",
        .root_module = library_module,
    });
    // On Mach-O the symbol table is also the dynamic one, so stripping keeps it: drop its
    // local symbols as well, leaving the exports and the imports.
    library.discard_local_symbols = strip;
    b.installArtifact(library);

    // The tests get their own module so that they always build with safety checks on,
    // whatever -Doptimize the library uses.
    const test_module = b.createModule(.{
        .root_source_file = b.path("src/lib.zig"),
        .target = target,
        .optimize = if (optimize == .Debug) .Debug else .ReleaseSafe,
        .link_libc = true,
    });
    const tests = b.addTest(.{ .root_module = test_module });
    const run_tests = b.addRunArtifact(tests);
    const test_step = b.step("test", "Run the unit tests");
    test_step.dependOn(&run_tests.step);

    // The same tests as an executable to run elsewhere: under qemu-user for another
    // architecture, or only compiled for an OS this machine cannot run (macOS).
    const test_binaries_step = b.step("test-binaries", "Build the unit-test executable without running it");
    const install_tests = b.addInstallArtifact(tests, .{ .dest_sub_path = "mpmetrics-tests" });
    test_binaries_step.dependOn(&install_tests.step);

    // A C host that unloads the library while a thread holding a heap handle still runs
    // (tests/unload_with_live_thread.c): the thread's exit must not call unmapped code.
    const unload_host = b.addExecutable(.{
        .name = "unload_with_live_thread",
        .root_module = b.createModule(.{ .target = target, .optimize = .Debug, .link_libc = true }),
    });
    unload_host.root_module.addCSourceFile(.{ .file = b.path("tests/unload_with_live_thread.c") });
    // Against the library as it ships (ReleaseSafe): Zig 0.15's Debug x86-64 backend
    // miscompiles its own entry when a C host calls it from a new thread.
    const shipped = b.addLibrary(.{
        .linkage = .dynamic,
        .name = "mpmetrics",
        .root_module = b.createModule(.{
            .root_source_file = b.path("src/lib.zig"),
            .target = target,
            .optimize = .ReleaseSafe,
            .link_libc = true,
        }),
    });
    const run_unload = b.addRunArtifact(unload_host);
    run_unload.addArtifactArg(shipped);
    run_unload.addArg(b.fmt("/tmp/mpmetrics-unload-test-{d}.mpm", .{std.time.milliTimestamp()}));
    run_unload.expectStdOutEqual("thread exited after the unload\n");
    test_step.dependOn(&run_unload.step);
}
