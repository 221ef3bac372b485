#pragma once
// Helpers for tests: temporary copies of fixture trees, small file writes.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

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

}  // namespace eco2::test
