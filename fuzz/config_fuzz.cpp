// The TOML config file (src/config): a user's ~/.config/eco2/config.toml, with the map tables eco2 uses.
#include "config/config_file.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = eco2::fuzz::text_of(data, size);
    eco2::fuzz::refused_only_as_documented([&] {
        const auto file = eco2::config::parse_config(text, "fuzz.toml", {"pricing.tariff"});
        for (const auto& e : file.entries) (void)file.where(e);
    });
    return 0;
}
