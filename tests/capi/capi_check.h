/* The checks of the C API's tests (capi_test.c, capi_carbon_test.c): a failed check prints the condition and
 * eco2_last_error() and counts; main() returns 1 when any failed. */
#ifndef ECO2_CAPI_CHECK_H
#define ECO2_CAPI_CHECK_H

#include <stdio.h>

#include "eco2/eco2.h"

static int g_failures = 0;

#define EXPECT(cond)                                                                            \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "%s:%d: expected %s (last error: %s)\n", __FILE__, __LINE__, #cond, \
                    eco2_last_error());                                                         \
            ++g_failures;                                                                       \
        }                                                                                       \
    } while (0)
#define EXPECT_OK(call) EXPECT((call) == ECO2_OK)

#endif /* ECO2_CAPI_CHECK_H */
