// Intensity time series (--intensity-series FILE: Electricity Maps exports and the like) and timestamps.
#include "carbon/intensity_series.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = eco2::fuzz::text_of(data, size);
    eco2::fuzz::refused_only_as_documented([&] { (void)eco2::carbon::parse_timestamp(text.substr(0, 64)); });
    eco2::fuzz::refused_only_as_documented(
        [&] { (void)eco2::carbon::IntensitySeries::parse(text, "fuzz.csv", "FZ"); });
    return 0;
}
