#pragma once
// What the tracker checks and writes once per run: the configuration's validation, the run's identity
// (id, host, OS, carbon provenance) in its first Result, and the job it is a rank of.

#include <memory>
#include <string>

#include "core/job.hpp"
#include "eco2/record.hpp"
#include "eco2/tracker_config.hpp"

namespace eco2::detail {

/// Throws eco2::Error(invalid_argument) naming the bad value and its allowed range.
void validate(const TrackerConfig& c);

/// The run's first Result: a new UUID v4, names, start time (now), PUE, scope, OS, host, region and
/// intensity from `intensity`, currency; figures zero, status running. Sources come from the measurement.
Result first_result(const TrackerConfig& c, const IntensityProvider& intensity);

/// The run's job: the configuration's when it names one (any of job_id, source, ranks, sizes) or when
/// detect_job is off, with its job_runtime_dir; else job_setup(env, the user's uid): detected from the
/// environment snapshot `env` (torchrun, SLURM, MPI), with the runtime directory and the warnings.
JobSetup tracker_job(const TrackerConfig& c, const Environment& env);

/// The record's warning when no intensity was set and the world average was used.
std::string world_average_warning();

}  // namespace eco2::detail
