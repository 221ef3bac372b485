#pragma once
// What process_tree.cpp and process_tree_sources.cpp share: reading the head of a /proc or cgroup file.

#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace eco2::detail {

inline constexpr std::size_t STAT_BUFFER = 2048;

// Reads up to size-1 bytes from the start of a file kept open by the caller; NUL-terminates them.
inline ssize_t read_head(int fd, char* buf, std::size_t size) noexcept {
    ssize_t n;
    do {
        n = ::pread(fd, buf, size - 1, 0);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) buf[n] = '\0';
    return n;
}

}  // namespace eco2::detail
