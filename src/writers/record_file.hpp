#pragma once
// The records CSV on disk, shared safely between processes.
//
// Every write happens under an exclusive flock() on the file, so trackers writing the same file at once
// never tear or interleave rows. A run's row is appended once with room to spare (trailing spaces in the
// numeric last column) and then rewritten in place at each checkpoint with one pwrite(): a checkpoint costs
// the same whatever the size of the file, and a tracker killed at any moment leaves every other row intact.
// At the end the row is written exactly; when it is still the last row of the file the spare room is cut.
//
// No row is lost, whatever happens to the file (docs/reliability.md):
// - A row longer than its reservation is written in place when it is the file's last row, else the file is
//   rewritten with the row grown (a temporary file renamed over it: a reader or a crash sees the old file or
//   the new one, never half of each).
// - Before each rewrite the row is checked where it was left (same inode, same bytes). A file truncated under
//   us (log rotation with copytruncate) gets its header and the row again at its end; a file deleted under us
//   is restored whole from the open descriptor; a file replaced by another eco2 (an upgrade, a grown row) is
//   followed and the row found again by its content. Each such event is kept in notices() for the summary.
// - A write that fails (full disk) is rolled back, so the file never keeps a torn row; the next checkpoint
//   tries again.
// - A file in an older layout (eco2AI's 13 columns, an older eco2's columns) is adopted: its header is
//   upgraded by name, every row and value kept verbatim, new columns empty (docs/records.md).

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace eco2::detail {

class RecordFile {
public:
    /// Opens (creating if needed, mode 0644 whatever the umask) the file and checks its header; a file in an
    /// older layout whose columns are all known is upgraded to `header`. Throws eco2::Error(io_error) with the
    /// fix when the file cannot be written, holds unknown columns, or is another user's symbolic link in a
    /// sticky world-writable directory.
    RecordFile(std::filesystem::path path, std::string header);
    ~RecordFile();
    RecordFile(const RecordFile&) = delete;
    RecordFile& operator=(const RecordFile&) = delete;

    /// Appends a row that will be rewritten later, reserving `reserve` bytes (>= row.size()).
    /// Throws eco2::Error(io_error); the file is left as it was.
    void append_reserved(std::string_view row, std::size_t reserve);
    /// Rewrites the reserved row: in place when it fits, else grown (see above). When final and the row is the
    /// file's last, trims the padding. If the reserved row could not be appended before (full disk), or is gone
    /// (file truncated), it is appended now. Always writes the row and returns true; throws
    /// eco2::Error(io_error) when the file cannot be written (then the file holds the previous version).
    bool rewrite(std::string_view row, bool final);
    /// Appends a complete row (no later rewrite). Throws eco2::Error(io_error).
    void append(std::string_view row);

    const std::filesystem::path& path() const noexcept { return m_path; }
    /// What happened to the file during the run that the user should know (one sentence each): adopted
    /// layout, truncation, deletion, replacement. Not thread-safe: read after the last write.
    const std::vector<std::string>& notices() const noexcept { return m_notices; }

    /// While on, rewrite(final) leaves its fsync to later: turning it off (or destruction) makes one fsync
    /// for all the rows finished meanwhile. For marks that come in a burst; the rows are written at once
    /// either way, so a crash of this process loses none (only a crash of the machine could).
    void defer_sync(bool on) noexcept;

    /// Checks that `path` can be created (a probe file in its directory, removed at once), or appended to with
    /// this header (or adopted), without leaving a new empty file behind. Throws eco2::Error(io_error) with
    /// the fix.
    static void check_writable(const std::filesystem::path& path, const std::string& header);

private:
    class Lock;
    void open_file();
    /// Makes m_fd the file at m_real again when it was deleted, replaced or moved. Caller holds the lock.
    void follow_path_locked();
    void ensure_header_locked();
    /// True when the reserved row is still where it was left (or was found again by its bytes).
    bool find_slot_locked();
    /// Appends at the end of the file; returns the row's offset. Rolls back a partial write.
    std::uint64_t append_locked(std::string_view row, std::size_t reserve);
    /// Replaces the whole file by `content` (temporary file + rename; in place when the directory is not
    /// writable). m_fd is the new file, locked, afterwards.
    void replace_locked(const std::string& content);
    void notice(std::string text);
    /// Removes temporary files left beside the file by trackers killed while rewriting it.
    void remove_stale_temps() noexcept;

    std::filesystem::path m_path;  // as given (messages)
    std::filesystem::path m_real;  // symbolic links resolved: where renames happen
    std::string m_header;
    int m_fd = -1;
    bool m_defer_sync = false, m_sync_owed = false;
    std::uint64_t m_offset = 0;  // start of the reserved row
    std::string m_slot;          // the reserved row's bytes as last written (padding included, newline not)
    std::size_t m_spare = 0;     // padding asked for beyond the row
    bool m_have_row = false;     // a reserved row was written and not finalised
    bool m_row_pending = false;  // a reserved row was asked for but could not be written yet
    bool m_moved_noted = false;
    std::vector<std::string> m_notices;
};

/// A records file in an older layout, upgraded to `header` (what RecordFile does on open; pure, for tests and
/// fuzzing): every column of `content`'s header must be one of `header`'s (by name, once); each row's fields are
/// copied verbatim under their columns, new columns empty. Throws eco2::Error(io_error) naming the problem
/// (unknown or repeated column, a row with more fields than the header, NUL bytes, a quote left open).
struct Adopted {
    std::string text;          ///< the upgraded file
    std::size_t rows = 0;      ///< rows kept
    std::size_t columns = 0;   ///< columns of the old header
    bool eco2ai = false;       ///< the old header was eco2AI's 13 columns
};
Adopted adopt_records(std::string_view content, const std::string& header, const std::filesystem::path& path);

/// Refuses (eco2::Error(io_error)) a symbolic link at `path` that the kernel's protected_symlinks rule would
/// refuse to follow: in a sticky world-writable directory, owned by neither us nor the directory's owner. The
/// message mentions `setting`, the one that names the path (eco2::mention).
void check_link_is_safe(const std::filesystem::path& path, std::string_view setting = "output");

}  // namespace eco2::detail
