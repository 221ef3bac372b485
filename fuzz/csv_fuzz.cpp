// CSV (src/carbon/csv) and the user intensity table built on it (--intensity-table FILE).
#include <cmath>

#include "carbon/csv.hpp"
#include "eco2/zones.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = eco2::fuzz::text_of(data, size);
    eco2::fuzz::refused_only_as_documented([&] {
        const eco2::carbon::CsvTable table(text, "fuzz.csv");
        std::size_t last_line = 0;
        for (std::size_t i = 0; i < table.size(); ++i) {
            ECO2_FUZZ_CHECK(table.line(i) > last_line);
            last_line = table.line(i);
            for (std::string_view f : table.fields(i)) ECO2_FUZZ_CHECK(f.size() <= text.size());
        }
    });
    eco2::fuzz::refused_only_as_documented([&] { (void)eco2::carbon::parse_csv(text, "fuzz.csv"); });
    eco2::fuzz::refused_only_as_documented([&] {
        for (const auto& row : eco2::parse_user_intensity_table(text, "fuzz.csv"))
            ECO2_FUZZ_CHECK(std::isfinite(row.g_per_kwh) && row.g_per_kwh >= 0);
    });
    return 0;
}
