#pragma once
// A SystemContext on a fixture or temporary tree, for the back-end tests: no variable of the real environment
// leaks in (the snapshot is the one given), NVML is not found unless a library is named.

#include <cerrno>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "../test_util.hpp"
#include "sys/system_context.hpp"

namespace eco2::test {

/// A reader that answers "permission denied" for the files `deny` names, and reads the others: root-only
/// files simulated without chmod (as root, chmod 000 does not stop a read).
class DenyingReader final : public sys::FileReader {
public:
    explicit DenyingReader(std::function<bool(const std::filesystem::path&)> deny) : m_deny(std::move(deny)) {}
    sys::ReadResult read(const std::filesystem::path& p) const noexcept override {
        if (m_deny(p)) {
            sys::ReadResult r;
            r.status = sys::ReadStatus::permission_denied;
            r.error = EACCES;
            return r;
        }
        return sys::FileReader::read(p);
    }

private:
    std::function<bool(const std::filesystem::path&)> m_deny;
};

inline sys::SystemContext context_at(const std::filesystem::path& base, sys::Environment::Map env = {},
                                     std::string nvml_library = "/nonexistent/libnvidia-ml.so.1",
                                     std::shared_ptr<const sys::FileReader> reader = nullptr) {
    return sys::SystemContext(roots(base), sys::Environment(std::move(env)), std::move(nvml_library),
                              std::move(reader));
}

}  // namespace eco2::test
