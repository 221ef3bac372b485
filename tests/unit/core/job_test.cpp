// Ranks and jobs from the environment, the node measurer's lock and its hand-over (core/job*.hpp).

#include "core/job.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/job_lock.hpp"
#include "eco2/error.hpp"
#include "writers/csv_writer.hpp"
#include "writers/record_file.hpp"

using namespace eco2;
using namespace eco2::detail;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/eco2-job-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
};

Channel gpu_channel(int i, Attribution a = Attribution::direct) {
    return Channel{"nvml.gpu." + std::to_string(i), Component::gpu, ChannelKind::energy_counter, 0.0, a};
}

}  // namespace

TEST(JobDetect, TorchrunRanksAndRunId) {
    const Environment env{{"RANK", "5"},        {"LOCAL_RANK", "1"},       {"WORLD_SIZE", "8"},
                          {"GROUP_RANK", "2"},  {"LOCAL_WORLD_SIZE", "2"}, {"TORCHELASTIC_RUN_ID", "abc"},
                          {"MASTER_ADDR", "h"}, {"MASTER_PORT", "29500"}};
    const JobInfo j = detect_job(env);
    EXPECT_EQ(j.job_id, "abc");
    EXPECT_EQ(j.source, "torchrun");
    EXPECT_EQ(j.rank, 5);
    EXPECT_EQ(j.local_rank, 1);
    EXPECT_EQ(j.node_rank, 2);
    EXPECT_EQ(j.world_size, 8);
    EXPECT_EQ(j.nodes, 4);  // 8 ranks, 2 per node
    EXPECT_TRUE(j.problems.empty());
}

TEST(JobDetect, TorchrunWithoutRunIdIsNamedByItsRendezvous) {
    const Environment env{{"RANK", "0"},
                          {"TORCHELASTIC_RUN_ID", "none"},
                          {"MASTER_ADDR", "127.0.0.1"},
                          {"MASTER_PORT", "29400"}};
    EXPECT_EQ(detect_job(env).job_id, "torchrun:127.0.0.1:29400");
}

TEST(JobDetect, SlurmStep) {
    const Environment env{{"SLURM_JOB_ID", "4242"}, {"SLURM_STEP_ID", "0"}, {"SLURM_PROCID", "3"},
                          {"SLURM_LOCALID", "1"},   {"SLURM_NODEID", "1"},  {"SLURM_JOB_NUM_NODES", "2"},
                          {"SLURM_NTASKS", "4"}};
    const JobInfo j = detect_job(env);
    EXPECT_EQ(j.job_id, "4242");
    EXPECT_EQ(j.source, "slurm");
    EXPECT_EQ(j.rank, 3);
    EXPECT_EQ(j.local_rank, 1);
    EXPECT_EQ(j.node_rank, 1);
    EXPECT_EQ(j.world_size, 4);
    EXPECT_EQ(j.nodes, 2);
}

TEST(JobDetect, TorchrunInsideSlurmKeepsTorchRanksAndSlurmJob) {
    // srun starts one torchrun per node (SLURM_PROCID = node index); its workers' global rank is RANK.
    const Environment env{{"SLURM_JOB_ID", "77"}, {"SLURM_PROCID", "1"}, {"SLURM_NODEID", "1"}, {"RANK", "6"},
                          {"LOCAL_RANK", "2"},    {"WORLD_SIZE", "8"},   {"GROUP_RANK", "1"}};
    const JobInfo j = detect_job(env);
    EXPECT_EQ(j.job_id, "77");
    EXPECT_EQ(j.rank, 6);
    EXPECT_EQ(j.local_rank, 2);
    EXPECT_EQ(j.node_rank, 1);
}

TEST(JobDetect, OpenMpiAndMpich) {
    const JobInfo o = detect_job({{"OMPI_COMM_WORLD_RANK", "3"},
                                  {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
                                  {"OMPI_COMM_WORLD_SIZE", "4"},
                                  {"PMIX_NAMESPACE", "prterun-h-1@1"}});
    EXPECT_EQ(o.rank, 3);
    EXPECT_EQ(o.local_rank, 1);
    EXPECT_EQ(o.world_size, 4);
    EXPECT_EQ(o.job_id, "prterun-h-1@1");
    EXPECT_EQ(o.source, "mpi");
    const JobInfo m = detect_job({{"PMI_RANK", "2"}, {"MPI_LOCALRANKID", "0"}, {"PMI_SIZE", "3"}});
    EXPECT_EQ(m.rank, 2);
    EXPECT_EQ(m.local_rank, 0);
    EXPECT_EQ(m.world_size, 3);
    EXPECT_EQ(m.job_id, "");  // MPICH names no job: no election (ECO2_JOB_ID gives one)
}

TEST(JobDetect, Eco2VariablesWinAndBadValuesAreNamed) {
    const JobInfo j = detect_job({{"ECO2_JOB_ID", "mine"},
                                  {"SLURM_JOB_ID", "9"},
                                  {"RANK", "x1"},
                                  {"SLURM_PROCID", "4"},
                                  {"WORLD_SIZE", "0"},
                                  {"ECO2_LOCAL_RANK", "-1"}});
    EXPECT_EQ(j.job_id, "mine");
    EXPECT_EQ(j.source, "ECO2_JOB_ID");
    EXPECT_EQ(j.rank, 4);  // RANK=x1 is ignored, the next source is used
    EXPECT_FALSE(j.world_size);
    EXPECT_FALSE(j.local_rank);
    ASSERT_EQ(j.problems.size(), 3u);
    EXPECT_NE(j.problems[0].find("RANK=x1 ignored: not a non-negative integer"), std::string::npos);
    EXPECT_NE(j.problems[1].find("ECO2_LOCAL_RANK=-1"), std::string::npos);
    EXPECT_NE(j.problems[2].find("WORLD_SIZE=0 ignored: not a positive integer"), std::string::npos);
}

TEST(JobDetect, NoLauncherNoJob) {
    const JobInfo j = detect_job({{"HOME", "/root"}, {"RANK", ""}});
    EXPECT_EQ(j.job_id, "");
    EXPECT_FALSE(j.rank);
    EXPECT_FALSE(j.world_size);
}

TEST(JobLockName, SafeAndDistinct) {
    EXPECT_EQ(job_lock_name("4242"), "job-4242.lock");
    const std::string a = job_lock_name("torchrun:127.0.0.1:29400");
    const std::string b = job_lock_name("torchrun_127.0.0.1_29400");
    EXPECT_EQ(a.find('/'), std::string::npos);
    EXPECT_EQ(a.find(':'), std::string::npos);
    EXPECT_NE(a, b);  // replaced characters add a hash
    EXPECT_LE(job_lock_name(std::string(500, 'x')).size(), 120u);
    EXPECT_EQ(job_lock_name("../../etc").find('/'), std::string::npos);
}

TEST(RuntimeDir, XdgThenRunThenTmp) {
    TempDir t;
    const uid_t uid = ::getuid();
    fs::create_directory(t.path / "xdg");
    EXPECT_EQ(
        runtime_dir({{"XDG_RUNTIME_DIR", (t.path / "xdg").string()}}, uid, t.path / "run", t.path / "tmp"),
        t.path / "xdg" / "eco2");
    // No XDG_RUNTIME_DIR: <run>/eco2 when it can be made.
    fs::create_directory(t.path / "run");
    EXPECT_EQ(runtime_dir({}, uid, t.path / "run", t.path / "tmp"), t.path / "run" / "eco2");
    // <run> missing: <tmp>/eco2-<uid>, 0700.
    fs::create_directory(t.path / "tmp");
    const fs::path dir = runtime_dir({}, uid, t.path / "none", t.path / "tmp");
    EXPECT_EQ(dir, t.path / "tmp" / ("eco2-" + std::to_string(uid)));
    struct stat st {};
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(RuntimeDir, RefusesALinkInTmp) {
    TempDir t;
    fs::create_directory(t.path / "tmp");
    fs::create_directory(t.path / "elsewhere");
    fs::create_directory_symlink(t.path / "elsewhere",
                                 t.path / "tmp" / ("eco2-" + std::to_string(::getuid())));
    try {
        runtime_dir({}, ::getuid(), t.path / "none", t.path / "tmp");
        FAIL() << "a symbolic link was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::io_error);
        EXPECT_NE(std::string(e.what()).find("XDG_RUNTIME_DIR"), std::string::npos);
    }
}

TEST(Handover, RoundTripAndTornRecord) {
    Handover h;
    h.t = 12345.678901234;
    h.pid = 42;
    h.readings = {{"nvml.gpu.0", 1234567.125}, {"rapl.package.0", 0.1}};
    const std::string text = format_handover(h);
    auto back = parse_handover(text);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->pid, 42);
    EXPECT_NEAR(back->t, h.t, 1e-6);
    EXPECT_EQ(back->readings, h.readings);
    EXPECT_FALSE(parse_handover(text.substr(0, text.size() - 4)));  // no "end": a torn write
    EXPECT_FALSE(parse_handover("something else\nend\n"));
    EXPECT_FALSE(parse_handover(""));
}

TEST(NodeLock, OneHolderAndTheLockFreesItself) {
    TempDir t;
    const fs::path file = t.path / job_lock_name("j");
    auto a = std::make_unique<NodeLock>(file);
    NodeLock b(file);
    EXPECT_TRUE(a->try_acquire());
    EXPECT_FALSE(b.try_acquire());  // flock: per open file, also within one process
    Handover h;
    h.t = 7.5;
    h.readings = {{"nvml.gpu.0", 100.0}};
    a->record(h);
    b.record(h);  // not the holder: ignored
    a.reset();    // the holder exits
    EXPECT_TRUE(b.try_acquire());
    ASSERT_TRUE(b.previous());
    EXPECT_DOUBLE_EQ(b.previous()->t, 7.5);
    EXPECT_DOUBLE_EQ(b.previous()->readings.at("nvml.gpu.0"), 100.0);
}

TEST(NodeShare, NodeChannels) {
    EXPECT_TRUE(is_node_channel(gpu_channel(0), Scope::process));  // cannot list processes: the whole GPU
    EXPECT_FALSE(is_node_channel(gpu_channel(0, Attribution::process_list), Scope::process));
    Channel rapl{"rapl.package.0", Component::cpu, ChannelKind::energy_counter, 0.0, Attribution::cpu_share};
    EXPECT_FALSE(is_node_channel(rapl, Scope::process));  // the tree's share by CPU time
    EXPECT_TRUE(is_node_channel(rapl, Scope::machine));
    Channel model{"cpu_model.cpu.0", Component::cpu, ChannelKind::energy_counter, 0.0, Attribution::direct};
    EXPECT_FALSE(is_node_channel(model, Scope::process));  // TDP x the tree's own CPU time
    EXPECT_FALSE(NodeShare::make(JobInfo{}, "/tmp", {gpu_channel(0)}, Scope::process));  // no job
}

// Three ranks of one job read one GPU counter; the measurer leaves in the middle; the sum of the three is the
// counter's advance over the job once (not three times), with nothing lost at the hand-over.
TEST(NodeShare, RanksCountTheNodeOnceAcrossAHandover) {
    TempDir t;
    JobInfo job;
    job.job_id = "job-1";
    const std::vector<Channel> channels{gpu_channel(0)};
    TreeSample s;
    double counter = 1000.0;
    std::vector<std::unique_ptr<Accumulator>> acc;
    std::vector<std::unique_ptr<NodeShare>> share;
    for (int r = 0; r < 3; ++r) {
        acc.push_back(std::make_unique<Accumulator>(channels));
        share.push_back(NodeShare::make(job, t.path, channels, Scope::process));
        ASSERT_TRUE(share.back());
        acc.back()->begin(s, &counter);
        share.back()->start(*acc.back(), &counter);
    }
    EXPECT_TRUE(share[0]->measurer());
    EXPECT_FALSE(share[1]->measurer());
    auto tick = [&](double joules) {
        counter += joules;
        for (std::size_t r = 0; r < acc.size(); ++r) {
            if (!share[r]) continue;
            share[r]->poll(*acc[r]);
            acc[r]->update(s, &counter);
            share[r]->recorded(&counter);  // each tick's row written
        }
    };
    tick(10);
    tick(20);
    const double rank0 = acc[0]->totals()[1];
    share[0].reset();  // rank 0 exits after recording 30 J; 5 J are drawn before the others' next tick
    counter += 5;
    tick(40);
    tick(25);
    const double sum = rank0 + acc[1]->totals()[1] + acc[2]->totals()[1];
    EXPECT_DOUBLE_EQ(rank0, 30.0);
    EXPECT_DOUBLE_EQ(sum, 100.0);  // 10 + 20 + 5 + 40 + 25, once
    EXPECT_DOUBLE_EQ(acc[1]->totals()[1] + acc[2]->totals()[1], 70.0);
    EXPECT_TRUE(share[1]->measurer() != share[2]->measurer());  // exactly one successor
    for (std::size_t r = 1; r < acc.size(); ++r)  // the per-device figures (Tick, exporters) agree
        EXPECT_DOUBLE_EQ(acc[r]->channel_totals()[0], acc[r]->totals()[1]);
    Result r;
    r.job = job;
    r.gpu.source = "nvml(energy counter: gpu0)";
    share[2]->describe(r);
    EXPECT_NE(r.gpu.source.find("; node devices of job job-1: measured by"), std::string::npos);
}

// A measurer that finished before this tracker started hands nothing over: the new one counts from its own
// first reading, not from the old record (energy drawn between the two runs is no one's).
TEST(NodeShare, AnOldRecordIsNotAHandover) {
    TempDir t;
    JobInfo job;
    job.job_id = "job-2";
    const std::vector<Channel> channels{gpu_channel(0)};
    TreeSample s;
    {
        NodeLock old(t.path / job_lock_name(job.job_id));
        ASSERT_TRUE(old.try_acquire());
        Handover h;
        h.t = 1.0;  // long ago on the steady clock
        h.readings = {{"nvml.gpu.0", 10.0}};
        old.record(h);
    }
    double counter = 500.0;
    Accumulator acc(channels);
    auto share = NodeShare::make(job, t.path, channels, Scope::process);
    acc.begin(s, &counter);
    share->start(acc, &counter);
    ASSERT_TRUE(share->measurer());
    counter += 7;
    share->poll(acc);
    acc.update(s, &counter);
    EXPECT_DOUBLE_EQ(acc.totals()[1], 7.0);
}

// A file written before the job columns existed (its header ends at cpu_time(s)) is adopted by header names:
// its rows keep their fields, the five job columns are added empty at the end.
TEST(JobColumns, AnOlderFileIsAdoptedWithEmptyJobColumns) {
    const auto& cols = CsvWriter::columns();
    const auto last_old = std::find(cols.begin(), cols.end(), "cpu_time(s)");
    ASSERT_NE(last_old, cols.end());
    ASSERT_EQ(cols.end() - last_old, 6);  // cpu_time(s), then the five job columns
    std::string old_header, old_row;
    for (auto it = cols.begin(); it <= last_old; ++it) {
        old_header += (it == cols.begin() ? "" : ",") + std::string(*it);
        old_row += it == cols.begin() ? "run-1" : ",";
    }
    old_row += "1.5";  // cpu_time(s)
    const Adopted a = adopt_records(old_header + "\n" + old_row + "\n", CsvWriter::header(), "old.csv");
    EXPECT_EQ(a.rows, 1u);
    EXPECT_EQ(a.text, CsvWriter::header() + "\n" + old_row + ",,,,,\n");
}
