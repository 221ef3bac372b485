// Golden tests of `eco2 card`'s formats: the card of a fixed run is compared with tests/report/golden/*.expected
// (ECO2_UPDATE_GOLDEN=1 rewrites them after a deliberate change; review the diff).

#include "report/card.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "eco2/error.hpp"
#include "report_fixture.hpp"

namespace eco2::detail {
namespace {

std::string golden(const std::string& name, const std::string& actual) {
    const std::string path = std::string(ECO2_REPORT_GOLDEN_DIR) + "/" + name;
    if (std::getenv("ECO2_UPDATE_GOLDEN")) std::ofstream(path) << actual;
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct Card {
    std::vector<ReportRun> runs = group_runs(test::two_trainings(), "runs.csv");
    CardSubject subject() const {
        return {"run " + runs[1].id, runs[1].total, 1, std::span(runs).subspan(1, 1)};
    }
    // The goldens are the CLI's cards: settings named as its flags (embodied_kg -> --embodied-kg).
    static std::string flag(std::string_view setting, std::string_view value) {
        std::string f = "--" + std::string(setting);
        std::replace(f.begin(), f.end(), '_', '-');
        return value.empty() ? f : f + " " + std::string(value);
    }
    std::string text(CardOptions o) const {
        o.tool = "eco2 test";
        if (!o.names) o.names = flag;
        std::ostringstream out;
        write_card(out, subject(), o);
        return out.str();
    }
};

}  // namespace

TEST(Card, HuggingFaceBlock) {
    const std::string hf = Card().text({CardFormat::hf, {}, "fine-tuning", ""});
    EXPECT_EQ(hf, golden("card_hf.expected", hf));
    // 4 epochs x 173 Wh x 2.5 x 56 g/kWh = 96.88 g.
    EXPECT_NE(hf.find("  emissions: 96.880000\n"), std::string::npos) << hf;
}

TEST(Card, SciListsEachTermAndMIsStatedWhenNotGiven) {
    const std::string sci = Card().text({CardFormat::sci, {}, "pre-training", ""});
    EXPECT_EQ(sci, golden("card_sci.expected", sci));
    EXPECT_NE(sci.find("not given, taken as 0"), std::string::npos);
    const std::string with_m = Card().text({CardFormat::sci, 0.5, "pre-training", ""});
    EXPECT_EQ(with_m, golden("card_sci_embodied.expected", with_m));
}

TEST(Card, TheEmbodiedTermNamesItsSettingAsTheCallerDoes) {
    CardOptions o{CardFormat::sci, {}, "pre-training", ""};
    o.names = [](std::string_view, std::string_view) { return std::string(); };  // neutral
    EXPECT_NE(Card().text(o).find("(not given, taken as 0: state the hardware's share with embodied_kg)\n"),
              std::string::npos);
    o.embodied_kg = 0.5;
    EXPECT_NE(Card().text(o).find("  M  embodied emissions   500.000 gCO2e  (embodied_kg)\n"),
              std::string::npos);
    o.embodied_kg = -1;
    try {
        Card().text(o);
        FAIL() << "a negative embodied_kg was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.settings(), std::vector<std::string>{"embodied_kg"});
        EXPECT_EQ(std::string(e.what()).rfind("embodied_kg -1 is negative: ", 0), 0u) << e.what();
        EXPECT_EQ(e.what(Card::flag).rfind("--embodied-kg -1 is negative: ", 0), 0u);
    }
    try {
        parse_card_format("yaml");
        FAIL() << "format yaml was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.settings(), std::vector<std::string>{"format"});
        EXPECT_EQ(e.what(Card::flag), "--format yaml: unknown card format; choose hf, sci or json");
    }
}

TEST(Card, SciTermsAreTheFormula) {
    Card c;
    const SciTerms k = sci_terms(c.subject(), {CardFormat::sci, 0.5, "", ""});
    EXPECT_NEAR(k.e_kwh, 4 * 0.173 * 2.5, 1e-12);
    EXPECT_NEAR(k.i_g_per_kwh, 56.0, 1e-9);
    EXPECT_EQ(k.m_g, 500.0);
    EXPECT_EQ(k.r, 200000.0);  // 4 epochs x 50,000 items
    EXPECT_NEAR(k.sci_g(), (1.73 * 56.0 + 500.0) / 200000.0, 1e-12);
}

TEST(Card, JsonHoldsTheRunItsRowsAndBothCards) {
    const std::string js = Card().text({CardFormat::json, {}, "pre-training", ""});
    EXPECT_EQ(js, golden("card_json.expected", js));
    const auto j = nlohmann::json::parse(js);
    EXPECT_EQ(j["rows"].size(), 4u);
    EXPECT_NEAR(j["hf"]["emissions"].get<double>(), 96.88, 1e-9);
    EXPECT_EQ(j["sci"]["R_unit"], "item");
    EXPECT_EQ(j["rows"][3]["epoch_params"]["epoch"], 4);
}

TEST(Card, SmallEmissionsKeepTheirDigits) {
    Card c;
    CardSubject s = c.subject();
    s.total.co2_kg = 5.40123e-7;  // 0.540 mg
    std::ostringstream out;
    write_card(out, s, {CardFormat::hf, {}, "pre-training", "eco2 test"});
    EXPECT_NE(out.str().find("  emissions: 0.000540123\n"), std::string::npos) << out.str();
}

TEST(Card, BadInputIsNamedWithTheFix) {
    EXPECT_THROW(parse_card_format("yaml"), Error);
    EXPECT_EQ(parse_card_format("sci"), CardFormat::sci);
    EXPECT_THROW(Card().text({CardFormat::sci, -1.0, "", ""}), Error);
}

}  // namespace eco2::detail
