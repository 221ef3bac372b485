#pragma once
/// \file sensor.hpp
/// Public description of eco2's measurement back ends: what a probe found and why.

#include <string>
#include <string_view>
#include <vector>

namespace eco2 {

/// Hardware component an energy figure belongs to.
enum class Component { cpu, gpu, ram };

/// What is measured: the tracked process tree's share, or the whole machine.
enum class Scope { process, machine };

/// Result of probing one back end. Absence is data, not an error.
enum class ProbeStatus { available, absent, permission_denied, unsupported, failed };

std::string_view to_string(Component c) noexcept;
std::string_view to_string(Scope s) noexcept;
std::string_view to_string(ProbeStatus s) noexcept;
/// Parses "process" / "machine"; throws eco2::Error(invalid_argument) otherwise.
Scope parse_scope(std::string_view text);

/// What one back end reported when it was probed.
struct ProbeReport {
    std::string backend;                ///< "rapl", "cpu-model", "ram-model", "nvml", "procfs", "cgroup"
    ProbeStatus status = ProbeStatus::absent;
    std::string reason;                 ///< why it has this status, in words
    std::string fix;  ///< what the user can do about it; empty when nothing is needed. It may mention
                      ///< settings (eco2::mention in error.hpp): show it with eco2::spelled(fix, your names)
    std::vector<std::string> channels;  ///< channel ids it provides, e.g. "rapl.package.0"
    bool used = false;                  ///< whether the tracker measures with it (best source first)
};

}  // namespace eco2
