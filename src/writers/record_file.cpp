#include "writers/record_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "eco2/error.hpp"
#include "writers/file_io.hpp"

namespace eco2::detail {
namespace {

std::size_t count_lines(std::string_view text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

void check_link_is_safe(const std::filesystem::path& path, std::string_view setting) {
    struct stat ls{};
    if (::lstat(path.c_str(), &ls) != 0 || !S_ISLNK(ls.st_mode)) return;
    const std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
    struct stat ds{};
    if (::stat(dir.c_str(), &ds) != 0) return;
    if ((ds.st_mode & S_ISVTX) && (ds.st_mode & S_IWOTH) && ls.st_uid != ::geteuid() && ls.st_uid != ds.st_uid)
        throw Error(
            Errc::io_error,
            fmt::format("{} is a symbolic link owned by another user (uid {}) in the shared directory {}: "
                        "eco2 does not follow it (it could point anywhere); choose another {}",
                        path.string(), ls.st_uid, dir.string(), mention(setting)));
}

class RecordFile::Lock {
public:
    explicit Lock(RecordFile& f) : m_file(f) { lock_fd(f.m_fd, f.m_path); }
    ~Lock() { ::flock(m_file.m_fd, LOCK_UN); }  // m_fd may have changed (file replaced): unlock the current one
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

private:
    RecordFile& m_file;
};

RecordFile::RecordFile(std::filesystem::path path, std::string header)
    : m_path(std::move(path)), m_header(std::move(header)) {
    open_file();
    try {
        Lock lock(*this);
        follow_path_locked();
        if (file_size(m_fd, m_path) == 0) {
            try {
                ensure_header_locked();
            } catch (const Error&) {
                // An empty file on a full disk: the header goes with the first row that can be written (each
                // write checks it), so the run is still tracked.
            }
        } else {
            ensure_header_locked();  // an unknown layout must stop us here
        }
        remove_stale_temps();
    } catch (...) {
        ::close(m_fd);
        m_fd = -1;
        throw;
    }
}

RecordFile::~RecordFile() {
    defer_sync(false);
    if (m_fd >= 0) ::close(m_fd);
}

void RecordFile::open_file() {
    check_link_is_safe(m_path);
    // Links we may follow are resolved by hand (a dangling one too: it names where the file is to be made).
    m_real = m_path;
    for (int hops = 0; hops < 40 && std::filesystem::is_symlink(m_real); ++hops) {
        std::filesystem::path to = std::filesystem::read_symlink(m_real);
        m_real = to.is_absolute() ? to : m_real.parent_path() / to;
        check_link_is_safe(m_real);
    }
    std::error_code ec;
    if (auto canonical = std::filesystem::weakly_canonical(m_real, ec); !ec && !canonical.empty()) m_real = canonical;
    // O_NOFOLLOW: links were resolved above (and checked); one put there since is not followed.
    m_fd = ::open(m_real.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (m_fd >= 0) {
        ::fchmod(m_fd, 0644);  // whatever the umask
    } else if (errno == EEXIST) {
        m_fd = ::open(m_real.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    }
    if (m_fd < 0) fail_io(m_path, "open", errno);
    struct stat st{};
    if (::fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(m_fd);
        m_fd = -1;
        throw Error(Errc::io_error,
                    m_path.string() + " is not a regular file: give a file name with " + mention("output"));
    }
}

void RecordFile::remove_stale_temps() noexcept {
    // A tracker killed while rewriting the file leaves its temporary file. One that nobody holds locked (a
    // writer locks its temporary before filling it) and that is over a minute old is such a leftover.
    const std::filesystem::path dir = m_real.parent_path().empty() ? "." : m_real.parent_path();
    std::string prefix = ".";
    prefix += m_real.filename().string();
    prefix += ".eco2-";
    std::error_code ec;
    const auto now = std::filesystem::file_time_type::clock::now();
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) continue;
        std::error_code e2;
        if (!it->is_regular_file(e2) || now - it->last_write_time(e2) < std::chrono::minutes(1) || e2) continue;
        int fd = ::open(it->path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) continue;
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) ::unlink(it->path().c_str());
        ::close(fd);
    }
}

void RecordFile::notice(std::string text) {
    if (std::find(m_notices.begin(), m_notices.end(), text) == m_notices.end()) m_notices.push_back(std::move(text));
}

void RecordFile::follow_path_locked() {
    // Each round follows one replacement by another writer (they are quick, but many writers growing their rows
    // can chain several while we wait for the lock): bounded by time, not by a count.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        struct stat fs{}, ps{};
        if (::fstat(m_fd, &fs) != 0) fail_io(m_path, "stat", errno);
        const int r = ::stat(m_real.c_str(), &ps);
        if (r != 0 && errno != ENOENT) fail_io(m_path, "stat", errno);
        if (r == 0 && ps.st_dev == fs.st_dev && ps.st_ino == fs.st_ino) return;
        if (fs.st_nlink > 0) {
            // Our file is still on disk under another name (renamed by log rotation, say): the run's rows stay
            // with the rows they were written with.
            if (!m_moved_noted)
                notice(m_path.string() +
                       " was moved or replaced during the run; this run's row was kept in the moved file");
            m_moved_noted = true;
            return;
        }
        if (r != 0) {
            // Deleted: put it back whole, from our descriptor (the data are still there until we close it).
            const std::string content = read_all(m_fd, m_path);
            std::string tmp;
            int fd = make_temp_beside(m_real, m_fd, tmp);
            if (fd < 0) fail_io(m_path, "restore", errno);
            try {
                write_all(fd, content, 0, m_path);
                ::fsync(fd);
            } catch (...) {
                ::unlink(tmp.c_str());
                ::close(fd);
                throw;
            }
            if (::link(tmp.c_str(), m_real.c_str()) == 0) {  // link, not rename: never replaces a new file
                ::unlink(tmp.c_str());
                ::close(m_fd);
                m_fd = fd;
                const std::size_t lines = count_lines(content);
                notice(fmt::format("{} was deleted during the run; eco2 restored it whole ({} row{}) from its "
                                   "open copy",
                                   m_path.string(), lines > 0 ? lines - 1 : 0, lines == 2 ? "" : "s"));
                return;
            }
            const int err = errno;
            ::unlink(tmp.c_str());
            ::close(fd);
            if (err != EEXIST) fail_io(m_path, "restore", err);
            continue;  // someone created it meanwhile: follow that one
        }
        // Ours was removed and another file is there: another eco2 replaced it (an upgrade, a grown row), or it
        // was deleted and created again. Follow it; find_slot_locked() finds our row in it, or says it is gone.
        int fd = ::open(m_real.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            if (errno == ENOENT) continue;
            fail_io(m_path, "open", errno);
        }
        ::close(m_fd);
        m_fd = fd;
        lock_fd(m_fd, m_path);
    }
    throw Error(Errc::io_error, m_path.string() + " kept being replaced for 10 s while eco2 tried to write it");
}

void RecordFile::ensure_header_locked() {
    const std::uint64_t size = file_size(m_fd, m_path);
    const std::string line = m_header + "\n";
    if (size == 0) {
        try {
            write_all(m_fd, line, 0, m_path);
        } catch (...) {
            if (::ftruncate(m_fd, 0) != 0) errno = 0;  // no half header left behind
            throw;
        }
        return;
    }
    std::string first(line.size(), '\0');
    ssize_t n = ::pread(m_fd, first.data(), first.size(), 0);
    if (n < 0) fail_io(m_path, "read", errno);
    first.resize(static_cast<std::size_t>(n));
    if (first == line) return;
    if (first == m_header && size == m_header.size()) {  // a writer killed after the header, before its newline
        write_all(m_fd, "\n", size, m_path);
        return;
    }

    // Another layout: eco2AI's 13 columns or an older eco2's.
    const Adopted a = adopt_records(read_all(m_fd, m_path), m_header, m_path);
    replace_locked(a.text);
    notice(fmt::format("{} was in an older layout ({}); its header was upgraded to this version's {} columns and "
                       "its {} row{} kept as they were (new columns empty)",
                       m_path.string(), a.eco2ai ? "eco2AI's 13 columns" : fmt::format("{} columns", a.columns),
                       static_cast<std::size_t>(std::count(m_header.begin(), m_header.end(), ',') + 1), a.rows, a.rows == 1 ? "" : "s"));
}

void RecordFile::replace_locked(const std::string& content) {
    std::string tmp;
    int fd = make_temp_beside(m_real, m_fd, tmp);
    if (fd < 0) {
        // The directory is not ours to write (the file is): rewrite in place. Not atomic against a crash, but
        // under the lock no other eco2 sees it half done.
        write_all(m_fd, content, 0, m_path);
        if (::ftruncate(m_fd, static_cast<off_t>(content.size())) != 0) fail_io(m_path, "truncate", errno);
        return;
    }
    try {
        write_all(fd, content, 0, m_path);
        if (::fsync(fd) != 0) fail_io(m_path, "sync", errno);
        if (::rename(tmp.c_str(), m_real.c_str()) != 0) fail_io(m_path, "replace", errno);
    } catch (...) {
        ::unlink(tmp.c_str());
        ::close(fd);
        throw;
    }
    ::close(m_fd);  // releases our lock on the old file: writers waiting on it see it unlinked and follow
    m_fd = fd;
}

bool RecordFile::find_slot_locked() {
    if (!m_have_row) return false;
    const std::string want = "\n" + m_slot + "\n";
    std::string got(want.size(), '\0');
    ssize_t n = ::pread(m_fd, got.data(), got.size(), static_cast<off_t>(m_offset - 1));
    if (n == static_cast<ssize_t>(want.size()) && got == want) return true;
    // Moved (another eco2 grew a row before ours, or adopted the file): find it by its bytes. The last match:
    // a run's earlier epoch rows share its id but are final, and the reserved row comes after them.
    const std::string content = read_all(m_fd, m_path);
    const std::size_t at = content.rfind(want);
    if (at == std::string::npos) return false;
    m_offset = at + 1;
    return true;
}

std::uint64_t RecordFile::append_locked(std::string_view row, std::size_t reserve) {
    const std::uint64_t end = file_size(m_fd, m_path);
    std::string buf;
    if (end > 0) {  // a writer killed mid-row leaves no newline: start on a fresh line
        char last = '\n';
        if (::pread(m_fd, &last, 1, static_cast<off_t>(end - 1)) == 1 && last != '\n') buf.push_back('\n');
    }
    std::uint64_t offset = end + buf.size();
    buf.append(row);
    buf.append(reserve > row.size() ? reserve - row.size() : 0, ' ');
    buf.push_back('\n');
    try {
        write_all(m_fd, buf, end, m_path);
    } catch (...) {
        // A short write (full disk) would leave a torn row for good: cut it off.
        if (::ftruncate(m_fd, static_cast<off_t>(end)) != 0) errno = 0;
        throw;
    }
    return offset;
}

void RecordFile::append_reserved(std::string_view row, std::size_t reserve) {
    Lock lock(*this);
    m_have_row = false;
    m_row_pending = true;  // until written: the next rewrite() appends it
    m_spare = reserve > row.size() ? reserve - row.size() : 0;
    follow_path_locked();
    ensure_header_locked();
    m_offset = append_locked(row, row.size() + m_spare);
    m_slot.assign(row);
    m_slot.append(m_spare, ' ');
    m_have_row = true;
    m_row_pending = false;
}

void RecordFile::append(std::string_view row) {
    Lock lock(*this);
    follow_path_locked();
    ensure_header_locked();
    append_locked(row, row.size());
}

bool RecordFile::rewrite(std::string_view row, bool final) {
    if (!m_have_row && !m_row_pending)
        throw Error(Errc::invalid_state, "no reserved row to rewrite in " + m_path.string());
    Lock lock(*this);
    follow_path_locked();
    const bool had_row = m_have_row;
    if (!find_slot_locked()) {
        if (had_row) {
            const std::uint64_t size = file_size(m_fd, m_path);
            if (size < m_offset + m_slot.size() + 1)
                notice(fmt::format("{} was truncated during the run (to {} bytes; this run's row was at byte {}): "
                                   "the rows it held before are gone; {}this run's row was written again",
                                   m_path.string(), size, m_offset, size == 0 ? "the header and " : ""));
            else
                notice(m_path.string() + " was rewritten by another program during the run; this run's row was no "
                                         "longer in it and was appended again");
        }
        ensure_header_locked();
        const std::size_t spare = final ? 0 : m_spare;
        m_offset = append_locked(row, row.size() + spare);
        m_slot.assign(row);
        m_slot.append(spare, ' ');
        m_have_row = !final;
        m_row_pending = false;
        if (final) ::fsync(m_fd);
        return true;
    }

    const std::uint64_t size = file_size(m_fd, m_path);
    const bool last = size == m_offset + m_slot.size() + 1;
    std::string slot(row);
    if (!final) slot.append(row.size() <= m_slot.size() ? m_slot.size() - row.size() : m_spare, ' ');
    if (last || slot.size() <= m_slot.size()) {
        if (!last) slot.append(m_slot.size() - slot.size(), ' ');  // a final row that is not last keeps the room
        const std::string old = m_slot + "\n";
        try {
            write_all(m_fd, slot + "\n", m_offset, m_path);
            if (last && slot.size() < m_slot.size() &&
                ::ftruncate(m_fd, static_cast<off_t>(m_offset + slot.size() + 1)) != 0)
                fail_io(m_path, "truncate", errno);
        } catch (...) {
            // Put the previous version back (it fits: those bytes were the file's), so no torn row stays.
            try {
                write_all(m_fd, old, m_offset, m_path);
                if (::ftruncate(m_fd, static_cast<off_t>(size)) != 0) errno = 0;
            } catch (...) {
            }
            throw;
        }
    } else {
        // Longer than its room, with rows after it: the file is rewritten with the row grown.
        const std::string content = read_all(m_fd, m_path);
        std::string grown = content.substr(0, m_offset);
        grown += slot;
        grown.append(content, m_offset + m_slot.size());
        replace_locked(grown);
    }
    m_slot = std::move(slot);
    if (final) {
        if (m_defer_sync) m_sync_owed = true;  // a batch of marks: one fsync at its end (defer_sync(false))
        else ::fsync(m_fd);
        m_have_row = false;
    }
    return true;
}

void RecordFile::defer_sync(bool on) noexcept {
    m_defer_sync = on;
    if (!on && m_sync_owed && m_fd >= 0) ::fsync(m_fd);
    if (!on) m_sync_owed = false;
}

void RecordFile::check_writable(const std::filesystem::path& path, const std::string& header) {
    check_link_is_safe(path);
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        // Not there yet: create a probe file beside it (a unique name, removed at once; creating the file
        // itself would race with another tracker creating it, and leave it behind if the command never runs).
        // access() is not enough: root passes it for /proc.
        std::string probe;
        int p = make_temp_beside(path, -1, probe);
        if (p < 0) fail_io(path, "create", errno);
        ::unlink(probe.c_str());
        ::close(p);
        return;
    }
    if (fd < 0) fail_io(path, "write to", errno);
    struct stat st{};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(Errc::io_error,
                    path.string() + " is not a regular file: give a file name with " + mention("output"));
    }
    std::string first(header.size() + 1, '\0');
    ssize_t n = ::pread(fd, first.data(), first.size(), 0);
    if (n < 0) {
        const int err = errno;
        ::close(fd);
        fail_io(path, "read", err);
    }
    first.resize(static_cast<std::size_t>(n));
    if (first.empty() || first == header + "\n" || first == header) {
        ::close(fd);
        return;
    }
    // Another layout: try the whole adoption now (it reads the file, as the upgrade at start will), so that a
    // file eco2 cannot keep whole stops us before the command starts rather than leaving it untracked.
    std::string content;
    try {
        content = read_all(fd, path);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    adopt_records(content, header, path);
}

}  // namespace eco2::detail
