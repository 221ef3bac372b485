#pragma once
// Helpers for tests: temporary copies of fixture trees, small file writes.

#include <stdlib.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <locale>
#include <string>

#include "eco2/tracker.hpp"
#include "sys/fs_root.hpp"

namespace eco2::test {

inline std::filesystem::path fixture(const std::string& name) { return std::filesystem::path(ECO2_FIXTURES_DIR) / name; }

/// A fresh temporary directory, removed with its content at destruction.
class TempDir {
public:
    TempDir() {
        std::string templ = (std::filesystem::temp_directory_path() / "eco2-test-XXXXXX").string();
        if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        m_path = templ;
    }
    /// A temporary copy of a fixture tree (tests may then modify it).
    explicit TempDir(const std::string& fixture_name) : TempDir() {
        std::filesystem::copy(fixture(fixture_name), m_path, std::filesystem::copy_options::recursive);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& rel) const { return m_path / rel; }

private:
    std::filesystem::path m_path;
};

inline void write_file(const std::filesystem::path& p, const std::string& text) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::trunc) << text;
}

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

/// CPU time of the calling thread, s.
inline double thread_cpu_s() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// Burns this much CPU time (not wall time), so equal work stays equal when the machine is busy.
inline void burn_cpu(std::chrono::milliseconds how_long) {
    const double end = thread_cpu_s() + static_cast<double>(how_long.count()) / 1000.0;
    volatile double x = 0;
    while (thread_cpu_s() < end) x = x + 1.0;
}

/// A tracker configuration writing into dir, on the no-RAPL fixture (2 online CPUs) without NVML.
inline TrackerConfig tracker_config_in(const TempDir& dir, double period_s, double checkpoint_s) {
    TrackerConfig c;
    c.output.path = dir / "emission.csv";
    c.sampling.period_s = period_s;
    c.sampling.checkpoint_s = checkpoint_s;
    c.paths.sys_root = fixture("no_rapl") / "sys";
    c.paths.nvml_library = (dir / "no-nvml.so").string();
    return c;
}

/// A numpunct whose decimal point is a comma, as de_DE's: output must not depend on it.
struct CommaDecimal : std::numpunct<char> {
    char do_decimal_point() const override { return ','; }
};

/// While alive, the global locale (and std::locale() of new streams) has a comma decimal point.
class CommaDecimalLocale {
public:
    CommaDecimalLocale() : m_previous(std::locale::global(std::locale(std::locale::classic(), new CommaDecimal))) {}
    ~CommaDecimalLocale() { std::locale::global(m_previous); }
    CommaDecimalLocale(const CommaDecimalLocale&) = delete;
    CommaDecimalLocale& operator=(const CommaDecimalLocale&) = delete;

private:
    std::locale m_previous;
};

/// procfs and sysfs roots under a fixture or temporary tree.
inline sys::FsRoot roots(const std::filesystem::path& base) { return sys::FsRoot{base / "proc", base / "sys"}; }

}  // namespace eco2::test
