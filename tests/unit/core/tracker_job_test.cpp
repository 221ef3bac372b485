// The tracker's job (core/tracker_setup.hpp, tracker_job): detected from the environment snapshot when the
// configuration names none, the caller's otherwise, none when detection is off; and through Tracker::start,
// where every API (C++, C, Python) gets it: the record's job columns and the node measurer's election.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>
#include <optional>
#include <string>

#include "../test_util.hpp"
#include "core/tracker_setup.hpp"
#include "eco2/tracker.hpp"

using namespace eco2;
using eco2::test::read_file;
using eco2::test::TempDir;

namespace {

// torchrun's variables for worker 2 of 4 (2 nodes of 2), static rendezvous (no --rdzv_id: run id "none").
detail::Environment torchrun_worker(const std::filesystem::path& runtime) {
    return {{"RANK", "2"},
            {"LOCAL_RANK", "0"},
            {"WORLD_SIZE", "4"},
            {"LOCAL_WORLD_SIZE", "2"},
            {"GROUP_RANK", "1"},
            {"TORCHELASTIC_RUN_ID", "none"},
            {"MASTER_ADDR", "10.0.0.7"},
            {"MASTER_PORT", "29500"},
            {"XDG_RUNTIME_DIR", runtime.string()}};
}

// Sets variables of the process environment for a test, and puts back what was there.
class ScopedEnv {
public:
    explicit ScopedEnv(const std::map<std::string, std::string>& vars) {
        for (const auto& [name, value] : vars) {
            const char* old = ::getenv(name.c_str());
            m_saved.emplace(name, old ? std::optional<std::string>(old) : std::nullopt);
            ::setenv(name.c_str(), value.c_str(), 1);
        }
    }
    ~ScopedEnv() {
        for (const auto& [name, old] : m_saved) {
            if (old)
                ::setenv(name.c_str(), old->c_str(), 1);
            else
                ::unsetenv(name.c_str());
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    std::map<std::string, std::optional<std::string>> m_saved;
};

}  // namespace

TEST(TrackerJob, DetectedFromTheSnapshotWhenTheConfigurationNamesNone) {
    TempDir runtime;
    const detail::JobSetup s = detail::tracker_job(TrackerConfig{}, torchrun_worker(runtime.path()));
    EXPECT_EQ(s.job.job_id, "torchrun:10.0.0.7:29500");
    EXPECT_EQ(s.job.source, "torchrun");
    EXPECT_EQ(s.job.rank, 2);
    EXPECT_EQ(s.job.local_rank, 0);
    EXPECT_EQ(s.job.node_rank, 1);
    EXPECT_EQ(s.job.world_size, 4);
    EXPECT_EQ(s.job.nodes, 2);
    EXPECT_EQ(s.runtime_dir, runtime.path() / "eco2");
    EXPECT_TRUE(std::filesystem::is_directory(runtime.path() / "eco2"));
    EXPECT_TRUE(s.warnings.empty());
}

TEST(TrackerJob, BadValuesAreTheRunsWarnings) {
    TempDir runtime;
    detail::Environment env = torchrun_worker(runtime.path());
    env["RANK"] = "two";
    env["SLURM_PROCID"] = "5";
    const detail::JobSetup s = detail::tracker_job(TrackerConfig{}, env);
    EXPECT_EQ(s.job.rank, 5);  // the next source
    ASSERT_EQ(s.warnings.size(), 1u);
    EXPECT_EQ(s.warnings[0], "RANK=two ignored: not a non-negative integer");
}

TEST(TrackerJob, TheCallersJobWinsAndDetectionCanBeTurnedOff) {
    TempDir runtime;
    TrackerConfig c;
    c.job.rank = 7;  // a rank alone is a job given: nothing is detected, no election without a job id
    detail::JobSetup s = detail::tracker_job(c, torchrun_worker(runtime.path()));
    EXPECT_EQ(s.job.rank, 7);
    EXPECT_TRUE(s.job.job_id.empty());
    EXPECT_FALSE(s.job.world_size);
    EXPECT_TRUE(s.runtime_dir.empty());

    c.job.job_id = "mine";
    c.job_runtime_dir = "/somewhere";
    s = detail::tracker_job(c, torchrun_worker(runtime.path()));
    EXPECT_EQ(s.job.job_id, "mine");
    EXPECT_EQ(s.runtime_dir, "/somewhere");
    EXPECT_FALSE(std::filesystem::exists(runtime.path() / "eco2"));

    TrackerConfig off;
    off.detect_job = false;
    s = detail::tracker_job(off, torchrun_worker(runtime.path()));
    EXPECT_TRUE(s.job.job_id.empty());
    EXPECT_FALSE(s.job.rank);
    EXPECT_TRUE(s.runtime_dir.empty());
}

// Through Tracker::start with the process environment (what the C and Python trackers see): two trackers of
// one job on this "node", in machine scope (every device is the node's): the first measures, the second
// records the job and nothing of the node's devices; one with detection off counts them itself.
TEST(TrackerJob, TrackersStartedWithoutAJobDetectItAndElectOneMeasurer) {
    TempDir dir, runtime;
    ScopedEnv env({{"ECO2_JOB_ID", "unit-job"},
                   {"ECO2_RANK", "1"},
                   {"ECO2_LOCAL_RANK", "1"},
                   {"ECO2_NODE_RANK", "0"},
                   {"ECO2_WORLD_SIZE", "2"},
                   {"XDG_RUNTIME_DIR", runtime.path().string()}});
    auto config = [&](const char* name) {
        TrackerConfig c = eco2::test::tracker_config_in(dir, 0.02, 0.05);
        c.output.path = dir / name;
        c.sampling.scope = Scope::machine;
        return c;
    };
    Tracker first(config("first.csv")), second(config("second.csv"));
    TrackerConfig off_config = config("off.csv");
    off_config.detect_job = false;
    Tracker off(off_config);
    first.start();
    second.start();
    off.start();
    EXPECT_TRUE(std::filesystem::exists(runtime.path() / "eco2" / "job-unit-job.lock"));
    eco2::test::burn_cpu(std::chrono::milliseconds(150));
    const Result b = second.stop(), o = off.stop(), a = first.stop();

    for (const Result* r : {&a, &b}) {
        EXPECT_EQ(r->job.job_id, "unit-job");
        EXPECT_EQ(r->job.rank, 1);
        EXPECT_EQ(r->job.world_size, 2);
    }
    EXPECT_NE(a.cpu.source.find("node devices of job unit-job: measured by this rank"), std::string::npos)
        << a.cpu.source;
    EXPECT_GT(a.cpu.joules, 0.0);
    EXPECT_NE(b.cpu.source.find("node devices of job unit-job: measured by another rank"), std::string::npos)
        << b.cpu.source;
    EXPECT_EQ(b.cpu.joules, 0.0);
    EXPECT_EQ(b.ram.joules, 0.0);
    EXPECT_TRUE(o.job.job_id.empty());
    EXPECT_EQ(o.cpu.source.find("node devices"), std::string::npos) << o.cpu.source;
    EXPECT_GT(o.cpu.joules, 0.0);
    // The rows' last columns: job_id, rank, local_rank, node_rank, world_size.
    EXPECT_NE(read_file(dir / "second.csv").find(",unit-job,1,1,0,2\n"), std::string::npos);
    EXPECT_NE(read_file(dir / "off.csv").find(",,,,,1\n"), std::string::npos);
}
