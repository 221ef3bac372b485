/* The command whose start bench/overhead.py times: prints CLOCK_MONOTONIC (ns) first thing in main(), so
 * the delay from "about to exec eco2" to "the command runs" can be measured from outside. Kept in C with no
 * work before the clock read, so the figure is the launcher's cost, not ours. */
#include <stdio.h>
#include <time.h>

int main(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + (long long)ts.tv_nsec);
    return 0;
}
