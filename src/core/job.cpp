#include "core/job.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "eco2/error.hpp"

namespace eco2::detail {
namespace {

const std::string* lookup(const Environment& env, std::string_view name) {
    auto it = env.find(name);
    return it == env.end() || it->second.empty() ? nullptr : &it->second;
}

std::optional<int> parse_int(std::string_view text) {
    int v = 0;
    const auto* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || p != end || v < 0) return std::nullopt;
    return v;
}

// The first variable of `names` that holds a valid integer (>= minimum); the ones that hold something else
// are named in problems.
std::optional<int> first_int(const Environment& env, std::initializer_list<std::string_view> names,
                             int minimum, std::vector<std::string>& problems) {
    for (std::string_view n : names) {
        const std::string* v = lookup(env, n);
        if (!v) continue;
        if (auto i = parse_int(*v); i && *i >= minimum) return i;
        problems.push_back(fmt::format("{}={} ignored: not {} integer", n, *v,
                                       minimum > 0 ? "a positive" : "a non-negative"));
    }
    return std::nullopt;
}

}  // namespace

JobInfo detect_job(const Environment& env) {
    JobInfo job;
    auto& bad = job.problems;
    job.rank =
        first_int(env, {"ECO2_RANK", "RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "SLURM_PROCID"}, 0, bad);
    job.local_rank = first_int(
        env,
        {"ECO2_LOCAL_RANK", "LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"},
        0, bad);
    job.node_rank = first_int(env, {"ECO2_NODE_RANK", "GROUP_RANK", "SLURM_NODEID"}, 0, bad);
    job.world_size = first_int(
        env, {"ECO2_WORLD_SIZE", "WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"}, 1, bad);
    job.nodes = first_int(env, {"SLURM_JOB_NUM_NODES"}, 1, bad);
    if (!job.nodes) {
        auto local = first_int(env, {"LOCAL_WORLD_SIZE"}, 1, bad);
        if (local && job.world_size && *job.world_size % *local == 0) job.nodes = *job.world_size / *local;
    }

    // The job: the first of these that is set (torchrun without --rdzv-id says "none": its rendezvous
    // endpoint names the job while it runs).
    const std::string* run_id = lookup(env, "TORCHELASTIC_RUN_ID");
    if (run_id && *run_id == "none") run_id = nullptr;
    const std::string *addr = lookup(env, "MASTER_ADDR"), *port = lookup(env, "MASTER_PORT");
    if (const auto* mine = lookup(env, "ECO2_JOB_ID")) {
        job.job_id = *mine;
        job.source = "ECO2_JOB_ID";
    } else if (const auto* slurm = lookup(env, "SLURM_JOB_ID")) {
        job.job_id = *slurm;
        job.source = "slurm";
    } else if (run_id) {
        job.job_id = *run_id;
        job.source = "torchrun";
    } else if (lookup(env, "RANK") && addr && port) {
        job.job_id = fmt::format("torchrun:{}:{}", *addr, *port);
        job.source = "torchrun";
    } else if (const auto* pmix = lookup(env, "PMIX_NAMESPACE")) {
        job.job_id = *pmix;
        job.source = "mpi";
    }
    return job;
}

std::string job_lock_name(std::string_view job_id) {
    std::string safe;
    bool replaced = false;
    for (char c : job_id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '.' || c == '_' || c == '-';
        safe += ok ? c : '_';
        replaced = replaced || !ok;
    }
    if (safe.size() > 80) {
        safe.resize(80);
        replaced = true;
    }
    if (replaced) {
        std::uint64_t h = 1469598103934665603ull;  // FNV-1a of the whole id
        for (unsigned char c : job_id) h = (h ^ c) * 1099511628211ull;
        safe += fmt::format("-{:016x}", h);
    }
    return "job-" + safe + ".lock";
}

namespace {

// A directory of ours to keep lock files in: made when missing; an existing one must be a real directory
// (not a link) that we can write.
bool usable_dir(const std::filesystem::path& dir, mode_t mode, bool must_own, uid_t uid) {
    if (::mkdir(dir.c_str(), mode) == 0) ::chmod(dir.c_str(), mode);  // whatever the umask
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    if (must_own && (st.st_uid != uid || (st.st_mode & 0077) != 0)) return false;
    return ::access(dir.c_str(), W_OK | X_OK) == 0;
}

}  // namespace

std::filesystem::path runtime_dir(const Environment& env, uid_t uid, const std::filesystem::path& run_root,
                                  const std::filesystem::path& tmp_root) {
    if (const auto* xdg = lookup(env, "XDG_RUNTIME_DIR")) {
        auto dir = std::filesystem::path(*xdg) / "eco2";
        if (usable_dir(dir, 0700, false, uid)) return dir;
    }
    if (auto dir = run_root / "eco2"; usable_dir(dir, 0755, false, uid)) return dir;
    auto dir = tmp_root / fmt::format("eco2-{}", uid);
    if (usable_dir(dir, 0700, true, uid)) return dir;
    throw Error(
        Errc::io_error,
        fmt::format("no runtime directory for the job's node lock: {} is not a directory of ours that we "
                    "can write; set XDG_RUNTIME_DIR to one",
                    dir.string()));
}

JobSetup job_setup(const Environment& env, uid_t uid) {
    JobSetup setup;
    setup.job = detect_job(env);
    setup.warnings = setup.job.problems;
    if (setup.job.job_id.empty()) return setup;
    try {
        setup.runtime_dir = runtime_dir(env, uid);
    } catch (const Error& e) {
        setup.warnings.push_back(std::string(e.what()) + " (until then each rank counts the node's devices)");
    }
    return setup;
}

}  // namespace eco2::detail
