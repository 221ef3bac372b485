#pragma once
// The base of the exporters' sinks (agent, --listen, --push, --otlp): it turns what the tracker hands a sink
// (the run's first row, each tick, the final row) into the run's metric set, built in one place
// (metric_set_of), and hands that to the exporter.

#include <memory>
#include <string>
#include <vector>

#include "export/metric_set.hpp"
#include "export/publisher.hpp"
#include "writers/sink.hpp"

namespace eco2::metrics {

class MetricsSink : public detail::Sink {
public:
    /// node: the sets are the node's (the agent's own tracker), without run labels.
    explicit MetricsSink(bool node = false) : m_node(node) {}
    bool optional() const noexcept override { return true; }  // an exporter never stops a run
    void start(const Result& initial) override;
    void tick(const detail::Tick& tick) noexcept override;
    void checkpoint(const Result& row) noexcept override;
    void stop(const Result& final_row) noexcept override;

protected:
    /// The run begins (a set with no energy yet). May throw eco2::Error: the sink is then dropped.
    virtual void on_start(const MetricSet& set) { (void)set; }
    /// Each tick's set.
    virtual void on_tick(const MetricSet& set) noexcept { (void)set; }
    /// Whether this tick's set is wanted (on_tick, or a checkpoint that follows): an exporter that sends
    /// now and then says no in between, so that no set is built on those ticks. The final tick's always is.
    virtual bool tick_wanted() const noexcept { return true; }
    /// At each checkpoint: the latest tick's set.
    virtual void on_checkpoint(const MetricSet& set) noexcept { (void)set; }
    /// The final set (finished = true), after the final tick.
    virtual void on_stop(const MetricSet& set) noexcept = 0;

private:
    bool m_node;
    Result m_identity;  // the run's first row: who it is
    MetricSet m_latest;
};

/// A sink that pushes its sets somewhere with a Publisher: the latest set at each checkpoint (off the
/// sampler thread), the final one at the end; what failed is the run's warnings, each once.
class PublishingSink : public MetricsSink {
public:
    std::vector<std::string> failure() const override { return m_warnings; }

protected:
    /// At start, with the run's first set: the publisher that pushes this sink's sets.
    virtual std::unique_ptr<Publisher> make_publisher(const MetricSet& first) = 0;

private:
    void on_start(const MetricSet& set) override { m_publisher = make_publisher(set); }
    void on_checkpoint(const MetricSet& set) noexcept override;
    void on_stop(const MetricSet& set) noexcept override;

    std::unique_ptr<Publisher> m_publisher;
    std::vector<std::string> m_warnings;
};

}  // namespace eco2::metrics
