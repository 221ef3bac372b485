#include "sys/file_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace eco2::sys {

ReadResult FileReader::read(const std::filesystem::path& path) const noexcept {
    ReadResult r;
    // O_NONBLOCK: opening a FIFO (a fake tree under ECO2_PROC_ROOT / ECO2_SYS_ROOT) must not wait for a writer.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        r.error = errno;
        r.status = (errno == ENOENT || errno == ENOTDIR) ? ReadStatus::not_found
                   : (errno == EACCES || errno == EPERM) ? ReadStatus::permission_denied
                                                         : ReadStatus::failed;
        return r;
    }
    // /proc and /sys files are regular files: a FIFO, a device (/dev/zero) or a directory is refused.
    struct stat st{};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        r.error = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        ::close(fd);
        return r;
    }
    try {
        char buf[4096];
        for (;;) {
            if (r.text.size() >= MAX_FILE_SIZE) {  // a huge file in a fake tree: refuse, do not read on
                r.text.clear();
                r.error = EFBIG;
                ::close(fd);
                return r;
            }
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n < 0) {
                if (errno == EINTR) continue;
                r.error = errno;
                r.status = (errno == EACCES || errno == EPERM) ? ReadStatus::permission_denied : ReadStatus::failed;
                ::close(fd);
                return r;
            }
            if (n == 0) break;
            r.text.append(buf, static_cast<std::size_t>(n));
        }
    } catch (...) {  // std::bad_alloc: report as a failed read, the sampling path must not throw
        r.text.clear();
        r.error = ENOMEM;
        ::close(fd);
        return r;
    }
    ::close(fd);
    r.status = ReadStatus::ok;
    return r;
}

const FileReader& default_reader() noexcept {
    static const FileReader reader;
    return reader;
}

std::optional<unsigned long long> parse_u64(std::string_view text) noexcept {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    unsigned long long v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
}

std::optional<unsigned long long> read_u64(const FileReader& reader, const std::filesystem::path& path) noexcept {
    auto r = reader.read(path);
    if (!r.ok()) return std::nullopt;
    return parse_u64(r.text);
}

std::optional<std::string> read_line(const FileReader& reader, const std::filesystem::path& path) noexcept {
    auto r = reader.read(path);
    if (!r.ok()) return std::nullopt;
    std::string& s = r.text;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

}  // namespace eco2::sys
