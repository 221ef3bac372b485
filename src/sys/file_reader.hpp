#pragma once
// Small-file reading with the failure kept as data. Sensors receive a FileReader so tests can simulate
// permission errors (as root, chmod 000 does not stop a read).

#include <filesystem>
#include <optional>
#include <string>

namespace eco2::sys {

enum class ReadStatus { ok, not_found, permission_denied, failed };

struct ReadResult {
    ReadStatus status = ReadStatus::failed;
    std::string text;   ///< file content when ok
    int error = 0;      ///< errno when not ok
    bool ok() const noexcept { return status == ReadStatus::ok; }
};

/// The largest file read() accepts: /proc and /sys files are a few KiB (/proc/stat of 1,024 CPUs ~150 KiB).
inline constexpr std::size_t MAX_FILE_SIZE = 4u << 20;

class FileReader {
public:
    virtual ~FileReader() = default;
    /// Reads a whole (small, virtual-file sized) file. Never throws. Only regular files, opened without
    /// blocking: a FIFO, a device or a directory fails (EINVAL, EISDIR), so does a file longer than
    /// MAX_FILE_SIZE (EFBIG).
    virtual ReadResult read(const std::filesystem::path& path) const noexcept;
};

/// The process-wide plain reader (stateless).
const FileReader& default_reader() noexcept;

/// Parses a file holding one unsigned integer (sysfs style, trailing newline allowed).
std::optional<unsigned long long> parse_u64(std::string_view text) noexcept;

/// Reads a sysfs-style single integer file; nullopt on any failure.
std::optional<unsigned long long> read_u64(const FileReader& reader, const std::filesystem::path& path) noexcept;

/// Trimmed content, or nullopt on failure.
std::optional<std::string> read_line(const FileReader& reader, const std::filesystem::path& path) noexcept;

}  // namespace eco2::sys
