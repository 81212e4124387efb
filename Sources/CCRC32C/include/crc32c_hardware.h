#ifndef SEAT_CRC32C_HARDWARE_H
#define SEAT_CRC32C_HARDWARE_H

#include <stddef.h>
#include <stdint.h>

/// Whether this processor has the CRC-32C instruction (x86-64 SSE4.2).
int seat_crc32c_hardware_available(void);

/// Continues the raw (not inverted) CRC-32C register `crc` over `count` bytes at `bytes` with
/// the processor's instruction. Call only when seat_crc32c_hardware_available() is true.
uint32_t seat_crc32c_hardware(uint32_t crc, const void *bytes, size_t count);

#endif
