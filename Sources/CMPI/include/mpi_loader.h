#ifndef MEDPIPE_MPI_LOADER_H
#define MEDPIPE_MPI_LOADER_H

#include <stddef.h>

/* Open MPI's C API, loaded with dlopen("libmpi.so.40") only when medpipe_mpi_start is called, so that a plain
   run neither needs nor starts MPI. Collectives work on MPI_COMM_WORLD; every function but medpipe_mpi_launched
   and medpipe_mpi_start requires a successful start. Counts are ints, as MPI's. Every collective is the
   nonblocking one (MPI_Ibcast, ...), and a rank that waits for it sleeps between MPI_Testall calls instead of
   spinning in sched_yield as Open MPI's blocking collectives do. */

/* Whether a launcher started this process as one of several ranks: OMPI_COMM_WORLD_SIZE (mpirun),
   PMIX_RANK/PMI_RANK with a size above 1, or SLURM_PROCID with SLURM_NTASKS > 1 (srun). */
int medpipe_mpi_launched(void);

/* Loads libmpi and calls MPI_Init_thread (serialized calls). Returns 0 on success, else writes a message
   into error (error_size bytes) and returns -1. */
int medpipe_mpi_start(int *rank, int *size, char *error, size_t error_size);

/* In-place sums over all ranks. */
int medpipe_mpi_allreduce_double(double *buffer, int count);
/* One point-to-point message of `count` floats: sent from buffer to rank `peer`, or (receive ≠ 0) received
   from it into buffer. */
typedef struct {
    float *buffer;
    int count;
    int peer;
    int receive;
} medpipe_mpi_message;
/* Posts every message (MPI_Isend/MPI_Irecv, tag 0; messages between two ranks match in the order posted) and
   waits, sleeping between MPI_Testall calls, for its receives and for the previous transfer's sends. Its own sends
   stay pending until the next call (of any collective): their buffers must stay unchanged and allocated until then.
   So a rank goes on as soon as it has its data, without waiting for a peer that has yet to take its own. */
int medpipe_mpi_transfer_floats(const medpipe_mpi_message *messages, int count);
/* Rank root's bytes to every rank. */
int medpipe_mpi_broadcast(void *buffer, int bytes, int root);
/* Every rank's `count` bytes of send, in rank order, into receive (count × size bytes). */
int medpipe_mpi_allgather(const void *send, int count, void *receive);
/* Rank i's counts[i] bytes into receive at displacements[i], on every rank. */
int medpipe_mpi_allgatherv(const void *send, int count, void *receive, const int *counts, const int *displacements);
/* Rank i's counts[i] bytes into receive at displacements[i], on rank root only (receive, counts and
   displacements are read on root only). */
int medpipe_mpi_gatherv(const void *send, int count, void *receive, const int *counts, const int *displacements, int root);
int medpipe_mpi_barrier(void);
/* Ends every rank of the job with exit status `code`. */
void medpipe_mpi_abort(int code);
/* A barrier, then MPI_Finalize. */
int medpipe_mpi_finalize(void);

#endif
