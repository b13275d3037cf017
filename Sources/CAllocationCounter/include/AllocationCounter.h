#ifndef VIGIL_ALLOCATION_COUNTER_H
#define VIGIL_ALLOCATION_COUNTER_H
#include <stdint.h>

/// Number of heap allocations (malloc, calloc, realloc, memalign family) made by
/// this process since it started. Used to prove that `invoke` allocates nothing.
uint64_t vigil_allocation_count(void);

#endif
