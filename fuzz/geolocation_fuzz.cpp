// Answers of an IP geolocation service (src/carbon/geolocate): data from the network, read as JSON only.
#include "carbon/geolocate.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = eco2::fuzz::text_of(data, size);
    eco2::fuzz::refused_only_as_documented([&] {
        const auto a = eco2::carbon::parse_geolocation(text, "https://fuzz.invalid/json");
        ECO2_FUZZ_CHECK(a.country.size() == 2);
    });
    return 0;
}
