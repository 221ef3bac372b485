#pragma once
// eco2's side of the HTTP module (http_get.h): loads libeco2_http.so on first use and wraps its C interface.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace eco2::http {

/// An absolute http(s) URL cut into what the module takes: "http://host:port" and "/path?query" ("/" when
/// the URL has no path). Throws eco2::Error(invalid_argument) naming the URL when it is not http(s)://host....
struct Url {
    std::string origin, path;
};
Url split_url(std::string_view url);

/// What a request gave: the HTTP status (0 when no answer came; error says why) and the body read.
struct Answer {
    int status = 0;
    std::string body;
    std::string error;
    bool too_big = false;          ///< the answer was longer than accepted: reading stopped there
    bool unusable_origin = false;  ///< the request could not even be made (bad origin)
};

/// Sends one request with timeout as the deadline for all of it (connect, send, read). Never throws for a
/// failed request (status 0); throws eco2::Error(io_error) when the HTTP module cannot be loaded (with the
/// fix), Error(invalid_argument) for a bad URL.
Answer request(std::string_view method, const std::string& url, std::string_view content_type,
               std::string_view body, std::chrono::milliseconds timeout);

/// GET origin + path with "Accept: application/json" (what geolocation asks). Same failures as request().
Answer get_json(const std::string& origin, const std::string& path, std::chrono::milliseconds timeout,
                std::size_t max_body);

/// What a handler answers to a GET.
struct Reply {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
};

/// A GET server on the module's threads, from construction to destruction. The handler is called for each
/// request (possibly on two threads at once) with the path; an exception it throws becomes a 500.
class Server {
public:
    using Handler = std::function<Reply(const std::string& path)>;
    /// Binds host:port (0: a free port). Throws eco2::Error(io_error) when the address cannot be bound or the
    /// module not loaded.
    Server(const std::string& host, int port, Handler handler);
    ~Server();  ///< stops serving and waits for a request being answered
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    int port() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// "HOST:PORT" (HOST may be a name, an IPv4 address or [IPv6]) cut into its parts. Throws
/// eco2::Error(invalid_argument) naming the text and the expected form.
struct ListenAddress {
    std::string host;
    int port = 0;
};
ListenAddress parse_listen_address(std::string_view text);

}  // namespace eco2::http
