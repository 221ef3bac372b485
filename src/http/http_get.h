#pragma once
/* The C interface of eco2's HTTP module (libeco2_http.so), loaded with dlopen only when eco2 makes a request
 * (IP geolocation, off by default). The module holds the HTTP/TLS stack (cpp-httplib with OpenSSL, brotli,
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

#ifdef __cplusplus
}
#endif
