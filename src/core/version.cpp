#include "eco2/version.hpp"

namespace eco2 {

std::string_view version() noexcept { return ECO2_VERSION; }

}  // namespace eco2
