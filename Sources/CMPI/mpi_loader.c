#include "mpi_loader.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Open MPI's handles (MPI_Comm, MPI_Datatype, MPI_Op) are pointers to its predefined global objects,
   e.g. MPI_COMM_WORLD is &ompi_mpi_comm_world: found here with dlsym, so mpi.h is not needed. */
typedef void *handle;
enum { MPI_SUCCESS_CODE = 0, MPI_THREAD_SERIALIZED_LEVEL = 2 };

static int (*init_thread)(int *, char ***, int, int *);
static int (*comm_rank)(handle, int *);
static int (*comm_size)(handle, int *);
static int (*iallreduce)(const void *, void *, int, handle, handle, handle, handle *);
static int (*ibcast)(void *, int, handle, int, handle, handle *);
static int (*iallgather)(const void *, int, handle, void *, int, handle, handle, handle *);
static int (*iallgatherv)(const void *, int, handle, void *, const int *, const int *, handle, handle, handle *);
static int (*igatherv)(const void *, int, handle, void *, const int *, const int *, handle, int, handle, handle *);
static int (*isend)(const void *, int, handle, int, int, handle, handle *);
static int (*irecv)(void *, int, handle, int, int, handle, handle *);
static int (*testall)(int, handle *, int *, void *);
static int (*ibarrier)(handle, handle *);
static int (*abort_job)(handle, int);
static int (*finalize)(void);
static handle comm_world, type_float, type_double, type_byte, op_sum;
/* MPI_IN_PLACE is ((void *)1) in Open MPI's mpi.h. */
#define IN_PLACE ((void *)1)

static int positive_env(const char *name, long minimum) {
    const char *value = getenv(name);
    if (!value || !*value) return 0;
    char *end;
    long n = strtol(value, &end, 10);
    return *end == 0 && n >= minimum;
}

int medpipe_mpi_launched(void) {
    if (positive_env("OMPI_COMM_WORLD_SIZE", 1)) return 1;
    if (positive_env("PMIX_RANK", 0) || positive_env("PMI_RANK", 0)) return 1;
    return positive_env("SLURM_PROCID", 0) && positive_env("SLURM_NTASKS", 2);
}

#define LOAD(variable, name) \
    do { \
        *(void **)&variable = dlsym(library, name); \
        if (!variable) { snprintf(error, error_size, "libmpi.so.40 lacks %s (is it Open MPI?)", name); return -1; } \
    } while (0)

int medpipe_mpi_start(int *rank, int *size, char *error, size_t error_size) {
    /* RTLD_GLOBAL: Open MPI's own plugins (dlopened by libmpi) resolve their symbols against it. */
    void *library = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
        snprintf(error, error_size, "launched as an MPI rank, but libmpi.so.40 (Open MPI) does not load: %s; install it with tools/setup", dlerror());
        return -1;
    }
    LOAD(init_thread, "MPI_Init_thread"); LOAD(comm_rank, "MPI_Comm_rank"); LOAD(comm_size, "MPI_Comm_size");
    LOAD(iallreduce, "MPI_Iallreduce"); LOAD(ibcast, "MPI_Ibcast"); LOAD(iallgather, "MPI_Iallgather");
    LOAD(iallgatherv, "MPI_Iallgatherv"); LOAD(igatherv, "MPI_Igatherv"); LOAD(ibarrier, "MPI_Ibarrier");
    LOAD(isend, "MPI_Isend"); LOAD(irecv, "MPI_Irecv"); LOAD(testall, "MPI_Testall"); LOAD(abort_job, "MPI_Abort");
    LOAD(finalize, "MPI_Finalize");
    LOAD(comm_world, "ompi_mpi_comm_world"); LOAD(type_float, "ompi_mpi_float"); LOAD(type_double, "ompi_mpi_double");
    LOAD(type_byte, "ompi_mpi_byte"); LOAD(op_sum, "ompi_mpi_op_sum");
    /* Waiting ranks yield the core instead of spinning (unless the user chose): the ranks of a job often share
       cores with each other or with other work, and MedPipe's few collectives per step do not need the latency. */
    setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
    int provided = 0;
    if (init_thread(NULL, NULL, MPI_THREAD_SERIALIZED_LEVEL, &provided) != MPI_SUCCESS_CODE) {
        snprintf(error, error_size, "MPI_Init_thread failed");
        return -1;
    }
    if (provided < MPI_THREAD_SERIALIZED_LEVEL) {
        snprintf(error, error_size, "this Open MPI gives thread level %d, MedPipe needs MPI_THREAD_SERIALIZED (2)", provided);
        return -1;
    }
    if (comm_rank(comm_world, rank) != MPI_SUCCESS_CODE || comm_size(comm_world, size) != MPI_SUCCESS_CODE) {
        snprintf(error, error_size, "MPI_Comm_rank or MPI_Comm_size failed");
        return -1;
    }
    return 0;
}

/* Waits for nonblocking operations, sleeping between tests (MPI_Test drives their progress): a rank that waits
   for a slower one leaves it the core, instead of spinning in sched_yield as a blocking collective does. The
   pauses double from 10 µs to 200 µs: few wake-ups in a long wait, little delay in a short one. */
static int wait_all_sleeping(int count, handle *requests) {
    long pause = 10000;
    for (;;) {
        int done = 0;
        int code = testall(count, requests, &done, NULL);   /* NULL is Open MPI's MPI_STATUSES_IGNORE */
        if (code != MPI_SUCCESS_CODE || done) return code;
        struct timespec interval = {0, pause};
        nanosleep(&interval, NULL);
        if (pause < 200000) pause *= 2;
    }
}

/* The sends of the last transfer, which it left pending (see medpipe_mpi_transfer_floats). */
static handle *pending_sends;
static int pending_count;

/* Waits for the pending sends: the start of every collective but a transfer, which waits for them with its receives. */
static int complete_pending_sends(void) {
    int code = wait_all_sleeping(pending_count, pending_sends);
    pending_count = 0;
    return code;
}

/* Every collective is the nonblocking one, waited for sleeping, after the last transfer's sends. */
#define WAIT_SLEEPING(start) \
    do { \
        handle request; \
        int code = complete_pending_sends(); \
        if (code == MPI_SUCCESS_CODE) code = (start); \
        return code != MPI_SUCCESS_CODE ? code : wait_all_sleeping(1, &request); \
    } while (0)

int medpipe_mpi_allreduce_double(double *buffer, int count) {
    WAIT_SLEEPING(iallreduce(IN_PLACE, buffer, count, type_double, op_sum, comm_world, &request));
}

int medpipe_mpi_transfer_floats(const medpipe_mpi_message *messages, int count) {
    /* Waited for: the last transfer's sends, then this one's receives; this one's sends stay pending. */
    handle *waiting = malloc(sizeof(handle) * (size_t)(pending_count + count + 1));
    handle *sends = malloc(sizeof(handle) * (size_t)(count + 1));
    if (!waiting || !sends) { free(waiting); free(sends); return -1; }
    for (int i = 0; i < pending_count; i++) waiting[i] = pending_sends[i];
    int waited = pending_count, sent = 0, code = MPI_SUCCESS_CODE;
    for (int i = 0; i < count && code == MPI_SUCCESS_CODE; i++) {
        const medpipe_mpi_message *m = &messages[i];
        code = m->receive ? irecv(m->buffer, m->count, type_float, m->peer, 0, comm_world, &waiting[waited++])
                          : isend(m->buffer, m->count, type_float, m->peer, 0, comm_world, &sends[sent++]);
    }
    if (code == MPI_SUCCESS_CODE) code = wait_all_sleeping(waited, waiting);
    free(waiting);
    free(pending_sends);
    pending_sends = sends;
    pending_count = sent;
    return code;
}

int medpipe_mpi_broadcast(void *buffer, int bytes, int root) {
    WAIT_SLEEPING(ibcast(buffer, bytes, type_byte, root, comm_world, &request));
}

int medpipe_mpi_allgather(const void *send, int count, void *receive) {
    WAIT_SLEEPING(iallgather(send, count, type_byte, receive, count, type_byte, comm_world, &request));
}

int medpipe_mpi_allgatherv(const void *send, int count, void *receive, const int *counts, const int *displacements) {
    WAIT_SLEEPING(iallgatherv(send, count, type_byte, receive, counts, displacements, type_byte, comm_world, &request));
}

int medpipe_mpi_gatherv(const void *send, int count, void *receive, const int *counts, const int *displacements, int root) {
    WAIT_SLEEPING(igatherv(send, count, type_byte, receive, counts, displacements, type_byte, root, comm_world, &request));
}

int medpipe_mpi_barrier(void) { WAIT_SLEEPING(ibarrier(comm_world, &request)); }

void medpipe_mpi_abort(int code) {
    abort_job(comm_world, code);
    exit(code);
}

int medpipe_mpi_finalize(void) {
    /* Every rank reaches MPI_Finalize together (whose own wait spins): one that finished early, while rank 0
       writes the final files, sleeps in the barrier. */
    int code = medpipe_mpi_barrier();
    return code != MPI_SUCCESS_CODE ? code : finalize();
}
