#ifndef SEAT_WRITEBACK_H
#define SEAT_WRITEBACK_H

#include <stdint.h>

/// Asks the kernel to start writing the file's dirty pages in [offset, offset + count) to disk,
/// without waiting for it (Linux's sync_file_range with SYNC_FILE_RANGE_WRITE, which Swift's
/// Glibc module does not export). Returns 0, or -1 with errno set. Not a durability guarantee:
/// only fdatasync is.
int seat_start_writeback(int descriptor, int64_t offset, int64_t count);

#endif
