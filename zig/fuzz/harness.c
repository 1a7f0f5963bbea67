// libFuzzer target on the attach/verify path of libmpmetrics, through the exported C ABI
// (the functions the runtimes call, zig/ABI.md). Built by zig/fuzz/build.mjs: the Zig core
// as a static library with Zig's coverage instrumentation (-ffuzz, ReleaseSafe so every
// safety check traps), this file with clang -fsanitize=fuzzer,address,undefined.
//
// One input is one heap file. Byte 0 holds options, the rest is the file's content:
//   bit 0  pad: extend the file with zeros (sparse) to the size_bytes its header names,
//          capped at pad_max_bytes, so that a real heap fits a seed with its trailing
//          zero pages cut off; without it the file is exactly the bytes given (truncation).
//   bit 1  the lock word (bytes 72-79) becomes this process's own word (its pid and
//          start-time token), as a copied file or a crash in this process leaves it: a live
//          holder that holds nothing, which no mutation finds by chance.
//   bit 2  the lock word becomes the parent process's (live, another process).
//   bit 3  after the attach, the file is left in its folder as a stale heap and a default
//          heap is created there (mp_heap_create_default): the folder walk must remove it
//          exactly when it carries the heap magic.
//   bit 4  damage after attach: the input's last 64 bytes are not file content but 16
//          patches {u16 offset, u16 value} (native-endian), written into the mapped first
//          8 KiB (header and slot table), as another process or a stray write could: the
//          first 8 after the first verify, the other 8 while this handle holds the heap
//          lock. The calls after that must still end in a status.
//   bit 5  inheritance records: a record of this process (proc-<pid>-<start time>) whose
//          target is the content's first bytes, and one whose name is them, are made in
//          the folder; mp_inherit_find must return 0, or 1 with exactly that target when
//          it names a regular file, or a status; a default heap created there walks and
//          cleans the records.
//   bit 6  call arguments: the input's last 32 bytes (before any patches) are arguments
//          for the calls that take them from a runtime: alloc size and alignment, an
//          atomic's offset and value, a slot, a lock timeout, and a create's size, maximum
//          and slot count. Sizes are taken modulo 1 MiB (a fuzzer must not fill the disk)
//          besides one allocation of 2^32 - 1 bytes, which no heap has room for.
// Each input is written to a private folder as a 0600 file and then attached, verified,
// refreshed, locked (bounded to 1 ms: a lock word may name this very process), allocated
// from, has a writer slot claimed and released, atomics read at its cursor, and closed.
// Every call must return success or one of the ABI's statuses; anything else aborts (a
// crash for libFuzzer), as does a handle left open or a file descriptor leaked.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint32_t mp_abi_version(void);
int32_t mp_heap_open(const char *path, uint32_t mode, uint32_t size_initial_bytes, double size_max_bytes,
                     uint32_t writer_slots_max);
int32_t mp_heap_close(uint32_t handle, uint32_t flags);
void *mp_heap_base(uint32_t handle);
double mp_heap_mapped_bytes(uint32_t handle);
double mp_heap_refresh(uint32_t handle);
double mp_heap_alloc(uint32_t handle, uint32_t size_bytes, uint32_t align_bytes);
double mp_heap_alloc_locked(uint32_t handle, uint32_t size_bytes, uint32_t align_bytes);
int32_t mp_heap_lock(uint32_t handle);
int32_t mp_heap_unlock(uint32_t handle);
int32_t mp_heap_set_lock_timeout(uint32_t handle, uint32_t timeout_ms);
int32_t mp_heap_lock_holder(uint32_t handle);
int32_t mp_heap_verify(uint32_t handle);
int32_t mp_slot_claim(uint32_t handle);
int32_t mp_slot_release(uint32_t handle, uint32_t slot);
int32_t mp_slot_is_live(uint32_t handle, uint32_t slot);
int32_t mp_heap_unlink_if_unused(const char *path);
int32_t mp_inherit_find(const char *folder, uint32_t accept, uint8_t *out_path, uint32_t out_path_size_bytes);
int32_t mp_heap_create_default(const char *dir, uint8_t *out_path, uint32_t out_path_size_bytes, uint32_t size_initial_bytes,
                               double size_max_bytes, uint32_t writer_slots_max);
int32_t mp_u64_load(uint32_t handle, uint32_t offset, uint64_t *out_value);
double mp_f64_load(uint32_t handle, uint32_t offset);
int32_t mp_f64_add(uint32_t handle, uint32_t offset, double value);
int32_t mp_i64_cas(uint32_t handle, uint32_t offset, int64_t expected, int64_t desired);
int32_t mp_i64_add(uint32_t handle, uint32_t offset, int64_t value, int64_t *out_previous);
int32_t mp_u64_add(uint32_t handle, uint32_t offset, uint64_t value, uint64_t *out_previous);
int32_t mp_f64_cas(uint32_t handle, uint32_t offset, double expected, double desired);
int32_t mp_f64_min(uint32_t handle, uint32_t offset, double value);
int32_t mp_f64_max(uint32_t handle, uint32_t offset, double value);

// Zig's -ffuzz places one 8-bit counter per edge in section __sancov_cntrs and the PC of
// each edge, one word per counter, in __sancov_pcs1, and emits no constructor that tells
// a runtime about them. libFuzzer wants the counters and a table of {pc, flags} pairs:
// this constructor hands it both.
extern uint8_t __start___sancov_cntrs[], __stop___sancov_cntrs[];
extern uintptr_t __start___sancov_pcs1[], __stop___sancov_pcs1[];
void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop);
void __sanitizer_cov_pcs_init(const uintptr_t *pcs_start, const uintptr_t *pcs_end);

/// The largest file a padded input makes (sparse): 4 MiB, so that a growth from it
/// allocates at most a few MiB of disk per input.
static const uint64_t pad_max_bytes = 4u << 20;
/// The ABI's statuses are -1..-19 (zig/ABI.md).
static const int32_t status_last = 19;
static const uint32_t lock_timeout_ms = 1;
static const size_t lock_word_offset = 72;
enum { option_pad = 1, option_own_word = 2, option_parent_word = 4, option_walk = 8, option_damage = 16, option_records = 32,
       option_arguments = 64 };
static const size_t record_text_max_bytes = 200;
static const uint32_t argument_size_modulo_bytes = 1u << 20;

/// option_arguments: what the input chose for the calls that take arguments.
struct arguments {
  uint32_t alloc_size_bytes;
  uint32_t alloc_align_bytes;
  uint32_t offset;
  uint32_t slot;
  uint32_t timeout_ms;
  uint32_t create_slots;
  double value; // an atomic's operand, and a create's size_max_bytes
};
_Static_assert(sizeof(struct arguments) == 32, "32 bytes of input");
static const size_t patches_bytes = 64;
static const size_t patch_range_bytes = 8192;

static char folder_path[200];
static char heap_path[256];
static int descriptors_open_at_start = -1;
static uint64_t own_word = 0;
static uint64_t own_start_time = 0;
static uint64_t parent_word = 0;

static void fail(const char *what, double got) {
  fprintf(stderr, "mpmetrics-fuzz: %s returned %.17g\n", what, got);
  abort();
}

/// A result that is a handle/count/offset (>= 0) or -status.
static double checked(const char *what, double result) {
  if (result != result) fail(what, result);
  if (result < 0 && (result != (double)(int32_t)result || result < -status_last)) fail(what, result);
  return result;
}

static int count_descriptors(void) {
  DIR *dir = opendir("/proc/self/fd");
  if (dir == NULL) return -1;
  int count = 0;
  while (readdir(dir) != NULL) count++;
  closedir(dir);
  return count;
}

__attribute__((constructor)) static void register_zig_coverage(void) {
  size_t counters = (size_t)(__stop___sancov_cntrs - __start___sancov_cntrs);
  size_t pcs = (size_t)(__stop___sancov_pcs1 - __start___sancov_pcs1);
  if (counters == 0 || counters != pcs) {
    fprintf(stderr, "mpmetrics-fuzz: %zu coverage counters but %zu PCs\n", counters, pcs);
    abort();
  }
  uintptr_t *table = calloc(2 * pcs, sizeof(uintptr_t));
  if (table == NULL) abort();
  for (size_t i = 0; i < pcs; i++) table[2 * i] = __start___sancov_pcs1[i]; // flags 0
  __sanitizer_cov_8bit_counters_init(__start___sancov_cntrs, __stop___sancov_cntrs);
  __sanitizer_cov_pcs_init(table, table + 2 * pcs);
  // The table lives as long as the process: libFuzzer keeps the pointer.
}

/// Field 22 of /proc/<pid>/stat: the start time in clock ticks after boot (0 if unread).
static uint64_t start_time_of(int pid) {
  char path[64], stat[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, stat, sizeof stat - 1);
  close(fd);
  if (n <= 0) return 0;
  stat[n] = 0;
  char *field = strrchr(stat, ')');
  if (field == NULL) return 0;
  // After ')' come fields 3, 4, ...: field 22 is the 20th.
  for (int i = 3; i <= 22 && field != NULL; i++) field = strchr(field + 1, ' ');
  if (field == NULL) return 0;
  return strtoull(field + 1, NULL, 10);
}

/// The lock word a process writes (zig/src/mutex.zig): pid | token << 32, the token being
/// the low 31 bits of its start time with bit 31 set.
static uint64_t lock_word_of(int pid) {
  uint64_t start_time = start_time_of(pid);
  if (start_time == 0) return 0;
  uint32_t token = (uint32_t)start_time | 0x80000000u;
  return ((uint64_t)token << 32) | (uint32_t)pid;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *base = getenv("MPMETRICS_FUZZ_DIR");
  snprintf(folder_path, sizeof folder_path, "%s/mpmetrics-fuzz-%d", base ? base : "/tmp", (int)getpid());
  if (mkdir(folder_path, 0700) != 0 && errno != EEXIST) {
    perror("mpmetrics-fuzz: mkdir");
    abort();
  }
  chmod(folder_path, 0700);
  snprintf(heap_path, sizeof heap_path, "%s/heap-fuzz.mpm", folder_path);
  if (mp_abi_version() != 1) fail("mp_abi_version", mp_abi_version());
  own_word = lock_word_of((int)getpid());
  own_start_time = start_time_of((int)getpid());
  parent_word = lock_word_of((int)getppid());
  if (own_word == 0 || parent_word == 0) fail("reading /proc/<pid>/stat", 0);
  return 0;
}

static uint64_t read_u64(const uint8_t *bytes, size_t size, size_t offset) {
  uint64_t value = 0;
  if (offset + 8 <= size) memcpy(&value, bytes + offset, 8);
  return value;
}

static void write_all(int fd, const uint8_t *content, size_t size, off_t at) {
  size_t written = 0;
  while (written < size) {
    ssize_t n = pwrite(fd, content + written, size - written, at + (off_t)written);
    if (n <= 0) {
      perror("mpmetrics-fuzz: write");
      abort();
    }
    written += (size_t)n;
  }
}

static void write_heap_file(const uint8_t *content, size_t size, uint8_t options) {
  unlink(heap_path);
  int fd = open(heap_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    perror("mpmetrics-fuzz: open");
    abort();
  }
  fchmod(fd, 0600);
  write_all(fd, content, size, 0);
  // The lock word, where the file reaches it (a shorter file stays as short).
  uint64_t word = (options & option_own_word) ? own_word : (options & option_parent_word) ? parent_word : 0;
  if (word != 0 && size >= lock_word_offset + 8) write_all(fd, (const uint8_t *)&word, 8, lock_word_offset);
  if (options & option_pad) {
    uint64_t wanted = read_u64(content, size, 32); // header size_bytes
    if (wanted > size && wanted <= pad_max_bytes && ftruncate(fd, (off_t)wanted) != 0) abort();
  }
  close(fd);
}

/// Leaves the file as a stale heap in its folder and creates a default heap there: the
/// walk unlinks it exactly when it carries the heap magic (it is private and unattached).
static void walk_folder(void) {
  // The file's own first bytes: a damaging patch may have changed the magic on disk.
  uint8_t first[8] = {0};
  int fd = open(heap_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) fail("open (the file to leave for the walk)", fd);
  ssize_t got = pread(fd, first, sizeof first, 0);
  close(fd);
  int magic = got == (ssize_t)sizeof first && memcmp(first, "MPMHEAP1", 8) == 0;
  char created[256];
  int32_t handle = (int32_t)checked("mp_heap_create_default",
                                    mp_heap_create_default(folder_path, (uint8_t *)created, sizeof created, 65536, 1 << 20, 1));
  if (handle <= 0) fail("mp_heap_create_default (in a private folder)", handle);
  int present = access(heap_path, F_OK) == 0;
  if (present == magic) fail(magic ? "the walk kept an unattached heap" : "the walk removed a foreign file", present);
  checked("mp_heap_verify (created)", mp_heap_verify((uint32_t)handle));
  if (mp_heap_close((uint32_t)handle, 1) != 1) fail("mp_heap_close (created, last out)", 0);
}

/// Records made from the content (option_records), found and cleaned by the library.
static void walk_records(const uint8_t *content, size_t size) {
  char text[256];
  size_t length = 0;
  while (length < size && length < record_text_max_bytes && content[length] != 0) {
    text[length] = (char)content[length];
    length++;
  }
  text[length] = 0;
  char own_name[96], fuzz_name[256];
  snprintf(own_name, sizeof own_name, "proc-%d-%llu", (int)getpid(), (unsigned long long)own_start_time);
  snprintf(fuzz_name, sizeof fuzz_name, "proc-%s", text);
  for (char *c = fuzz_name; *c; c++) if (*c == '/') *c = '-'; // a name, not a path
  int dir = open(folder_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) fail("open (the folder)", dir);
  int own_made = length > 0 && symlinkat(text, dir, own_name) == 0;
  int fuzz_made = symlinkat("/nonexistent-mpmetrics-heap", dir, fuzz_name) == 0;
  char found[4096];
  memset(found, 0xff, sizeof found);
  int32_t result = (int32_t)checked("mp_inherit_find", mp_inherit_find(folder_path, length & 1, (uint8_t *)found, sizeof found));
  if (result > 1) fail("mp_inherit_find", result);
  if (result == 1) {
    struct stat target;
    if (memchr(found, 0, sizeof found) == NULL) fail("mp_inherit_find (no NUL in the path)", result);
    // Only this process's record can have been taken (no ancestor has one in this folder).
    if (!own_made || strcmp(found, text) != 0) fail("mp_inherit_find (a path no record holds)", result);
    if (lstat(found, &target) != 0 || !S_ISREG(target.st_mode)) fail("mp_inherit_find (not a regular file)", result);
  }
  char created[256];
  int32_t handle = (int32_t)checked("mp_heap_create_default (records)",
                                    mp_heap_create_default(folder_path, (uint8_t *)created, sizeof created, 65536, 1 << 20, 1));
  if (handle > 0) checked("mp_heap_close (records)", mp_heap_close((uint32_t)handle, 1));
  // This process is alive with that start time: its record is no stale one.
  if (own_made && faccessat(dir, own_name, F_OK, AT_SYMLINK_NOFOLLOW) != 0) fail("the cleanup removed a live record", 0);
  if (own_made) unlinkat(dir, own_name, 0);
  if (fuzz_made) unlinkat(dir, fuzz_name, 0);
  close(dir);
}

/// Writes the patches into the mapping (every heap maps at least its first 8 KiB: the
/// allocations start there or later).
static void damage(uint32_t handle, const uint8_t *patches, size_t count) {
  uint8_t *base = mp_heap_base(handle);
  for (size_t i = 0; i < 4 * count; i += 4) {
    uint16_t offset, value;
    memcpy(&offset, patches + i, 2);
    memcpy(&value, patches + i + 2, 2);
    size_t at = (offset % patch_range_bytes) & ~(size_t)1;
    __atomic_store_n((uint16_t *)(base + at), value, __ATOMIC_SEQ_CST);
  }
}

/// An allocation lies past the header and slot table (the first allocation is at 8 KiB or
/// later, whatever the slot count) and inside the mapping, whatever the file says.
static void check_allocation(uint32_t handle, double offset, uint32_t size_bytes) {
  if (offset < 0) return;
  if (offset < (double)patch_range_bytes) fail("an allocation inside the header or slot table at", offset);
  if (offset + size_bytes > mp_heap_mapped_bytes(handle)) fail("an allocation past the mapping at", offset);
}

/// The calls that take arguments, with the input's: every one returns a result or a status.
static void call_with_arguments(uint32_t handle, const struct arguments *a) {
  checked("mp_heap_set_lock_timeout (any)", mp_heap_set_lock_timeout(handle, a->timeout_ms));
  if (mp_heap_set_lock_timeout(handle, lock_timeout_ms) != 0) fail("mp_heap_set_lock_timeout (back to 1 ms)", -1);
  uint32_t size_bytes = a->alloc_size_bytes % argument_size_modulo_bytes;
  check_allocation(handle, checked("mp_heap_alloc (any)", mp_heap_alloc(handle, size_bytes, a->alloc_align_bytes)), size_bytes);
  double huge = checked("mp_heap_alloc (2^32 - 1 bytes)", mp_heap_alloc(handle, UINT32_MAX, 8));
  if (huge >= 0) fail("mp_heap_alloc (2^32 - 1 bytes fit)", huge);
  uint64_t u = 0;
  int64_t i = 0;
  checked("mp_f64_add", mp_f64_add(handle, a->offset, a->value));
  checked("mp_f64_max", mp_f64_max(handle, a->offset, a->value));
  checked("mp_f64_min", mp_f64_min(handle, a->offset, a->value));
  checked("mp_f64_cas", mp_f64_cas(handle, a->offset, a->value, -a->value));
  (void)mp_f64_load(handle, a->offset);
  checked("mp_u64_add", mp_u64_add(handle, a->offset, a->create_slots, &u));
  checked("mp_u64_load", mp_u64_load(handle, a->offset, &u));
  checked("mp_i64_add", mp_i64_add(handle, a->offset, -(int64_t)a->slot, NULL));
  checked("mp_i64_cas", mp_i64_cas(handle, a->offset, i, (int64_t)a->timeout_ms));
  checked("mp_u64_load (NULL out)", mp_u64_load(handle, a->offset, NULL));
  checked("mp_slot_is_live (any)", mp_slot_is_live(handle, a->slot));
  checked("mp_slot_release (any)", mp_slot_release(handle, a->slot));
}

/// A heap created with the input's arguments, verified and removed.
static void create_with_arguments(const struct arguments *a) {
  char path[300];
  snprintf(path, sizeof path, "%s/created.mpm", folder_path);
  unlink(path);
  uint32_t initial_bytes = a->alloc_size_bytes % argument_size_modulo_bytes;
  double size_max = a->value == a->value && a->value > (double)argument_size_modulo_bytes
                        ? (double)argument_size_modulo_bytes : a->value;
  int32_t handle = (int32_t)checked("mp_heap_open (create)", mp_heap_open(path, 1, initial_bytes, size_max, a->create_slots));
  if (handle > 0) {
    checked("mp_heap_verify (created)", mp_heap_verify((uint32_t)handle));
    if (mp_heap_close((uint32_t)handle, 1) != 1) fail("mp_heap_close (created, last out)", 0);
  }
  unlink(path);
}

/// Everything a runtime does with a heap it attaches, each result checked.
static void exercise(uint32_t handle, const uint8_t *patches, const struct arguments *arguments) {
  checked("mp_heap_verify", mp_heap_verify(handle));
  double mapped = checked("mp_heap_mapped_bytes", mp_heap_mapped_bytes(handle));
  if (mapped < (double)patch_range_bytes) fail("mp_heap_mapped_bytes (below the first allocation)", mapped);
  if (mp_heap_base(handle) == NULL) fail("mp_heap_base (NULL for an open handle)", 0);
  if (patches != NULL) damage(handle, patches, patches_bytes / 8);
  checked("mp_heap_refresh", mp_heap_refresh(handle));
  checked("mp_heap_set_lock_timeout", mp_heap_set_lock_timeout(handle, lock_timeout_ms));
  if (mp_heap_set_lock_timeout(handle, lock_timeout_ms) != 0) fail("mp_heap_set_lock_timeout", -1);
  int32_t locked = (int32_t)checked("mp_heap_lock", mp_heap_lock(handle));
  if (locked > 1) fail("mp_heap_lock", locked);
  if (locked >= 0) {
    if (patches != NULL) damage(handle, patches + patches_bytes / 2, patches_bytes / 8);
    check_allocation(handle, checked("mp_heap_alloc_locked", mp_heap_alloc_locked(handle, 64, 8)), 64);
    if (mp_heap_lock(handle) != -1) fail("mp_heap_lock (again, holding it)", -1);
    // A second handle of this thread on the same file (attach-or-create, as a runtime
    // opening MPMETRICS_HEAP does): its take is refused, never a wait for ourselves.
    int32_t second = (int32_t)checked("mp_heap_open (second)", mp_heap_open(heap_path, 2, 65536, 1 << 20, 1));
    if (second > 0) {
      if (mp_heap_lock((uint32_t)second) != -1) fail("mp_heap_lock (second handle, this thread holds it)", -1);
      checked("mp_heap_verify (second)", mp_heap_verify((uint32_t)second));
      checked("mp_heap_close (second)", mp_heap_close((uint32_t)second, 0));
    }
    int32_t unlocked = (int32_t)checked("mp_heap_unlock", mp_heap_unlock(handle));
    if (unlocked > 0) fail("mp_heap_unlock", unlocked);
  } else if (locked == -19) {
    checked("mp_heap_lock_holder", mp_heap_lock_holder(handle));
  }
  // After a timeout the allocation would only wait out the same holder again.
  double offset = locked == -19 ? -19 : checked("mp_heap_alloc", mp_heap_alloc(handle, 24, 8));
  check_allocation(handle, offset, 24);
  if (offset >= 0) {
    uint64_t value = 0;
    checked("mp_u64_load", mp_u64_load(handle, (uint32_t)offset, &value));
    // The bytes past the cursor of a damaged file need not be zero: only the calls are checked.
    checked("mp_f64_add", mp_f64_add(handle, (uint32_t)offset + 8, 1.5));
    (void)mp_f64_load(handle, (uint32_t)offset + 8);
  }
  int32_t slot = (int32_t)checked("mp_slot_claim", mp_slot_claim(handle));
  if (slot >= 0) {
    if (mp_slot_is_live(handle, (uint32_t)slot) != 1) fail("mp_slot_is_live (own slot)", 0);
    checked("mp_slot_release", mp_slot_release(handle, (uint32_t)slot));
  }
  checked("mp_slot_is_live", mp_slot_is_live(handle, 0));
  if (arguments != NULL) call_with_arguments(handle, arguments);
  checked("mp_heap_verify", mp_heap_verify(handle));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  if (descriptors_open_at_start < 0) descriptors_open_at_start = count_descriptors();
  const uint8_t options = data[0];
  const uint8_t *content = data + 1;
  size_t content_bytes = size - 1;
  const uint8_t *patches = NULL;
  if ((options & option_damage) && content_bytes >= patches_bytes) {
    content_bytes -= patches_bytes;
    patches = content + content_bytes;
  }
  struct arguments arguments_copy;
  const struct arguments *arguments = NULL;
  if ((options & option_arguments) && content_bytes >= sizeof arguments_copy) {
    content_bytes -= sizeof arguments_copy;
    memcpy(&arguments_copy, content + content_bytes, sizeof arguments_copy);
    arguments = &arguments_copy;
  }
  write_heap_file(content, content_bytes, options);
  int32_t handle = (int32_t)checked("mp_heap_open", mp_heap_open(heap_path, 0, 0, 0, 0));
  if (handle > 0) {
    exercise((uint32_t)handle, patches, arguments);
    checked("mp_heap_close", mp_heap_close((uint32_t)handle, 0));
    if (mp_heap_base((uint32_t)handle) != NULL) fail("mp_heap_base (after close)", 0);
  }
  if (options & option_walk) walk_folder();
  else checked("mp_heap_unlink_if_unused", mp_heap_unlink_if_unused(heap_path));
  unlink(heap_path);
  if (options & option_records) walk_records(content, content_bytes);
  if (arguments != NULL) create_with_arguments(arguments);
  int descriptors = count_descriptors();
  if (descriptors != descriptors_open_at_start) fail("file descriptors open after the input", descriptors);
  return 0;
}
