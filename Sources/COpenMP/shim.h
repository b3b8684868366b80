/// OpenMP's thread controls (libgomp), shared by oneDNN, the OpenMP build of OpenBLAS and our own loops.
void omp_set_num_threads(int);
int omp_get_max_threads(void);

/// libgomp's entry to a parallel region (what GCC emits for `#pragma omp parallel`): runs fn(data)
/// on `num_threads` threads of the pool, the caller among them, and returns when all are done.
void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned int flags);
int omp_get_thread_num(void);
int omp_get_num_threads(void);
