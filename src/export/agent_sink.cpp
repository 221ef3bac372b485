#include "export/agent_sink.hpp"

namespace eco2::metrics {

AgentSink::AgentSink(std::vector<std::filesystem::path> sockets, bool node)
    : MetricsSink(node), m_sender(std::move(sockets)) {}

}  // namespace eco2::metrics
