/* Test-only, linked into the unit tests that run under qemu-user on musl (build.zig
 * -Dqemu-user=true), never into the library.
 *
 * musl's pthread_mutexattr_setrobust first asks the kernel for get_robust_list and
 * refuses with its error; qemu-user answers ENOSYS, so every heap creation would fail
 * and nothing else could be tested on that architecture. This stand-in takes the link
 * slot of musl's own (a static link pulls an archive member only for an undefined
 * symbol) and sets the same attribute bit musl sets, so the mutex keeps musl's robust
 * code path in user space. Only the kernel's walk of the list at a thread's death is
 * missing: tests.zig skips the owner-death tests when get_robust_list is ENOSYS. */
#include <errno.h>
#include <pthread.h>

/* musl's public pthread_mutexattr_t is one unsigned word; bit 2 (value 4) is robust. */
_Static_assert(sizeof(pthread_mutexattr_t) == sizeof(unsigned), "musl's pthread_mutexattr_t layout");

enum { musl_attr_robust = 4 };

int pthread_mutexattr_setrobust(pthread_mutexattr_t *attr, int robust) {
    if ((unsigned)robust > 1U) return EINVAL;
    if (robust) attr->__attr |= musl_attr_robust;
    else attr->__attr &= ~(unsigned)musl_attr_robust;
    return 0;
}
