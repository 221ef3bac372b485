// The runs' channel to the node agent (unix datagrams), the Pushgateway grouping, and the HTTP module's
// server and client on loopback.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "../test_util.hpp"
#include "eco2/error.hpp"
#include "export/agent_channel.hpp"
#include "export/agent_sink.hpp"
#include "export/prometheus_text.hpp"
#include "export/publisher.hpp"
#include "export/pushgateway.hpp"
#include "http/http_client.hpp"

namespace eco2::metrics {
namespace {

using namespace std::chrono_literals;

MetricSet a_run(const std::string& id, bool finished = false) {
    MetricSet s;
    s.host = "n";
    s.run = RunLabels{id, "p", "e", "", "", "n"};
    s.devices = {{"cpu", "rapl.package.0", 10.0, 1.0}};
    s.finished = finished;
    return s;
}

TEST(AgentChannel, SocketCandidatesFollowTheEnvironment) {
    EXPECT_EQ(agent_socket_candidates({{"ECO2_AGENT_SOCKET", "/x/a.sock"}}, 1000),
              std::vector<std::filesystem::path>{"/x/a.sock"});
    EXPECT_EQ(agent_socket_candidates({{"ECO2_RUNTIME_DIR", "/r"}}, 1000),
              std::vector<std::filesystem::path>{"/r/agent.sock"});
    const auto c = agent_socket_candidates({{"XDG_RUNTIME_DIR", "/run/user/1000"}}, 1000);
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0], "/run/eco2/agent.sock");
    EXPECT_EQ(c[1], "/run/user/1000/eco2/agent.sock");
    EXPECT_EQ(c[2], "/tmp/eco2-1000/agent.sock");
    EXPECT_EQ(agent_socket_to_bind({{"XDG_RUNTIME_DIR", "/run/user/1000"}}, 1000), "/run/user/1000/eco2/agent.sock");
    EXPECT_EQ(agent_socket_to_bind({}, 0), "/run/eco2/agent.sock");
    EXPECT_EQ(agent_socket_to_bind({}, 1000), "/tmp/eco2-1000/agent.sock");
}

TEST(AgentChannel, ARunsSetReachesTheAgentAndNothingFailsWithoutOne) {
    test::TempDir dir;
    const auto path = dir / "sub/agent.sock";
    {
        AgentSender nobody({path});
        EXPECT_FALSE(nobody.send(a_run("r0", true)));  // no agent: no error, no wait
    }
    AgentSocket socket(path);
    AgentSender sender({dir / "absent.sock", path}, 1h);
    EXPECT_TRUE(sender.send(a_run("r1")));
    EXPECT_FALSE(sender.send(a_run("r1")));  // not due yet
    EXPECT_TRUE(sender.send(a_run("r1", true)));  // the final set always goes
    // Garbage is counted, not taken.
    const int raw = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    ASSERT_EQ(::sendto(raw, "{oops", 5, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 5);
    ::close(raw);
    const auto sets = socket.receive();
    ASSERT_EQ(sets.size(), 2u);
    EXPECT_EQ(sets[0].run->run_id, "r1");
    EXPECT_FALSE(sets[0].finished);
    EXPECT_TRUE(sets[1].finished);
    EXPECT_EQ(socket.rejected(), 1u);
    EXPECT_TRUE(socket.receive().empty());
}

TEST(AgentChannel, ALiveAgentIsNotReplacedAndAStaleSocketIs) {
    test::TempDir dir;
    const auto path = dir / "agent.sock";
    {
        AgentSocket first(path);
        EXPECT_THROW(AgentSocket second(path), Error);
    }
    // A dead agent's socket file (bound, then the process gone) is taken over.
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
    ASSERT_TRUE(std::filesystem::exists(path));
    AgentSocket again(path);
    AgentSender sender({path});
    EXPECT_TRUE(sender.send(a_run("r2", true)));
    EXPECT_EQ(again.receive().size(), 1u);
}

TEST(AgentChannel, TheNodesSetIsTakenFromThisProcessOnly) {
    test::TempDir dir;
    AgentSocket socket(dir / "agent.sock");
    MetricSet node = a_run("x");
    node.run.reset();
    const pid_t child = ::fork();
    if (child == 0) {
        AgentSender other({dir / "agent.sock"});
        ::_exit(other.send(node) ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_EQ(WEXITSTATUS(status), 0);  // sent, but
    EXPECT_TRUE(socket.receive().empty());  // not taken: another process may not speak for the node
    EXPECT_EQ(socket.rejected(), 1u);
    AgentSender self({dir / "agent.sock"});
    EXPECT_TRUE(self.send(node));
    ASSERT_EQ(socket.receive().size(), 1u);
}

TEST(AgentSink, SendsTheRunsSetFromItsTicksAndTheFinalOne) {
    test::TempDir dir;
    AgentSocket socket(dir / "agent.sock");
    AgentSink sink({dir / "agent.sock"}, false);
    Result initial;
    initial.id = "run-9";
    initial.project_name = "p";
    initial.host = "h";
    initial.start_time = std::chrono::system_clock::now();
    sink.start(initial);
    detail::Tick t;
    t.index = 1;
    t.interval_s = 1;
    t.wall = initial.start_time + 1s;
    t.channels = {{"rapl.package.0", Component::cpu, 12.5, 12.5}};
    t.co2_kg = 1e-6;
    sink.tick(t);
    t.channels[0].joules = 15;  // within the second: not sent, and no set built for it
    sink.tick(t);
    t.channels[0].joules = 20;  // the tracker's last tick (stop() takes it, final): always built
    t.final = true;
    sink.tick(t);
    sink.stop(initial);
    const auto sets = socket.receive();
    ASSERT_EQ(sets.size(), 2u);
    EXPECT_EQ(sets[0].run->run_id, "run-9");
    EXPECT_EQ(sets[0].devices.at(0).joules, 12.5);
    EXPECT_FALSE(sets[0].finished);
    EXPECT_TRUE(sets[1].finished);
    EXPECT_EQ(sets[1].devices.at(0).joules, 20.0);  // the final set carries the last tick
    EXPECT_DOUBLE_EQ(sets[1].emissions_g, 1e-3);
}

TEST(AgentRegistry, KeepsTheLatestSetPerRunAndDropsExpiredOnes) {
    AgentRegistry reg(10s, 3s);
    const auto t0 = std::chrono::steady_clock::now();
    reg.update(a_run("a"), t0);
    MetricSet later = a_run("a");
    later.devices[0].joules = 20.0;
    reg.update(later, t0 + 1s);
    reg.update(a_run("b", true), t0 + 1s);
    auto now = reg.current(t0 + 2s);
    ASSERT_EQ(now.size(), 2u);
    EXPECT_EQ(now[0].devices[0].joules, 20.0);
    now = reg.current(t0 + 5s);  // a went silent (killed?), b finished and is kept
    ASSERT_EQ(now.size(), 1u);
    EXPECT_EQ(now[0].run->run_id, "b");
    EXPECT_TRUE(reg.current(t0 + 12s).empty());
}

TEST(Pushgateway, GroupingPathsEncodeWhatAPathCannotHold) {
    EXPECT_EQ(base64url(""), "");
    EXPECT_EQ(base64url("f"), "Zg==");
    EXPECT_EQ(base64url("fo"), "Zm8=");
    EXPECT_EQ(base64url("foo"), "Zm9v");
    EXPECT_EQ(base64url("\xfb\xff"), "-_8=");
    EXPECT_EQ(grouping_path({{"job", "eco2"}, {"instance", "node-1.example"}}),
              "/metrics/job/eco2/instance/node-1.example");
    EXPECT_EQ(grouping_path({{"job", "a/b"}, {"instance", ""}}), "/metrics/job@base64/YS9i/instance@base64/=");
    MetricSet s = a_run("r");
    EXPECT_EQ(grouping_of(s), (Grouping{{"job", "eco2"}, {"instance", "n"}}));
    s.run->job = "123";
    s.run->rank = "2";
    EXPECT_EQ(grouping_of(s), (Grouping{{"job", "123"}, {"instance", "n"}, {"rank", "2"}}));
    EXPECT_EQ(otlp_metrics_url("http://h:4318"), "http://h:4318/v1/metrics");
    EXPECT_EQ(otlp_metrics_url("http://h:4318/v1/metrics"), "http://h:4318/v1/metrics");
}

TEST(Http, UrlsAndListenAddressesAreCheckedWithTheFixInTheMessage) {
    EXPECT_EQ(http::split_url("http://127.0.0.1:9091").origin, "http://127.0.0.1:9091");
    EXPECT_EQ(http::split_url("http://127.0.0.1:9091").path, "/");
    EXPECT_EQ(http::split_url("https://h/x/y?z").path, "/x/y?z");
    EXPECT_THROW(http::split_url("127.0.0.1:9091"), Error);
    EXPECT_THROW(http::split_url("ftp://h/"), Error);
    EXPECT_EQ(http::parse_listen_address("127.0.0.1:9464").host, "127.0.0.1");
    EXPECT_EQ(http::parse_listen_address("[::1]:0").host, "::1");
    EXPECT_EQ(http::parse_listen_address("localhost:80").port, 80);
    for (const char* bad : {"9464", ":9464", "h:", "h:x", "h:70000", "::1:9464"}) {
        try {
            http::parse_listen_address(bad);
            ADD_FAILURE() << bad;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("HOST:PORT"), std::string::npos);
        }
    }
}

class HttpLoopback : public ::testing::Test {
protected:
    void SetUp() override { ::setenv("ECO2_HTTP_MODULE", ECO2_HTTP_MODULE_PATH, 1); }
};

TEST_F(HttpLoopback, TheServerAnswersAndTheClientSendsEachMethod) {
    std::mutex m;
    std::vector<std::string> paths;
    http::Server server("127.0.0.1", 0, [&](const std::string& path) {
        std::lock_guard lock(m);
        paths.push_back(path);
        if (path == "/boom") throw std::runtime_error("kaput");
        return http::Reply{200, std::string(PROMETHEUS_CONTENT_TYPE), "eco2_x 1\n"};
    });
    ASSERT_GT(server.port(), 0);
    const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
    const http::Answer a = http::request("GET", base + "/metrics", {}, {}, 2s);
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.body, "eco2_x 1\n");
    EXPECT_EQ(http::request("GET", base + "/boom", {}, {}, 2s).status, 500);
    // The server answers GETs only.
    EXPECT_NE(http::request("PUT", base + "/metrics", "text/plain", "x", 2s).status, 200);
    // Nothing listens: an error within the deadline, no exception.
    const int port = server.port();
    { http::Server other("127.0.0.1", 0, [](const std::string&) { return http::Reply{}; }); }
    EXPECT_THROW(http::Server("127.0.0.1", port, [](const std::string&) { return http::Reply{}; }), Error);
    std::lock_guard lock(m);
    EXPECT_EQ(paths, (std::vector<std::string>{"/metrics", "/boom"}));
}

TEST_F(HttpLoopback, AFailedPushIsAWarningWithinItsDeadline) {
    // A port that was free a moment ago: connection refused.
    int port = 0;
    { http::Server s("127.0.0.1", 0, [](const std::string&) { return http::Reply{}; }); port = s.port(); }
    const auto t0 = std::chrono::steady_clock::now();
    auto w = push_to_gateway("http://127.0.0.1:" + std::to_string(port), {{"job", "eco2"}}, {a_run("r")}, 1s);
    ASSERT_TRUE(w);
    EXPECT_NE(w->find("Pushgateway push to http://127.0.0.1:"), std::string::npos) << *w;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
    auto bad = push_otlp("not a url", {a_run("r")}, 1s);
    ASSERT_TRUE(bad);
    EXPECT_NE(bad->find("is not an http"), std::string::npos);
}

TEST(Publisher, PushesTheLatestSetOffTheCallersThreadAndTheFinalOneLast) {
    std::mutex m;
    std::condition_variable cv;
    std::vector<double> pushed;
    bool release = false, entered = false;
    int deletes = 0;
    Publisher p(
        [&](const MetricSet& s) -> std::optional<std::string> {
            std::unique_lock lock(m);
            entered = true;
            cv.notify_all();
            cv.wait_for(lock, 5s, [&] { return release; });  // a slow gateway
            pushed.push_back(s.devices.at(0).joules);
            return s.devices.at(0).joules < 0 ? std::optional<std::string>("down") : std::nullopt;
        },
        [&]() -> std::optional<std::string> {
            ++deletes;
            return std::nullopt;
        });
    MetricSet s = a_run("r");
    const auto t0 = std::chrono::steady_clock::now();
    for (double j : {1.0, 2.0, -3.0, 4.0}) {
        s.devices[0].joules = j;
        p.offer(s);  // never waits for the slow push
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    {
        std::unique_lock lock(m);
        cv.wait_for(lock, 5s, [&] { return entered; });
        release = true;
    }
    cv.notify_all();
    s.devices[0].joules = -5.0;
    const auto warnings = p.finish(s);
    std::lock_guard lock(m);
    ASSERT_GE(pushed.size(), 2u);
    EXPECT_LE(pushed.size(), 3u);  // the sets offered while one was in flight were replaced by the newest
    EXPECT_EQ(pushed.back(), -5.0);
    EXPECT_EQ(warnings, std::vector<std::string>{"down"});  // the same warning once
    EXPECT_EQ(deletes, 1);
}

}  // namespace
}  // namespace eco2::metrics
