#include "writers/record_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "eco2/error.hpp"

namespace eco2::detail {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int err) {
    std::string msg = "cannot " + what + " " + path.string() + ": " + std::strerror(err);
    if (err == EACCES || err == EROFS || err == EPERM)
        msg += " (choose a writable location with --output)";
    else if (err == ENOENT)
        msg += " (create the directory first, or choose another --output)";
    else if (err == EISDIR)
        msg += " (it is a directory: give a file name with --output)";
    throw Error(Errc::io_error, msg);
}

void write_all(int fd, const char* data, std::size_t size, off_t offset, const std::filesystem::path& path) {
    while (size > 0) {
        ssize_t n = ::pwrite(fd, data, size, offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(path, "write to", errno);
        }
        data += n;
        size -= static_cast<std::size_t>(n);
        offset += n;
    }
}

[[noreturn]] void throw_other_header(const std::filesystem::path& path) {
    throw Error(Errc::io_error, path.string() +
                                    " exists but its header is not this version of eco2's record columns (another "
                                    "tool's CSV, or an older eco2): choose another --output, or move the file away; "
                                    "nothing was written to it");
}

}  // namespace

class RecordFile::Lock {
public:
    explicit Lock(const RecordFile& f) : m_fd(f.m_fd) {
        while (::flock(m_fd, LOCK_EX) != 0) {
            if (errno != EINTR) fail(f.m_path, "lock", errno);
        }
    }
    ~Lock() { ::flock(m_fd, LOCK_UN); }
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

private:
    int m_fd;
};

RecordFile::RecordFile(std::filesystem::path path, std::string header)
    : m_path(std::move(path)), m_header(std::move(header)) {
    m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0) fail(m_path, "open", errno);
    try {
        Lock lock(*this);
        ensure_header_locked();
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

void RecordFile::check_writable(const std::filesystem::path& path, const std::string& header) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        // Not there yet: the directory must let us create it. (Creating and removing a probe file here would
        // race with another tracker creating the same file.)
        std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
        if (::access(dir.c_str(), W_OK | X_OK) != 0) fail(path, "create", errno);
        return;
    }
    if (fd < 0) fail(path, "write to", errno);
    std::string first(header.size() + 1, '\0');
    ssize_t n = ::pread(fd, first.data(), first.size(), 0);
    int err = errno;
    ::close(fd);
    if (n < 0) fail(path, "read", err);
    if (n > 0 && first != header + "\n") throw_other_header(path);
}

void RecordFile::ensure_header_locked() {
    struct stat st{};
    if (::fstat(m_fd, &st) != 0) fail(m_path, "stat", errno);
    if (st.st_size == 0) {
        std::string line = m_header + "\n";
        write_all(m_fd, line.data(), line.size(), 0, m_path);
        return;
    }
    std::string first(m_header.size() + 1, '\0');
    ssize_t n = ::pread(m_fd, first.data(), first.size(), 0);
    if (n < 0) fail(m_path, "read", errno);
    first.resize(static_cast<std::size_t>(n));
    if (first != m_header + "\n") throw_other_header(m_path);
}

std::uint64_t RecordFile::append_locked(std::string_view row, std::size_t reserve) {
    struct stat st{};
    if (::fstat(m_fd, &st) != 0) fail(m_path, "stat", errno);
    off_t end = st.st_size;
    std::string buf;
    if (end > 0) {  // a writer killed mid-row leaves no newline: start on a fresh line
        char last = '\n';
        if (::pread(m_fd, &last, 1, end - 1) == 1 && last != '\n') buf.push_back('\n');
    }
    std::uint64_t offset = static_cast<std::uint64_t>(end) + buf.size();
    buf.append(row);
    buf.append(reserve > row.size() ? reserve - row.size() : 0, ' ');
    buf.push_back('\n');
    write_all(m_fd, buf.data(), buf.size(), end, m_path);
    return offset;
}

void RecordFile::append_reserved(std::string_view row, std::size_t reserve) {
    Lock lock(*this);
    ensure_header_locked();
    m_reserved = std::max(reserve, row.size());
    m_offset = append_locked(row, m_reserved);
    m_have_row = true;
}

void RecordFile::append(std::string_view row) {
    Lock lock(*this);
    ensure_header_locked();
    append_locked(row, row.size());
}

bool RecordFile::rewrite(std::string_view row, bool final) {
    if (!m_have_row) throw Error(Errc::invalid_state, "no reserved row to rewrite in " + m_path.string());
    if (row.size() > m_reserved) return false;
    Lock lock(*this);
    struct stat st{};
    if (::fstat(m_fd, &st) != 0) fail(m_path, "stat", errno);
    bool last = static_cast<std::uint64_t>(st.st_size) == m_offset + m_reserved + 1;
    std::string buf(row);
    if (final && last) {
        buf.push_back('\n');
        write_all(m_fd, buf.data(), buf.size(), static_cast<off_t>(m_offset), m_path);
        if (::ftruncate(m_fd, static_cast<off_t>(m_offset + buf.size())) != 0) fail(m_path, "truncate", errno);
        m_reserved = row.size();
    } else {
        buf.append(m_reserved - row.size(), ' ');
        write_all(m_fd, buf.data(), buf.size(), static_cast<off_t>(m_offset), m_path);
    }
    if (final) {
        if (m_defer_sync) m_sync_owed = true;
        else ::fsync(m_fd);
    }
    return true;
}

void RecordFile::defer_sync(bool on) noexcept {
    m_defer_sync = on;
    if (!on && m_sync_owed && m_fd >= 0) ::fsync(m_fd);
    if (!on) m_sync_owed = false;
}

}  // namespace eco2::detail
