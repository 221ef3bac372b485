// Time-of-day tariffs (--tariff "07:00-23:00=0.25,23:00-07:00=0.18"): an accepted tariff prices every minute.
#include <cmath>

#include "carbon/tariff.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = eco2::fuzz::text_of(data, size);
    eco2::fuzz::refused_only_as_documented([&] {
        const auto tariff = eco2::carbon::Tariff::parse(text);
        for (int m = 0; m < 1440; m += 7) ECO2_FUZZ_CHECK(std::isfinite(tariff.price_at_minute(m)));
    });
    return 0;
}
