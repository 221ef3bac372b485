#pragma once
// Pushes a run's metric set somewhere (a Pushgateway, an OTLP collector) off the caller's thread: the
// sampler hands over the latest set at each checkpoint and never waits for the network; the final set is
// pushed at the end under the push's own deadline. Failures become warnings, never errors.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "export/metric_set.hpp"

namespace eco2::metrics {

class Publisher {
public:
    /// One push: nothing when it worked, else why not (one line). Must bound its own time.
    using Push = std::function<std::optional<std::string>(const MetricSet&)>;
    /// after_last (may be empty): run once after the final push (the Pushgateway's --push-delete).
    explicit Publisher(Push push, std::function<std::optional<std::string>()> after_last = {});
    ~Publisher();  ///< finishes without a final set when finish() was not called
    Publisher(const Publisher&) = delete;
    Publisher& operator=(const Publisher&) = delete;

    /// Hands over the latest set; a set still waiting is replaced (only the newest matters). Never blocks
    /// on the network.
    void offer(MetricSet set) noexcept;
    /// Waits for a push in flight, pushes the final set, then after_last. Returns the warnings met during
    /// the whole run, each distinct one once. Call once.
    std::vector<std::string> finish(const MetricSet& final_set) noexcept;

private:
    void loop();
    void note(std::optional<std::string> warning);

    Push m_push;
    std::function<std::optional<std::string>()> m_after_last;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::optional<MetricSet> m_pending;
    bool m_stop = false;
    std::vector<std::string> m_warnings;
    std::thread m_thread;  // last: started once the members it uses exist
};

}  // namespace eco2::metrics
