// At internet scale, by simulation: the records of 1,000 nodes x 8 GPUs x 8 ranks per GPU, one file per node
// written by eco2's own writer (RecordFile + CsvWriter, as trackers write them), merged per job by the
// summary's grouping (what `eco2 summary --by job` runs). The job's total must equal the sum of the node
// counters.
//
// Each node has its own counters: 8 NVML GPU counters (mJ) and 2 RAPL packages (µJ), at random values. As
// under the node measurer election (docs/scale-out.md), each rank's CPU energy is its share (by CPU time) of
// the packages' delta, and the GPUs (which cannot list processes) are recorded by the node's measurer: rank
// 0, or on one node in ten rank 0 then another rank after a hand-over. Each file also holds a row of another
// job and a row of a run outside any job, which the job's total must leave out.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>

#include "report/group.hpp"
#include "writers/csv_writer.hpp"
#include "writers/record_file.hpp"

using namespace eco2;
using namespace eco2::detail;
namespace fs = std::filesystem;

namespace {

// 8 ranks per GPU: 64 ranks per node, 64,000 rank rows (the 1,000 x 8 x 8, read as the larger case).
constexpr int NODES = 1000, GPUS = 8, RANKS = GPUS * 8;

struct Truth {
    double gpu_j = 0, cpu_j = 0, ram_j = 0;
};

Result rank_row(int node, const std::string& job, std::optional<int> rank, std::optional<int> local,
                int world, double cpu_j, double gpu_j, double ram_j, std::uint64_t n) {
    Result r;
    r.id = fmt::format("00000000-0000-4000-8000-{:012x}", n);
    r.project_name = "scale";
    r.host = fmt::format("node-{:04d}", node);
    r.duration_s = 14400;
    r.cpu = {cpu_j, "rapl(package-0+package-1; process share by CPU time)", false};
    r.gpu = {gpu_j, "nvml(energy counter: gpu0..gpu7; process listing unsupported)", false};
    r.ram = {ram_j, "ram-model", true};
    r.intensity_g_per_kwh = 475;
    r.co2_kg = r.energy_kwh() * 0.475;
    r.status = RunStatus::completed;
    r.job.job_id = job;
    r.job.rank = rank;
    r.job.local_rank = local;
    if (rank) r.job.node_rank = node;
    if (world > 1) r.job.world_size = world;
    return r;
}

}  // namespace

TEST(ScaleSimulation, SummaryByJobEqualsTheNodeCountersOfAThousandNodes) {
    char tmpl[] = "/tmp/eco2-scale-XXXXXX";
    const fs::path dir = ::mkdtemp(tmpl);
    std::mt19937_64 rng(10);
    auto uniform = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
    auto counter = [&](std::uint64_t lo, std::uint64_t hi) {
        return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
    };
    Truth truth;
    std::vector<std::string> files;
    std::uint64_t n = 0;
    const auto t_write = std::chrono::steady_clock::now();
    for (int node = 0; node < NODES; ++node) {
        double gpu_delta = 0, cpu_delta = 0;
        for (int g = 0; g < GPUS; ++g) {
            const std::uint64_t start_mj = counter(1'000'000'000, 1'000'000'000'000);
            const std::uint64_t end_mj = start_mj + counter(1'000'000, 3'000'000);  // 1-3 MJ: hours at 300 W
            gpu_delta += static_cast<double>(end_mj - start_mj) / 1e3;
        }
        for (int p = 0; p < 2; ++p) {
            const std::uint64_t start_uj = counter(0, 100'000'000'000);
            const std::uint64_t end_uj = start_uj + counter(100'000'000'000, 200'000'000'000);
            cpu_delta += static_cast<double>(end_uj - start_uj) / 1e6;
        }
        truth.gpu_j += gpu_delta;
        truth.cpu_j += cpu_delta;
        std::vector<double> weight(RANKS), gpu_of(RANKS, 0.0);
        double weights = 0;
        for (double& w : weight) weights += w = uniform(0.5, 1.5);
        if (node % 10 == 3) {  // a hand-over: rank 0 measured a part, another rank the rest
            const auto k = static_cast<std::size_t>(counter(1, RANKS - 1));
            const double f = uniform(0.1, 0.9);
            gpu_of[0] = gpu_delta * f;
            gpu_of[k] = gpu_delta * (1 - f);
        } else {
            gpu_of[0] = gpu_delta;
        }
        files.push_back((dir / fmt::format("node-{:04d}.csv", node)).string());
        RecordFile file(files.back(), CsvWriter::header());
        file.defer_sync(true);  // one fsync per file, at its close
        for (int local = 0; local < RANKS; ++local) {
            const double ram = uniform(1e4, 5e4);
            truth.ram_j += ram;
            const auto i = static_cast<std::size_t>(local);
            file.append(CsvWriter::row(rank_row(node, "sim-job", node * RANKS + local, local, NODES * RANKS,
                                                cpu_delta * weight[i] / weights, gpu_of[i], ram, ++n)));
        }
        file.append(CsvWriter::row(rank_row(node, "other-job", 0, 0, 1, 5e5, 7e5, 1e3, ++n)));
        file.append(CsvWriter::row(rank_row(node, "", std::nullopt, std::nullopt, 1, 3e5, 0, 1e3, ++n)));
    }
    const double write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_write).count();

    const auto t0 = std::chrono::steady_clock::now();
    const Grouped g = group_files(files, GroupBy::job);
    const double group_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    RecordProperty("write_s", fmt::format("{:.3f}", write_s));
    RecordProperty("summary_s", fmt::format("{:.3f}", group_s));
    std::fprintf(stderr, "1,000 node files, %llu rows: written in %.2f s, grouped by job in %.2f s\n",
                 static_cast<unsigned long long>(n), write_s, group_s);

    const GroupTotals* job = nullptr;
    const GroupTotals* other = nullptr;
    for (const auto& t : g.groups) {
        if (t.key == "sim-job") job = &t;
        if (t.key == "other-job") other = &t;
    }
    ASSERT_NE(job, nullptr);
    ASSERT_NE(other, nullptr);
    EXPECT_EQ(job->rows, static_cast<std::size_t>(NODES * RANKS));
    EXPECT_EQ(job->ranks, static_cast<std::size_t>(NODES * RANKS));
    EXPECT_EQ(other->rows, static_cast<std::size_t>(NODES));
    // The issue asks for 0.1 %; the rows hold kWh to 10 significant digits, so 1e-6 holds.
    EXPECT_NEAR(job->gpu_j.value, truth.gpu_j, truth.gpu_j * 1e-6);
    EXPECT_NEAR(job->cpu_j.value, truth.cpu_j, truth.cpu_j * 1e-6);
    const double node_counters = truth.gpu_j + truth.cpu_j + truth.ram_j;
    EXPECT_NEAR(job->energy_j.value, node_counters, node_counters * 1e-6);
    EXPECT_EQ(g.total.rows, static_cast<std::size_t>(NODES * (RANKS + 2)));
    fs::remove_all(dir);
}
