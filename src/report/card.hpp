#pragma once
// `eco2 card`: a run's emissions in the forms others ask for (docs/report.md):
// - hf:   the Hugging Face model-card metadata block `co2_eq_emissions` (YAML; emissions in grams);
// - sci:  the Software Carbon Intensity of ISO/IEC 21031:2024, SCI = (E x I + M) / R, each term listed;
// - json: the run (totals, sources, epochs) and both of the above as one JSON object.
// Pure functions to a std::ostream; no I/O of their own.

#include <optional>
#include <ostream>
#include <span>
#include <string>

#include "eco2/error.hpp"
#include "report/report_model.hpp"

namespace eco2::detail {

enum class CardFormat { hf, sci, json };

struct CardOptions {
    CardFormat format = CardFormat::hf;
    std::optional<double> embodied_kg;        ///< M of the SCI, kg CO2e; not given: 0, and the card says so
    std::string training_type = "pre-training";  ///< HF's training_type ("pre-training", "fine-tuning")
    std::string tool = "eco2";                ///< the HF source line names it, e.g. "eco2 0.1.0"
    /// How the caller names its options in the card's notes (embodied_kg); empty: neutrally.
    SettingNames names = {};
};

/// What a card is about: one run, or several (an experiment's runs) taken together.
struct CardSubject {
    std::string what;  ///< "run 1b4e...", "experiment resnet (3 runs)"
    Result total;      ///< the rows summed (sum_rows)
    std::size_t runs = 0;
    std::span<const ReportRun> parts;  ///< the runs it sums, for the JSON
};

/// The SCI's terms: E kWh (facility energy), I gCO2e/kWh, M gCO2e, R functional units, and the result.
struct SciTerms {
    double e_kwh = 0, i_g_per_kwh = 0, m_g = 0, r = 1;
    bool m_given = false;
    std::string r_unit;  ///< "item" (reported work) or "run" (no work reported)
    double sci_g() const noexcept { return (e_kwh * i_g_per_kwh + m_g) / r; }
};
SciTerms sci_terms(const CardSubject& s, const CardOptions& o);

/// Writes the card. Throws eco2::Error(invalid_argument) on a negative embodied_kg.
void write_card(std::ostream& out, const CardSubject& s, const CardOptions& o);

/// "hf" / "sci" / "json"; throws eco2::Error(invalid_argument) naming the choices otherwise.
CardFormat parse_card_format(const std::string& name);

}  // namespace eco2::detail
