#pragma once
// File descriptor helpers of the records file: whole writes and reads, locks, temporary files beside a
// target. Each throws eco2::Error(io_error) with the path, the system's reason and the fix (fail_io()).

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace eco2::detail {

/// Throws eco2::Error(io_error) for the records file: "cannot <what> <path>: <strerror(err)>" plus the fix
/// for the usual errors (which mentions the setting "output").
[[noreturn]] void fail_io(const std::filesystem::path& path, const std::string& what, int err);
/// pwrite() of all of `data` at `offset`, EINTR retried.
void write_all(int fd, const char* data, std::size_t size, off_t offset, const std::filesystem::path& path);
void write_all(int fd, std::string_view data, std::uint64_t offset, const std::filesystem::path& path);
std::uint64_t file_size(int fd, const std::filesystem::path& path);
/// The whole file (what is there when it shrinks meanwhile).
std::string read_all(int fd, const std::filesystem::path& path);
/// flock(LOCK_EX), EINTR retried.
void lock_fd(int fd, const std::filesystem::path& path);
/// A temporary file beside `target`, locked, with the target's mode (0644 for a new file) and, when we may,
/// its owner (those of like_fd). Returns -1 (errno set) when the directory does not let us create it.
int make_temp_beside(const std::filesystem::path& target, int like_fd, std::string& name);

}  // namespace eco2::detail
