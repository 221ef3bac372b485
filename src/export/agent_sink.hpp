#pragma once
// Every tracker's link to its node's eco2 agent: the run's metric set sent over the agent socket every
// 10 s at most and at the end (agent_channel.hpp). Without an agent it does nothing, and it never blocks.

#include <filesystem>
#include <vector>

#include "export/agent_channel.hpp"
#include "export/metrics_sink.hpp"

namespace eco2::metrics {

class AgentSink final : public MetricsSink {
public:
    /// sockets: where to look for the agent, best first. node: the agent's own tracker (the node's set).
    AgentSink(std::vector<std::filesystem::path> sockets, bool node);
    std::string_view name() const noexcept override { return "agent registration"; }

private:
    void on_tick(const MetricSet& set) noexcept override { m_sender.send(set); }
    // Sends every 10 s at most; checkpoints send nothing: the sets of the ticks in between are not built.
    bool tick_wanted() const noexcept override { return m_sender.due(); }
    void on_stop(const MetricSet& set) noexcept override { m_sender.send(set); }
    AgentSender m_sender;
};

}  // namespace eco2::metrics
