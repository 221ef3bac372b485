// Control-channel lines (src/core/control): anything a command writes to $ECO2_CONTROL. Refused only with
// eco2::Error(invalid_argument); an accepted text-form epoch line reads back the same after format_mark_line().
#include <cmath>
#include <variant>

#include "control/control.hpp"
#include "fuzz_target.hpp"
#include "sys/text.hpp"

namespace {

bool same(const decltype(eco2::Param::value)& a, const decltype(eco2::Param::value)& b) {
    const double* x = std::get_if<double>(&a);
    const double* y = std::get_if<double>(&b);
    if (x && y && std::isnan(*x) && std::isnan(*y)) return true;
    return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line = eco2::fuzz::text_of(data, size);
    eco2::fuzz::refused_only_as_documented([&] {
        const eco2::detail::Mark mark = eco2::detail::parse_mark(line);
        if (const auto* epoch = std::get_if<eco2::detail::EpochMark>(&mark)) {
            for (const auto& p : epoch->params) {
                ECO2_FUZZ_CHECK(eco2::sys::valid_utf8(p.key));
                if (const auto* t = std::get_if<std::string>(&p.value)) {
                    ECO2_FUZZ_CHECK(eco2::sys::valid_utf8(*t));
                    ECO2_FUZZ_CHECK(t->find('\0') == std::string::npos && t->find('\n') == std::string::npos);
                }
            }
            std::string_view trimmed = line;
            while (!trimmed.empty() && trimmed.front() == ' ') trimmed.remove_prefix(1);
            if (!trimmed.empty() && trimmed.front() != '{') {
                const auto back = eco2::detail::parse_mark(eco2::detail::format_mark_line("epoch", epoch->params));
                const auto& again = std::get<eco2::detail::EpochMark>(back).params;
                ECO2_FUZZ_CHECK(again.size() == epoch->params.size());
                for (std::size_t i = 0; i < again.size(); ++i) {
                    ECO2_FUZZ_CHECK(again[i].key == epoch->params[i].key);
                    ECO2_FUZZ_CHECK(same(again[i].value, epoch->params[i].value));
                }
            }
        } else {
            const auto& w = std::get<eco2::detail::WorkMark>(mark).work;
            ECO2_FUZZ_CHECK(!w.items || (std::isfinite(*w.items) && *w.items >= 0));
            ECO2_FUZZ_CHECK(!w.flops || (std::isfinite(*w.flops) && *w.flops >= 0));
            ECO2_FUZZ_CHECK(!w.error_rate || (*w.error_rate >= 0 && *w.error_rate <= 1));
        }
    });
    return 0;
}
