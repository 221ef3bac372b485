#include "carbon/geolocate.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "eco2/error.hpp"

using namespace eco2;
using namespace eco2::carbon;

namespace {

// An HTTP server on 127.0.0.1 for one test: a free port, a thread, stopped and joined on destruction.
class LocalServer {
public:
    explicit LocalServer(httplib::Server::Handler handler) {
        m_server.Get("/json", std::move(handler));
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        for (int i = 0; i < 200 && !m_server.is_running(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ~LocalServer() {
        m_server.stop();
        m_thread.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/json"; }
    int port() const { return m_port; }

private:
    httplib::Server m_server;
    int m_port = 0;
    std::thread m_thread;
};

// A hostile server on 127.0.0.1: accepts one connection, reads the request, sends `at_once`, then `answer`
// one byte every `every` until it is all sent, the client goes away or the server is destroyed (at most ~10 s).
class TricklingServer {
public:
    TricklingServer(std::string at_once, std::string answer, std::chrono::milliseconds every) {
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(m_listen, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(m_listen, 4) != 0 ||
            ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("cannot listen on 127.0.0.1");
        m_port = ntohs(a.sin_port);
        m_thread = std::thread([this, at_once = std::move(at_once), answer = std::move(answer), every] {
            pollfd p{m_listen, POLLIN, 0};
            while (!m_quit && ::poll(&p, 1, 50) == 0) {}
            if (m_quit) return;
            const int c = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
            char request[4096];
            (void)!::recv(c, request, sizeof request, 0);
            (void)!::send(c, at_once.data(), at_once.size(), MSG_NOSIGNAL);
            for (std::size_t i = 0; i < answer.size() && !m_quit && i < 200; ++i) {
                if (::send(c, &answer[i], 1, MSG_NOSIGNAL) != 1) break;
                std::this_thread::sleep_for(every);
            }
            ::close(c);
        });
    }
    ~TricklingServer() {
        m_quit = true;
        m_thread.join();
        ::close(m_listen);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/json"; }

private:
    int m_listen = -1;
    int m_port = 0;
    std::atomic<bool> m_quit{false};
    std::thread m_thread;
};

// The HTTP module of this build tree (the test program is not beside it).
class Geolocation : public ::testing::Test {
protected:
    void SetUp() override { ::setenv("ECO2_HTTP_MODULE", ECO2_HTTP_MODULE_PATH, 1); }
};

}  // namespace

TEST_F(Geolocation, AnswersOfTheCommonServicesAreRead) {
    GeoAnswer a = parse_geolocation(
        R"({"ip":"1.2.3.4","country_code":"US","region_code":"CA","region":"California"})", "s");
    EXPECT_EQ(a.country, "US");
    EXPECT_EQ(a.subdivision, "US-CA");
    EXPECT_EQ(a.region_name, "California");
    a = parse_geolocation(R"({"status":"success","countryCode":"NO","region":"03","regionName":"Oslo"})",
                          "s");
    EXPECT_EQ(a.country, "NO");
    EXPECT_EQ(a.subdivision, "NO-03");
    a = parse_geolocation(R"({"country":"au","region":"New South Wales"})", "s");
    EXPECT_EQ(a.country, "AU");
    EXPECT_FALSE(a.subdivision);  // a name, not a code
    EXPECT_EQ(a.region_name, "New South Wales");
}

TEST_F(Geolocation, AnythingElseIsRefusedAsData) {
    for (const char* bad :
         {"", "not json", "[\"US\"]", "{}", R"({"country_code":"USA"})", R"({"country_code":"U$"})",
          R"({"country_code":12})", R"({"country_code":"US"; rm -rf /})"})
        EXPECT_THROW(parse_geolocation(bad, "s"), Error) << bad;
    EXPECT_THROW(parse_geolocation(std::string(70000, ' ') + R"({"country_code":"US"})", "s"), Error);
}

TEST_F(Geolocation, AsksALocalServer) {
    LocalServer server([](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"country_code":"DE","region_code":"BY","region":"Bavaria"})", "application/json");
    });
    const GeoAnswer a = geolocate(server.url(), std::chrono::milliseconds(2000));
    EXPECT_EQ(a.country, "DE");
    EXPECT_EQ(a.subdivision, "DE-BY");
    EXPECT_EQ(a.service, server.url());
}

TEST_F(Geolocation, ErrorsAndSlowServersFailWithinTheTimeout) {
    LocalServer server([](const httplib::Request& req, httplib::Response& res) {
        if (req.has_param("slow")) std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        res.status = req.has_param("missing") ? 404 : 200;
        res.set_content(R"({"country_code":"DE"})", "application/json");
    });
    try {
        geolocate(server.url() + "?missing=1", std::chrono::milliseconds(2000));
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("HTTP 404"), std::string::npos) << e.what();
    }
    const auto t0 = std::chrono::steady_clock::now();
    try {
        geolocate(server.url() + "?slow=1", std::chrono::milliseconds(200));
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::io_error);
        EXPECT_NE(std::string(e.what()).find("200 ms"), std::string::npos) << e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1200));
}

// Each byte comes well within the timeout, so a per-read timeout never trips: only a deadline for the whole
// request stops these (issue 11: one byte every 0.5 s held eco2 for over 120 s).
TEST_F(Geolocation, ATricklingServerCannotHoldTheRequestPastTheTimeout) {
    const std::string body = R"({"country_code":"DE","region_code":"BY"})";
    const std::string headers = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n";
    struct Case {
        const char* name;
        std::string at_once, trickled;
    };
    for (const Case& c : {Case{"status line and headers trickle", "", headers + body},
                          Case{"body trickles", headers, body + std::string(100, ' ')}}) {
        TricklingServer server(c.at_once, c.trickled, std::chrono::milliseconds(50));
        const auto t0 = std::chrono::steady_clock::now();
        try {
            geolocate(server.url(), std::chrono::milliseconds(400));
            ADD_FAILURE() << c.name << ": a whole answer within 400 ms at one byte per 50 ms?";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::io_error) << c.name;
            EXPECT_NE(std::string(e.what()).find("400 ms"), std::string::npos) << e.what();
        }
        const auto took = std::chrono::steady_clock::now() - t0;
        EXPECT_LT(took, std::chrono::milliseconds(1500)) << c.name;  // the trickle alone takes >= 2 s
        EXPECT_GE(took, std::chrono::milliseconds(380)) << c.name;
    }
}

TEST_F(Geolocation, NoServerIsAnErrorNotAHang) {
    int port = 0;
    {
        LocalServer gone([](const httplib::Request&, httplib::Response&) {});
        port = gone.port();
    }
    EXPECT_THROW(
        geolocate("http://127.0.0.1:" + std::to_string(port) + "/json", std::chrono::milliseconds(500)),
        Error);
    EXPECT_THROW(geolocate("ftp://example.org/", std::chrono::milliseconds(500)), Error);
}

TEST(GeolocationModule, AMissingModuleIsNamedWithTheFix) {
    ::setenv("ECO2_HTTP_MODULE", "/nonexistent/libeco2_http.so", 1);
    try {
        geolocate("http://127.0.0.1:1/json", std::chrono::milliseconds(200));
        FAIL();
    } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_EQ(e.code(), Errc::io_error);
        EXPECT_NE(what.find("/nonexistent/libeco2_http.so (absent)"), std::string::npos) << what;
        EXPECT_NE(what.find("ECO2_HTTP_MODULE"), std::string::npos) << what;
    }
    ::unsetenv("ECO2_HTTP_MODULE");
}
