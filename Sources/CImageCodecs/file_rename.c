// Renaming a finished temporary file onto its final name without ever replacing a file that
// appeared there meanwhile (a user's own file must never be lost to a race).
#define _GNU_SOURCE
#include "image_codecs.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

int cz_rename_noreplace(const char *from, const char *to) {
    if (syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
    // File systems without renameat2 flags: a hard link fails with EEXIST just as atomically.
    if (link(from, to) != 0) return -1;
    unlink(from);
    return 0;
}
