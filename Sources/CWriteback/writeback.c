#define _GNU_SOURCE
#include <fcntl.h>
#include "writeback.h"

int seat_start_writeback(int descriptor, int64_t offset, int64_t count) {
    return sync_file_range(descriptor, (off64_t)offset, (off64_t)count, SYNC_FILE_RANGE_WRITE);
}
