#pragma once
/* The C interface of eco2's HTTP module (libeco2_http.so), loaded with dlopen only when eco2 makes a request
 * (IP geolocation, off by default; Pushgateway and OTLP pushes) or serves one (eco2 agent, eco2 run --listen). The module holds the HTTP/TLS stack (cpp-httplib with OpenSSL, brotli,
 * zlib): linking it into the eco2 command would load eight more libraries and initialise OpenSSL at every
 * start, about 4 ms before `eco2 run` can start its command (docs/benchmarks.md). */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What one GET gave. status is the HTTP status, 0 when no answer came (error says why). */
typedef struct eco2_http_answer {
    int status;
    int too_big;      /**< the body was longer than max_body: reading stopped there */
    char* body;       /**< malloc'ed, NUL-terminated; free with eco2_http_free_v1 */
    size_t body_size;
    char error[256];  /**< why no answer came, when status is 0 */
} eco2_http_answer;

/** GETs path from origin ("https://host[:port]") with timeout_ms as the deadline for the whole request
 * (connecting, sending, reading the answer however slowly it trickles in), no redirects followed, "Accept: application/json". Returns 0 when the request ran (see out->status), -1 when
 * the origin cannot be used (out->error). Never throws. */
typedef int (*eco2_http_get_fn)(const char* origin, const char* path, long timeout_ms, size_t max_body,
                                eco2_http_answer* out);
/** Frees out->body. */
typedef void (*eco2_http_free_fn)(eco2_http_answer* out);

#define ECO2_HTTP_GET_SYMBOL "eco2_http_get_v1"
#define ECO2_HTTP_FREE_SYMBOL "eco2_http_free_v1"

/** Sends method ("PUT", "POST", "DELETE", "GET") to origin + path with the body (body_size bytes, may be
 * empty) as content_type (NULL: none), under the same whole-request deadline as eco2_http_get_v1; reads at
 * most max_body bytes of the answer. Returns 0 when the request ran (out->status), -1 when the origin cannot
 * be used. Never throws. */
typedef int (*eco2_http_request_fn)(const char* method, const char* origin, const char* path,
                                    const char* content_type, const char* body, size_t body_size, long timeout_ms,
                                    size_t max_body, eco2_http_answer* out);
#define ECO2_HTTP_REQUEST_SYMBOL "eco2_http_request_v1"

/** What a server's handler answers: status, content type and a body that the handler malloc's (the module
 * frees it once sent). */
typedef struct eco2_http_reply {
    int status;
    char content_type[128];
    char* body;
    size_t body_size;
} eco2_http_reply;

/** Called on one of the server's threads for each GET (method is "GET"; path without the query). Must not
 * throw; concurrent calls are possible. */
typedef void (*eco2_http_handler_fn)(void* user, const char* path, eco2_http_reply* out);

typedef struct eco2_http_server eco2_http_server;

/** Binds host:port (port 0: a free one) and serves GETs with the handler on the module's threads until
 * stopped. Connections are closed after each answer (an idle keep-alive connection would cost a wake-up every
 * 10 ms). Returns NULL with error filled when the address cannot be bound. */
typedef eco2_http_server* (*eco2_http_serve_fn)(const char* host, int port, eco2_http_handler_fn handler,
                                                void* user, char error[256]);
/** The port the server is bound to. */
typedef int (*eco2_http_server_port_fn)(const eco2_http_server* server);
/** Stops the server, waits for its threads (a request being answered finishes first) and frees it. */
typedef void (*eco2_http_server_stop_fn)(eco2_http_server* server);

#define ECO2_HTTP_SERVE_SYMBOL "eco2_http_serve_v1"
#define ECO2_HTTP_SERVER_PORT_SYMBOL "eco2_http_server_port_v1"
#define ECO2_HTTP_SERVER_STOP_SYMBOL "eco2_http_server_stop_v1"

#ifdef __cplusplus
}
#endif
