#pragma once
// The control channel of `eco2 run`: a FIFO named by ECO2_CONTROL in the command's environment, through
// which the command (any language, or `eco2 mark`) marks epochs and reports work, one line per mark:
//
//   epoch loss=0.31 accuracy=0.92        close an epoch with these parameters
//   work items=512 error_rate=0.08 flops=1.2e12
//   {"mark": "epoch", "params": {"loss": 0.31}}     the same as JSON
//   {"mark": "work", "items": 512}
//
// A line is at most CONTROL_LINE_MAX bytes and is written with one write(), so lines from several writers
// never interleave (POSIX: pipe writes up to PIPE_BUF are atomic).

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "eco2/record.hpp"

namespace eco2::detail {

inline constexpr std::size_t CONTROL_LINE_MAX = 4096;
inline constexpr const char* CONTROL_ENV = "ECO2_CONTROL";

struct EpochMark {
    EpochParams params;
};
struct WorkMark {
    Work work;
};
using Mark = std::variant<EpochMark, WorkMark>;

/// Parses one line. Values that parse fully as numbers become numbers, others text. Throws
/// eco2::Error(invalid_argument) naming the problem.
Mark parse_mark(std::string_view line);

/// Formats a mark as the line `eco2 mark` writes (newline included).
std::string format_mark_line(std::string_view kind, const EpochParams& params);

/// The reading end: creates a private directory with the FIFO and keeps it open (non-blocking), so writers
/// never block on open and lines wait in the pipe until read. Removes both on destruction.
class ControlFifo {
public:
    /// Throws eco2::Error(io_error).
    ControlFifo();
    ~ControlFifo();
    ControlFifo(const ControlFifo&) = delete;
    ControlFifo& operator=(const ControlFifo&) = delete;

    const std::filesystem::path& path() const noexcept { return m_path; }
    int fd() const noexcept { return m_read_fd; }
    /// Reads what is available and calls on_line for each complete line (without the newline). With
    /// `last` (the writers are gone), a final line without its newline counts too. Returns false when
    /// nothing could be read.
    bool drain(const std::function<void(std::string_view)>& on_line, bool last = false);

private:
    void cleanup() noexcept;
    std::filesystem::path m_dir, m_path;
    int m_read_fd = -1, m_keep_fd = -1;
    std::string m_pending;
};

/// Writes one line to the FIFO at `path` without blocking. Throws eco2::Error(io_error) with the fix when no
/// `eco2 run` is reading it.
void write_control_line(const std::filesystem::path& path, std::string_view line);

}  // namespace eco2::detail
