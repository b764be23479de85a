/* nextusec: print the next elapses of a calendar expression exactly (in
 * microseconds), by calling systemd's own calendar_spec_next_usec() in the
 * installed libsystemd-shared. systemd-analyze calendar prints whole
 * seconds only; record.sh uses this to get the microseconds and checks
 * that both agree on the seconds.
 *
 * usage: nextusec BASE_USEC ITERATIONS EXPRESSION   ($TZ selects the zone)
 * prints one line per elapse: the time in microseconds since the epoch,
 * then "never" (with the error) when there is no further one. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct CalendarSpec CalendarSpec; /* opaque */
int calendar_spec_from_string(const char *p, CalendarSpec **spec);
int calendar_spec_next_usec(const CalendarSpec *spec, uint64_t usec, uint64_t *next);
CalendarSpec *calendar_spec_free(CalendarSpec *c);

int main(int argc, char **argv) {
        CalendarSpec *spec = NULL;
        uint64_t base, next;
        int n, r;

        if (argc != 4) {
                fprintf(stderr, "usage: %s BASE_USEC ITERATIONS EXPRESSION\n", argv[0]);
                return 2;
        }
        base = strtoull(argv[1], NULL, 10);
        n = atoi(argv[2]);
        r = calendar_spec_from_string(argv[3], &spec);
        if (r < 0) {
                printf("invalid %s\n", strerror(-r));
                return 0;
        }
        for (int i = 0; i < n; i++) {
                r = calendar_spec_next_usec(spec, base, &next);
                if (r < 0) {
                        printf("never %s\n", strerror(-r));
                        break;
                }
                printf("%llu\n", (unsigned long long) next);
                base = next;
        }
        calendar_spec_free(spec);
        return 0;
}
