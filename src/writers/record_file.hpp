#pragma once
// The records CSV on disk, shared safely between processes.
//
// Every write happens under an exclusive flock() on the file, so trackers writing the same file at once
// never tear or interleave rows. A run's row is appended once with room to spare (trailing spaces in the
// numeric last column) and then rewritten in place at each checkpoint with one pwrite(): a checkpoint costs
// the same whatever the size of the file, and a tracker killed at any moment leaves every other row intact.
// At the end the row is written exactly; when it is still the last row of the file the spare room is cut.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace eco2::detail {

class RecordFile {
public:
    /// Opens (creating if needed) the file and checks its header. Throws eco2::Error(io_error) with the fix
    /// when the file cannot be written, or holds other columns than `header`.
    RecordFile(std::filesystem::path path, std::string header);
    ~RecordFile();
    RecordFile(const RecordFile&) = delete;
    RecordFile& operator=(const RecordFile&) = delete;

    /// Appends a row that will be rewritten later, reserving `reserve` bytes (>= row.size()).
    /// Throws eco2::Error(io_error).
    void append_reserved(std::string_view row, std::size_t reserve);
    /// Rewrites the reserved row in place. When final and the row is the file's last, trims the padding.
    /// Returns false (writes nothing) if the row is longer than the reservation. Throws eco2::Error(io_error).
    bool rewrite(std::string_view row, bool final);
    /// Appends a complete row (no later rewrite). Throws eco2::Error(io_error).
    void append(std::string_view row);

    const std::filesystem::path& path() const noexcept { return m_path; }

    /// While on, rewrite(final) leaves its fsync to later: turning it off (or destruction) makes one fsync
    /// for all the rows finished meanwhile. For marks that come in a burst; the rows are written at once
    /// either way, so a crash of this process loses none (only a crash of the machine could).
    void defer_sync(bool on) noexcept;

    /// Checks that `path` can be created, or appended to with this header, without leaving a new empty file
    /// behind. Throws eco2::Error(io_error) with the fix.
    static void check_writable(const std::filesystem::path& path, const std::string& header);

private:
    class Lock;
    void ensure_header_locked();
    /// Appends at the end of the file; returns the row's offset.
    std::uint64_t append_locked(std::string_view row, std::size_t reserve);

    std::filesystem::path m_path;
    std::string m_header;
    int m_fd = -1;
    std::uint64_t m_offset = 0;    // start of the reserved row
    std::size_t m_reserved = 0;    // bytes reserved, newline excluded
    bool m_have_row = false;
    bool m_defer_sync = false, m_sync_owed = false;
};

}  // namespace eco2::detail
