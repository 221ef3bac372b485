#include "sys/system_context.hpp"

#include <utility>

extern char** environ;  // NOLINT: POSIX, declared by no header in C++

namespace eco2::sys {
namespace {

std::filesystem::path pick(const std::filesystem::path& explicit_path, const Environment& env,
                           std::string_view variable, const std::filesystem::path& live) {
    if (!explicit_path.empty()) return explicit_path;
    if (std::optional<std::string> v = env.non_empty(variable)) return *v;
    return live;
}

}  // namespace

Environment::Environment() : m_vars(std::make_shared<const Map>()) {}

Environment::Environment(Map vars) : m_vars(std::make_shared<const Map>(std::move(vars))) {}

Environment Environment::capture() {
    Map vars;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        const std::size_t eq = entry.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;  // not NAME=value: not a variable getenv finds
        // The first occurrence wins, as with getenv.
        vars.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
    return Environment(std::move(vars));
}

std::optional<std::string> Environment::get(std::string_view name) const {
    const auto it = m_vars->find(name);
    if (it == m_vars->end()) return std::nullopt;
    return it->second;
}

std::optional<std::string> Environment::non_empty(std::string_view name) const {
    std::optional<std::string> v = get(name);
    if (v && v->empty()) return std::nullopt;
    return v;
}

bool Environment::contains(std::string_view name) const { return m_vars->find(name) != m_vars->end(); }

std::chrono::steady_clock::time_point Clock::steady_now() const noexcept { return std::chrono::steady_clock::now(); }

std::chrono::system_clock::time_point Clock::wall_now() const noexcept { return std::chrono::system_clock::now(); }

bool Clock::wait_until(std::chrono::steady_clock::time_point deadline, StopSignal& stop) const noexcept {
    return stop.wait_until(deadline);
}

std::shared_ptr<const Clock> real_clock() {
    static const std::shared_ptr<const Clock> clock = std::make_shared<const Clock>();
    return clock;
}

std::shared_ptr<const FileReader> shared_default_reader() {
    // Aliasing constructor: shares no ownership, points at the process-wide reader.
    return std::shared_ptr<const FileReader>(std::shared_ptr<const FileReader>(), &default_reader());
}

SystemContext::SystemContext(FsRoot fs, Environment env, std::string nvml_library,
                             std::shared_ptr<const FileReader> reader, std::shared_ptr<const Clock> clock)
    : m_fs(std::move(fs)),
      m_env(std::move(env)),
      m_nvml_library(std::move(nvml_library)),
      m_reader(reader ? std::move(reader) : shared_default_reader()),
      m_clock(clock ? std::move(clock) : real_clock()) {}

SystemContext SystemContext::from_process(const SystemPaths& paths) {
    return resolve(paths, Environment::capture());
}

SystemContext SystemContext::resolve(const SystemPaths& paths, Environment env,
                                     std::shared_ptr<const FileReader> reader, std::shared_ptr<const Clock> clock) {
    const FsRoot live = FsRoot::live();  // fs_root is the one place naming the live roots
    FsRoot fs{pick(paths.proc_root, env, "ECO2_PROC_ROOT", live.proc),
              pick(paths.sys_root, env, "ECO2_SYS_ROOT", live.sys)};
    std::string nvml = pick(paths.nvml_library, env, "ECO2_NVML_LIBRARY", "libnvidia-ml.so.1").string();
    return SystemContext(std::move(fs), std::move(env), std::move(nvml), std::move(reader), std::move(clock));
}

}  // namespace eco2::sys
