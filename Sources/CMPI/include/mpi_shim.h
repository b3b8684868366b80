#ifndef COLORIZE_MPI_SHIM_H
#define COLORIZE_MPI_SHIM_H
// The few MPI calls Colorize makes, as plain functions over OpenMPI loaded at run time (dlopen of
// libmpi.so.40). Loading it lazily keeps the binary runnable where OpenMPI is not installed (world
// size 1), and plain functions hide OpenMPI's MPI_COMM_WORLD / MPI_FLOAT / MPI_SUM, which are macros
// over the addresses of global objects that Swift cannot import. Every call returns MPI's error
// code (0 is success); failures to load carry a message.
#include <stddef.h>

/// Loads libmpi and calls MPI_Init_thread(MPI_THREAD_FUNNELED) with errors returned, not fatal.
/// Returns 0, or -1 with `message` saying what is missing, or MPI's error code.
int cz_mpi_initialize(char *message, size_t message_size);
int cz_mpi_rank(int *rank);
int cz_mpi_size(int *size);
/// In-place sum over all ranks of `count` floats (fp32), or doubles.
int cz_mpi_allreduce_float_sum(float *buffer, int count);
int cz_mpi_allreduce_double_sum(double *buffer, int count);
/// Rank `root`'s `count` bytes copied to every rank.
int cz_mpi_broadcast_bytes(void *buffer, int count, int root);
int cz_mpi_barrier(void);
/// Ends every rank of the job (mpirun then exits non-zero).
int cz_mpi_abort(int code);
int cz_mpi_finalize(void);
/// MPI's text for an error code.
void cz_mpi_error_string(int code, char *message, size_t message_size);

#endif
