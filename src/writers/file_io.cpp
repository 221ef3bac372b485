#include "writers/file_io.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "eco2/error.hpp"

namespace eco2::detail {

[[noreturn]] void fail_io(const std::filesystem::path& path, const std::string& what, int err) {
    std::string msg = "cannot " + what + " " + path.string() + ": " + std::strerror(err);
    const std::string output = mention("output");
    if (err == EACCES || err == EROFS || err == EPERM)
        msg += " (choose a writable location with " + output + ")";
    else if (err == ENOENT)
        msg += " (create the directory first, or choose another " + output + ")";
    else if (err == EISDIR)
        msg += " (it is a directory: give a file name with " + output + ")";
    else if (err == ENOSPC || err == EDQUOT)
        msg += " (the file was left as it was; free some space: the row is written again at the next checkpoint)";
    else if (err == ELOOP)
        msg += " (a symbolic link eco2 does not follow: give the real path with " + output + ")";
    throw Error(Errc::io_error, msg);
}

void write_all(int fd, const char* data, std::size_t size, off_t offset, const std::filesystem::path& path) {
    while (size > 0) {
        ssize_t n = ::pwrite(fd, data, size, offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail_io(path, "write to", errno);
        }
        data += n;
        size -= static_cast<std::size_t>(n);
        offset += n;
    }
}

void write_all(int fd, std::string_view data, std::uint64_t offset, const std::filesystem::path& path) {
    write_all(fd, data.data(), data.size(), static_cast<off_t>(offset), path);
}

std::uint64_t file_size(int fd, const std::filesystem::path& path) {
    struct stat st{};
    if (::fstat(fd, &st) != 0) fail_io(path, "stat", errno);
    return static_cast<std::uint64_t>(st.st_size);
}

std::string read_all(int fd, const std::filesystem::path& path) {
    std::string out(file_size(fd, path), '\0');
    std::size_t got = 0;
    while (got < out.size()) {
        ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail_io(path, "read", errno);
        if (n == 0) break;  // shrank meanwhile (not under our lock: another program)
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
}

void lock_fd(int fd, const std::filesystem::path& path) {
    while (::flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) fail_io(path, "lock", errno);
    }
}

// A temporary file beside `target`, locked, with the target's mode (0644 for a new file) and, when we may,
// its owner. Returns -1 (errno set) when the directory does not let us create it.
int make_temp_beside(const std::filesystem::path& target, int like_fd, std::string& name) {
    const std::filesystem::path dir = target.parent_path().empty() ? "." : target.parent_path();
    std::string base = ".";  // built piece by piece: GCC 12 warns falsely (-Wrestrict) on "." + string
    base += target.filename().string();
    base += ".eco2-XXXXXX";
    name = (dir / base).string();
    int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) return -1;
    lock_fd(fd, name);
    struct stat st{};
    if (like_fd >= 0 && ::fstat(like_fd, &st) == 0) {
        ::fchmod(fd, st.st_mode & 07777);
        // Root rewriting a user's file keeps it the user's; anyone else cannot change the owner, and the file
        // then becomes theirs, as any editor saving it would make it.
        if (::fchown(fd, st.st_uid, st.st_gid) != 0) errno = 0;
    } else {
        ::fchmod(fd, 0644);
    }
    return fd;
}

}  // namespace eco2::detail
