// OpenMPI through dlopen: see include/mpi_shim.h. Handles (MPI_Comm, MPI_Datatype, MPI_Op) are
// pointers to OpenMPI's predefined global objects, found by name with dlsym.
#include "mpi_shim.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *handle;
#define CZ_IN_PLACE ((void *)1)   // OpenMPI's MPI_IN_PLACE
#define CZ_THREAD_FUNNELED 1      // OpenMPI's MPI_THREAD_FUNNELED

static struct {
    int (*init_thread)(int *, char ***, int, int *);
    int (*comm_rank)(handle, int *);
    int (*comm_size)(handle, int *);
    int (*allreduce)(const void *, void *, int, handle, handle, handle);
    int (*bcast)(void *, int, handle, int, handle);
    int (*barrier)(handle);
    int (*abort_job)(handle, int);
    int (*finalize)(void);
    int (*error_string)(int, char *, int *);
    int (*set_errhandler)(handle, handle);
    handle world, float_type, double_type, byte_type, sum, errors_return;
} mpi;

// COLORIZE_MPI_LIBRARY names another libmpi (an OpenMPI outside the loader's path); RTLD_GLOBAL because
// OpenMPI's own plugins, loaded later, resolve their symbols against it.
static int load(char *message, size_t message_size) {
    const char *chosen = getenv("COLORIZE_MPI_LIBRARY");
    const char *names[] = {chosen ? chosen : "libmpi.so.40", chosen ? chosen : "libmpi.so"};
    void *library = NULL;
    for (size_t i = 0; i < 2 && !library; i++) library = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
        snprintf(message, message_size,
                 "OpenMPI's %s could not be loaded (%s): install OpenMPI (Debian: apt-get install "
                 "openmpi-bin libopenmpi-dev, or run scripts/install-system-packages.sh)", names[0], dlerror());
        return -1;
    }
#define SYMBOL(field, name)                                                                      \
    if (!(*(void **)&mpi.field = dlsym(library, name))) {                                          \
        snprintf(message, message_size, "libmpi has no %s: Colorize needs OpenMPI (4.x or later)", name); \
        return -1;                                                                                 \
    }
    SYMBOL(init_thread, "MPI_Init_thread")
    SYMBOL(comm_rank, "MPI_Comm_rank")
    SYMBOL(comm_size, "MPI_Comm_size")
    SYMBOL(allreduce, "MPI_Allreduce")
    SYMBOL(bcast, "MPI_Bcast")
    SYMBOL(barrier, "MPI_Barrier")
    SYMBOL(abort_job, "MPI_Abort")
    SYMBOL(finalize, "MPI_Finalize")
    SYMBOL(error_string, "MPI_Error_string")
    SYMBOL(set_errhandler, "MPI_Comm_set_errhandler")
    SYMBOL(world, "ompi_mpi_comm_world")
    SYMBOL(float_type, "ompi_mpi_float")
    SYMBOL(double_type, "ompi_mpi_double")
    SYMBOL(byte_type, "ompi_mpi_byte")
    SYMBOL(sum, "ompi_mpi_op_sum")
    SYMBOL(errors_return, "ompi_mpi_errors_return")
#undef SYMBOL
    return 0;
}

int cz_mpi_initialize(char *message, size_t message_size) {
    if (load(message, message_size) != 0) return -1;
    int provided = 0;
    int code = mpi.init_thread(NULL, NULL, CZ_THREAD_FUNNELED, &provided);
    if (code != 0) {
        snprintf(message, message_size, "MPI_Init_thread failed with error %d", code);
        return code;
    }
    if (provided < CZ_THREAD_FUNNELED) {
        snprintf(message, message_size, "this MPI provides thread level %d; Colorize needs MPI_THREAD_FUNNELED",
                 provided);
        return -1;
    }
    // Errors come back as codes, so the caller can name the operation before aborting the job.
    return mpi.set_errhandler(mpi.world, mpi.errors_return);
}

int cz_mpi_rank(int *rank) { return mpi.comm_rank(mpi.world, rank); }
int cz_mpi_size(int *size) { return mpi.comm_size(mpi.world, size); }

int cz_mpi_allreduce_float_sum(float *buffer, int count) {
    return mpi.allreduce(CZ_IN_PLACE, buffer, count, mpi.float_type, mpi.sum, mpi.world);
}

int cz_mpi_allreduce_double_sum(double *buffer, int count) {
    return mpi.allreduce(CZ_IN_PLACE, buffer, count, mpi.double_type, mpi.sum, mpi.world);
}

int cz_mpi_broadcast_bytes(void *buffer, int count, int root) {
    return mpi.bcast(buffer, count, mpi.byte_type, root, mpi.world);
}

int cz_mpi_barrier(void) { return mpi.barrier(mpi.world); }
int cz_mpi_abort(int code) { return mpi.abort_job ? mpi.abort_job(mpi.world, code) : -1; }
int cz_mpi_finalize(void) { return mpi.finalize(); }

void cz_mpi_error_string(int code, char *message, size_t message_size) {
    char text[512] = {0};
    int length = 0;
    if (mpi.error_string && mpi.error_string(code, text, &length) == 0) {
        snprintf(message, message_size, "%s", text);
    } else {
        snprintf(message, message_size, "MPI error %d", code);
    }
}
