// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench_mode: what make bench asks of the tool itself (see bench_mode.h
 * and bench/bench.sh).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "grpcstreams.h"
#include "grpcstreams.skel.h"
#include "bench_mode.h"
#include "session.h"
#include "probes.h"
#include "scope.h"
#include "trace_helpers.h"

static volatile sig_atomic_t toggle, report;

static void toggle_sig_handler(int sig)
{
	if (sig == SIGUSR1)
		toggle = 1;
	else
		report = 1;
}

int bench_toggle_signals(void)
{
	if (signal(SIGUSR1, toggle_sig_handler) == SIG_ERR ||
	    signal(SIGUSR2, toggle_sig_handler) == SIG_ERR)
		return -errno;
	return 0;
}

bool bench_toggle_pending(void)
{
	return toggle || report;
}

/*
 * make bench alternates untraced and traced windows of one running
 * workload, a second or less each, as a VM's speed drifts by tens of
 * percent within seconds; restarting the tool for each would take longer
 * than a window. Both signals print "bench: attached|detached HITS" on
 * stderr, HITS every uprobe hit so far, ignored ones included.
 */
int bench_toggle_control(struct session *ses)
{
	const char *path = NULL;
	struct probes *pr = scope_single_probes(&path);
	struct why why;
	struct stats s;
	__u64 hits;
	int err = 0, i;

	if (!pr) {
		fprintf(stderr, "grpcstreams: --bench-toggle needs one -p PID or -b PATH\n");
		return -EINVAL;
	}
	if (toggle) {
		toggle = 0;
		if (probes_attached(pr))
			probes_detach(pr);
		else
			err = probes_attach(pr, path, &why);
		if (err)
			fprintf(stderr, "grpcstreams: %s\n", why.msg);
	}
	report = 0;
	session_counts(ses, &s);
	hits = s.stack_skips + s.caller_mismatch;
	for (i = 0; i < PROBE_COUNT; i++)
		hits += s.hits[i];
	fprintf(stderr, "bench: %s %llu\n", probes_attached(pr) ? "attached" : "detached", hits);
	return err;
}

static struct producer {
	int prog_fd;
	long n, rate;
	long produced;
	volatile sig_atomic_t *exiting;
} prod;

/* Synthetic events at prod.rate per second, in batches, paced. */
static void *produce(void *arg)
{
	const __u32 batch = 256;
	__u64 next = mono_ns(), step = batch * 1000000000ULL / prod.rate;
	struct gen_args args;
	struct timespec ts;

	while (__atomic_load_n(&prod.produced, __ATOMIC_RELAXED) < prod.n && !*prod.exiting) {
		LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = &args, .ctx_size_in = sizeof(args));

		args.n = prod.n - prod.produced < batch ? prod.n - prod.produced : batch;
		args.last = prod.produced + args.n == prod.n;
		if (bpf_prog_test_run_opts(prod.prog_fd, &topts)) {
			fprintf(stderr, "grpcstreams: failed to run the event generator: %s\n",
				strerror(errno));
			*prod.exiting = 1;
			break;
		}
		__atomic_add_fetch(&prod.produced, args.n, __ATOMIC_RELAXED);
		next += step;
		ts.tv_sec = next / 1000000000ULL;
		ts.tv_nsec = next % 1000000000ULL;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	return NULL;
}

static __u64 lost(struct session *s)
{
	struct stats c;

	session_counts(s, &c);
	return c.lost_events;
}

int bench_events_run(struct session *s, long n, long rate, volatile sig_atomic_t *exiting)
{
	__u64 start = mono_ns(), secs;
	struct rusage ru;
	pthread_t thr;
	int err;

	prod.prog_fd = bpf_program__fd(session_bpf(s)->progs.gen_events);
	prod.n = n;
	prod.rate = rate;
	prod.exiting = exiting;
	err = pthread_create(&thr, NULL, produce, NULL);
	if (err) {
		fprintf(stderr, "grpcstreams: failed to start the event generator: %s\n",
			strerror(err));
		return -err;
	}
	/* Until every produced event was handled or counted lost. */
	while (!*exiting && session_stream_events(s) + lost(s) < (__u64)n) {
		err = session_drain(s, 100);
		if (err)
			break;
	}
	pthread_join(thr, NULL);
	fflush(stdout);
	secs = mono_ns() - start;
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "bench: %llu events handled in %.3f s: %.0f events/s "
		"(offered %ld/s), %llu lost, max RSS %.1f MiB\n",
		(unsigned long long)session_stream_events(s), secs / 1e9,
		session_stream_events(s) / (secs / 1e9), rate, (unsigned long long)lost(s),
		ru.ru_maxrss / 1024.0);
	return err;
}
