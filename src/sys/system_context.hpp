#pragma once
// What eco2 knows of the system it runs on, built once and handed down: the procfs/sysfs roots, the file
// reader, a snapshot of the environment, the NVML library to dlopen and the clock. This is the ONLY place in
// the library that reads the process environment (Environment::capture); everything else asks a snapshot.
// Tests build a SystemContext from fixture roots, a hand-written environment and their own reader.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "eco2/system_paths.hpp"
#include "sys/file_reader.hpp"
#include "sys/fs_root.hpp"
#include "sys/stop_signal.hpp"

namespace eco2::sys {

/// An immutable copy of environment variables. Cheap to copy (shared).
class Environment {
public:
    using Map = std::map<std::string, std::string, std::less<>>;

    /// No variable set.
    Environment();
    /// Exactly these variables (tests, or a child's environment).
    explicit Environment(Map vars);
    /// The process environment now (reads `environ` once). The library's only environment reader.
    static Environment capture();

    /// The value of `name`, nullopt when unset (a variable set to "" is set, and returned as "").
    std::optional<std::string> get(std::string_view name) const;
    /// The value of `name` when set and not empty; nullopt otherwise.
    std::optional<std::string> non_empty(std::string_view name) const;
    bool contains(std::string_view name) const;
    /// Every variable, sorted by name.
    const Map& all() const noexcept { return *m_vars; }

private:
    std::shared_ptr<const Map> m_vars;
};

/// Time as eco2 reads it, and the sampler's sleep: the one clock contract. The real one (this class) reads
/// std::chrono's clocks and sleeps on the StopSignal; a test's clock overrides it to move time by hand and
/// never sleep (tests/unit/core/sampler_test.cpp). Injected through the SystemContext. Thread-safe.
class Clock {
public:
    virtual ~Clock() = default;
    /// Monotonic time, for intervals and deadlines.
    virtual std::chrono::steady_clock::time_point steady_now() const noexcept;
    /// Calendar time, for timestamps and carbon-intensity look-ups.
    virtual std::chrono::system_clock::time_point wall_now() const noexcept;
    /// Sleeps until `deadline` (steady_now() time) or a request on `stop`; true when stop was requested.
    virtual bool wait_until(std::chrono::steady_clock::time_point deadline, StopSignal& stop) const noexcept;
};

/// The real clocks (stateless, process-wide).
std::shared_ptr<const Clock> real_clock();

/// The system context: fs roots, reader, environment snapshot, NVML library path, clock. Immutable, copyable
/// (the reader and clock are shared), so a sensor may keep a copy for its whole life.
class SystemContext {
public:
    /// Explicit parts; a null reader or clock means the real one.
    SystemContext(FsRoot fs, Environment env, std::string nvml_library,
                  std::shared_ptr<const FileReader> reader = nullptr, std::shared_ptr<const Clock> clock = nullptr);

    /// The running process: captures the environment now and resolves `paths` against it.
    static SystemContext from_process(const SystemPaths& paths = {});
    /// Resolves `paths` against `env`: an explicit path wins; then ECO2_PROC_ROOT / ECO2_SYS_ROOT /
    /// ECO2_NVML_LIBRARY (when set and not empty); then the live system (FsRoot::live() and
    /// "libnvidia-ml.so.1").
    static SystemContext resolve(const SystemPaths& paths, Environment env,
                                 std::shared_ptr<const FileReader> reader = nullptr,
                                 std::shared_ptr<const Clock> clock = nullptr);

    const FsRoot& fs() const noexcept { return m_fs; }
    const Environment& env() const noexcept { return m_env; }
    const FileReader& reader() const noexcept { return *m_reader; }
    /// The reader, for objects that outlive this context (sensors reading /proc at run time).
    const std::shared_ptr<const FileReader>& shared_reader() const noexcept { return m_reader; }
    /// Library to dlopen for NVIDIA GPUs (name or path).
    const std::string& nvml_library() const noexcept { return m_nvml_library; }
    const Clock& clock() const noexcept { return *m_clock; }
    const std::shared_ptr<const Clock>& shared_clock() const noexcept { return m_clock; }

private:
    FsRoot m_fs;
    Environment m_env;
    std::string m_nvml_library;
    std::shared_ptr<const FileReader> m_reader;
    std::shared_ptr<const Clock> m_clock;
};

/// The process-wide plain reader as a shared pointer (never freed).
std::shared_ptr<const FileReader> shared_default_reader();

}  // namespace eco2::sys
