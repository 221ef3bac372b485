// Cost of one checkpoint: RecordFile::rewrite() of the run's reserved row, on a records file that holds
// 10 rows and one that holds 1,000,000 (see docs/benchmarks.md). The files are built once, in a temporary
// directory, from real CsvWriter rows of about 400 bytes, then the run's row is appended with its
// reservation exactly as Tracker::start() does. The claim under test: a checkpoint is one flock + fstat +
// pwrite, so its cost does not depend on the size of the file.
//
//   BM_rewrite/rows:N          RecordFile::rewrite(row, false)        (the per-checkpoint write)
//   BM_checkpoint/rows:N       CsvWriter::row(result) + rewrite       (all that Tracker's checkpoint does)
// ECO2_BENCH_DIR picks the directory of the files (default: the system temporary directory).

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "eco2/record.hpp"
#include "writers/csv_writer.hpp"
#include "writers/record_file.hpp"

namespace {

using namespace eco2;
using namespace eco2::detail;
namespace fs = std::filesystem;

// Room per numeric field reserved by Tracker::start() (NUMERIC_FIELD_ROOM x NUMERIC_FIELDS in tracker.cpp).
constexpr std::size_t RESERVE_EXTRA = 14 * 24;

// A finished run as eco2 run records it on a GPU machine: every text column filled.
Result realistic_result(std::uint64_t i) {
    Result r;
    char id[40];
    std::snprintf(id, sizeof id, "%08llx-7e1c-4b2a-9f3d-5c6e7a8b9c0d", static_cast<unsigned long long>(i));
    r.id = id;
    r.project_name = "resnet50-imagenet";
    r.experiment_description = "baseline lr=0.1 batch=256 epochs=90";
    r.start_time = std::chrono::system_clock::now();
    r.duration_s = 3600.0 + static_cast<double>(i % 1000);
    r.cpu = {1.234567e6 + static_cast<double>(i), "tdp-model(280 W from built-in table)", true};
    r.gpu = {9.87654321e6, "nvml(total energy counter)", false};
    r.ram = {1.2345e5, "ram-model(0.375 W/GiB)", true};
    r.pue = 1.2;
    r.intensity_g_per_kwh = 436.5;
    r.region = "FR";
    r.location_source = "flag --intensity";
    r.cpu_name = "AMD EPYC 7763 64-Core Processor";
    r.gpu_name = "NVIDIA A100-SXM4-80GB";
    r.os = "Linux-6.1.0-18-amd64-x86_64-with-glibc2.36";
    r.host = "gpu-node-017";
    r.status = RunStatus::completed;
    r.exit_code = 0;
    r.samples = 3600;
    r.co2_kg = 1.4312;
    return r;
}

fs::path bench_dir() {
    const char* env = std::getenv("ECO2_BENCH_DIR");
    fs::path base = env != nullptr && *env != '\0' ? fs::path(env) : fs::temp_directory_path();
    return base / ("eco2_checkpoint_bench_" + std::to_string(::getpid()));
}

// Records files of `rows` finished runs, built once per size and removed at exit.
class RecordFiles {
public:
    RecordFiles() : m_dir(bench_dir()) { fs::create_directories(m_dir); }
    ~RecordFiles() {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    RecordFiles(const RecordFiles&) = delete;
    RecordFiles& operator=(const RecordFiles&) = delete;

    // A fresh copy is not needed between benchmarks: each appends one more reserved row at the end.
    const fs::path& with_rows(std::int64_t rows) {
        auto it = m_files.find(rows);
        if (it != m_files.end()) return it->second;
        fs::path path = m_dir / ("records_" + std::to_string(rows) + ".csv");
        std::ofstream out(path, std::ios::binary);
        out << CsvWriter::header() << '\n';
        // Rows differ only in their id and a number or two; formatting each is what makes the build slow,
        // so one formatted row is patched instead.
        std::string row = CsvWriter::row(realistic_result(0));
        m_row_bytes = row.size() + 1;
        for (std::int64_t i = 0; i < rows; ++i) {
            char id[24];
            std::snprintf(id, sizeof id, "%08llx", static_cast<unsigned long long>(i) & 0xffffffffull);
            row.replace(0, 8, id, 8);
            out << row << '\n';
        }
        out.close();
        if (!out) throw std::runtime_error("cannot write " + path.string());
        return m_files.emplace(rows, path).first->second;
    }
    std::size_t row_bytes() const noexcept { return m_row_bytes; }

private:
    fs::path m_dir;
    std::map<std::int64_t, fs::path> m_files;
    std::size_t m_row_bytes = 0;
};

void report(benchmark::State& state, const fs::path& path, const RecordFiles& files) {
    state.counters["file_MiB"] = static_cast<double>(fs::file_size(path)) / (1024.0 * 1024.0);
    state.counters["row_bytes"] = static_cast<double>(files.row_bytes());
}

void BM_rewrite(benchmark::State& state, RecordFiles* files) {
    const fs::path& path = files->with_rows(state.range(0));
    RecordFile file(path, CsvWriter::header());
    Result r = realistic_result(42);
    r.status = RunStatus::interrupted;
    std::string row = CsvWriter::row(r);
    file.append_reserved(row, row.size() + RESERVE_EXTRA);
    for (auto _ : state) {
        if (!file.rewrite(row, false)) state.SkipWithError("row outgrew its reservation");
    }
    report(state, path, *files);
}

void BM_checkpoint(benchmark::State& state, RecordFiles* files) {
    const fs::path& path = files->with_rows(state.range(0));
    RecordFile file(path, CsvWriter::header());
    Result r = realistic_result(43);
    r.status = RunStatus::interrupted;
    std::string first = CsvWriter::row(r);
    file.append_reserved(first, first.size() + RESERVE_EXTRA);
    for (auto _ : state) {
        r.duration_s += 10.0;
        r.cpu.joules += 1000.0;
        std::string row = CsvWriter::row(r);
        if (!file.rewrite(row, false)) state.SkipWithError("row outgrew its reservation");
    }
    report(state, path, *files);
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    RecordFiles files;
    benchmark::RegisterBenchmark("BM_rewrite", BM_rewrite, &files)
        ->ArgName("rows")
        ->Arg(10)
        ->Arg(1'000'000)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("BM_checkpoint", BM_checkpoint, &files)
        ->ArgName("rows")
        ->Arg(10)
        ->Arg(1'000'000)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
