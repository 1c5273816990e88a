/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tool's own modes for make bench (bench/bench.sh): hidden options,
 * kept out of the tracing path.
 */
#ifndef __BENCH_MODE_H
#define __BENCH_MODE_H

#include <signal.h>
#include <stdbool.h>
#include <linux/types.h>

struct session;

/* --bench-toggle: SIGUSR1 detaches or attaches the probes, SIGUSR2 reports. */
int bench_toggle_signals(void);
bool bench_toggle_pending(void);
int bench_toggle_control(struct session *s);

/*
 * --bench-events N --bench-rate RATE: N synthetic events at RATE a second
 * through the real ring buffer and output path, no target; one line on
 * stderr with the rate handled, the loss and the RSS. EXITING: set by the
 * signal handlers.
 */
int bench_events_run(struct session *s, long n, long rate, volatile sig_atomic_t *exiting);

#endif /* __BENCH_MODE_H */
