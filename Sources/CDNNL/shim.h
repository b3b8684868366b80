#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

/// Swift cannot import the cast macro DNNL_MEMORY_ALLOCATE; this returns it.
static inline void *colorize_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
