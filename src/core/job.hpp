#pragma once
// Ranks and jobs from the environment (torchrun, SLURM, Open MPI / MPICH / PMI), and where the trackers of
// one job on one node meet to elect the node's measurer (core/job_lock.hpp). Pure functions of an
// environment map: the library never reads the environment itself (the tracker hands its SystemContext's
// snapshot: tracker_job in core/tracker_setup.hpp).

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>

#include "eco2/record.hpp"

namespace eco2::detail {

/// An environment snapshot: name -> value.
using Environment = std::map<std::string, std::string, std::less<>>;

/// The job and ranks this process belongs to, from `env` (docs/scale-out.md, "Ranks and jobs"):
/// - job_id: ECO2_JOB_ID > SLURM_JOB_ID > TORCHELASTIC_RUN_ID (unless torchrun's default "none") >
///   "torchrun:<MASTER_ADDR>:<MASTER_PORT>" when torchrun's RANK is set > PMIX_NAMESPACE (Open MPI 4+);
///   empty when none (then no election: each tracker counts the devices it sees).
/// - rank: ECO2_RANK > RANK (torchrun) > OMPI_COMM_WORLD_RANK > PMI_RANK (MPICH, Intel MPI) > SLURM_PROCID;
/// - local_rank: ECO2_LOCAL_RANK > LOCAL_RANK > OMPI_COMM_WORLD_LOCAL_RANK > MPI_LOCALRANKID > SLURM_LOCALID;
/// - node_rank: ECO2_NODE_RANK > GROUP_RANK (torchrun's node rank) > SLURM_NODEID;
/// - world_size: ECO2_WORLD_SIZE > WORLD_SIZE > OMPI_COMM_WORLD_SIZE > PMI_SIZE > SLURM_NTASKS;
/// - nodes: SLURM_JOB_NUM_NODES, else WORLD_SIZE / LOCAL_WORLD_SIZE when both are set and divide.
/// A value that is not a non-negative integer (ranks) or a positive one (sizes) is ignored and named in
/// `problems`, and the next source is tried. Never throws.
JobInfo detect_job(const Environment& env);

/// The directory where the trackers of a job meet (made when missing, 0700 for a per-user one):
/// $XDG_RUNTIME_DIR/eco2 when XDG_RUNTIME_DIR is set, else /run/eco2 when it exists or can be made and is
/// writable, else /tmp/eco2-<uid> (refused unless a directory of ours, not a symbolic link). `run_root` and
/// `tmp_root` replace /run and /tmp (tests). Throws eco2::Error(io_error) naming the last directory tried.
std::filesystem::path runtime_dir(const Environment& env, uid_t uid,
                                  const std::filesystem::path& run_root = "/run",
                                  const std::filesystem::path& tmp_root = "/tmp");

/// The lock file's name for a job id: "job-<id>.lock", characters outside [A-Za-z0-9._-] replaced by '_'
/// and a hash of the id added when any was (so two ids never share a file), at most 120 characters.
std::string job_lock_name(std::string_view job_id);

/// What a tracker needs for its job: detect_job(env), and the runtime directory when a job was found. The
/// problems met (bad values, no usable directory: each rank then counts the node's devices) are warnings.
struct JobSetup {
    JobInfo job;
    std::filesystem::path runtime_dir;
    std::vector<std::string> warnings;
};
JobSetup job_setup(const Environment& env, uid_t uid);

}  // namespace eco2::detail
